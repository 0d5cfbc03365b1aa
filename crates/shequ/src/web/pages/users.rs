//! 账号管理 (street administrators): the street's staff accounts with role, where each works, state and
//! login throttle; a form that creates an account; and per account a password reset, disable / enable and
//! unlock. A refused form comes back with its message and the typed values (422); nothing is saved.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use minijinja::context;

use crate::accounts::users::{self, NewUser};
use crate::accounts::{admin, Role};
use crate::error::Error;
use crate::web::error::PageError;
use crate::web::session::User;
use crate::web::templates::render;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/users", get(page).post(create))
        .route("/users/{id}/password", post(reset))
        .route("/users/{id}/disable", post(disable))
        .route("/users/{id}/enable", post(enable))
        .route("/users/{id}/unlock", post(unlock))
}

type Fields = Vec<(String, String)>;

fn field<'a>(f: &'a Fields, key: &str) -> &'a str {
    f.iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// The roles an administrator may create here (residents sign up on the portal).
fn roles() -> Vec<minijinja::Value> {
    Role::ALL
        .iter()
        .filter(|r| **r != Role::Resident)
        .map(|r| context! { code => r.code(), label => r.label_zh() })
        .collect()
}

async fn show(
    state: &AppState,
    user: &User,
    error: Option<String>,
    notice: Option<String>,
    typed: Fields,
) -> Result<Response, PageError> {
    let a = &user.actor;
    let accounts = admin::list(&state.db, a).await?;
    let (communities, grids, buildings) = admin::places(&state.db, a).await?;
    let typed_map: std::collections::BTreeMap<String, String> = typed.iter().cloned().collect();
    let chosen: Vec<String> = typed
        .iter()
        .filter(|(k, _)| k == "grids" || k == "buildings")
        .map(|(_, v)| v.clone())
        .collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = render(
        &state.templates,
        "users.html",
        Some(user),
        &a.lang,
        context! {
            accounts, communities, grids, buildings, roles => roles(), error, notice,
            typed => typed_map, chosen, me => a.user_id,
        },
    )?;
    Ok((status, page).into_response())
}

async fn page(State(state): State<AppState>, user: User) -> Result<Response, PageError> {
    show(&state, &user, None, None, vec![]).await
}

/// Ids of the ticked places of a list field.
fn ids(f: &Fields, key: &str, name: &str) -> Result<Vec<i64>, Error> {
    f.iter()
        .filter(|(k, v)| k == key && !v.trim().is_empty())
        .map(|(_, v)| {
            v.trim()
                .parse()
                .map_err(|_| Error::invalid(name, "请从列表中选择"))
        })
        .collect()
}

async fn create(
    State(state): State<AppState>,
    user: User,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    let attempt = async {
        let role = Role::from_code(field(&f, "role"))
            .filter(|r| *r != Role::Resident)
            .ok_or_else(|| Error::invalid("角色", "请选择角色"))?;
        if field(&f, "password") != field(&f, "confirm") {
            return Err(Error::invalid("密码", "两次输入的密码不一致"));
        }
        if field(&f, "display_name").trim().is_empty() {
            return Err(Error::invalid("姓名", "请填写姓名"));
        }
        let community_id = match field(&f, "community_id").trim() {
            "" => None,
            v => Some(
                v.parse()
                    .map_err(|_| Error::invalid("社区", "请从列表中选择"))?,
            ),
        };
        let new = NewUser {
            username: field(&f, "username").trim().to_string(),
            display_name: field(&f, "display_name").trim().to_string(),
            password: field(&f, "password").to_string(),
            role,
            street_id: user.actor.scope.street(),
            community_id,
            grids: ids(&f, "grids", "网格")?,
            buildings: ids(&f, "buildings", "楼栋")?,
        };
        users::create(&state.db, &user.actor, &new).await
    };
    match attempt.await {
        Ok(_) => {
            let notice = format!("已创建账号 {}", field(&f, "username").trim());
            show(&state, &user, None, Some(notice), vec![]).await
        }
        Err(e @ (Error::Invalid { .. } | Error::Conflict { .. })) => {
            let typed: Fields = f
                .into_iter()
                .filter(|(k, _)| k != "password" && k != "confirm" && k != "_csrf")
                .collect();
            show(&state, &user, Some(e.to_string()), None, typed).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn reset(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    match users::reset_password(&state.db, &user.actor, id, field(&f, "password")).await {
        Ok(n) => {
            let notice = format!("密码已重置,该账号的 {n} 个登录已退出");
            show(&state, &user, None, Some(notice), vec![]).await
        }
        Err(e @ Error::Invalid { .. }) => {
            show(&state, &user, Some(e.to_string()), None, vec![]).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn disable(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    match users::set_disabled(&state.db, &user.actor, id, true).await {
        Ok(_) => Ok(Redirect::to("/users").into_response()),
        Err(e @ Error::Invalid { .. }) => {
            show(&state, &user, Some(e.to_string()), None, vec![]).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn enable(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Redirect, PageError> {
    users::set_disabled(&state.db, &user.actor, id, false).await?;
    Ok(Redirect::to("/users"))
}

async fn unlock(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Redirect, PageError> {
    users::unlock(&state.db, &user.actor, id).await?;
    Ok(Redirect::to("/users"))
}
