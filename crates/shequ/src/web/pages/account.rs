//! 我的账号: the user's live sessions (each can be ended) and the password change, which ends the others.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use minijinja::context;
use serde::Deserialize;

use crate::accounts::{sessions, users};
use crate::error::Error;
use crate::web::error::PageError;
use crate::web::session::User;
use crate::web::templates::render;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/account", get(page))
        .route("/account/sessions/{id}/end", post(end_session))
        .route("/account/password", post(change_password))
}

async fn show(
    state: &AppState,
    user: &User,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response, PageError> {
    let list = sessions::list(&state.db, &user.actor, &user.token).await?;
    let status = if error.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    let page = render(
        &state.templates,
        "account.html",
        Some(user),
        &user.actor.lang,
        context! { sessions => list, error, notice, username => user.actor.username.clone() },
    )?;
    Ok((status, page).into_response())
}

async fn page(State(state): State<AppState>, user: User) -> Result<Response, PageError> {
    show(&state, &user, None, None).await
}

async fn end_session(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    sessions::end(&state.db, &user.actor, &id).await?;
    Ok(Redirect::to("/account").into_response())
}

#[derive(Deserialize)]
struct PasswordForm {
    current: String,
    new: String,
    confirm: String,
}

async fn change_password(
    State(state): State<AppState>,
    user: User,
    Form(f): Form<PasswordForm>,
) -> Result<Response, PageError> {
    if f.new != f.confirm {
        return show(&state, &user, Some("两次输入的新密码不一致".into()), None).await;
    }
    match users::change_password(
        &state.db,
        &user.actor,
        &f.current,
        &f.new,
        Some(&user.token),
    )
    .await
    {
        Ok(ended) => {
            let notice = format!("密码已修改,其他 {ended} 个登录已退出");
            show(&state, &user, None, Some(notice)).await
        }
        Err(Error::Invalid { message, .. }) => show(&state, &user, Some(message), None).await,
        Err(e) => Err(e.into()),
    }
}
