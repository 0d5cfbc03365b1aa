//! Login, logout and the language switch.

use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use minijinja::context;
use serde::Deserialize;

use crate::accounts::{sessions, users};
use crate::error::Error;
use crate::web::error::PageError;
use crate::web::session::{cookie, set_cookie, ClientIp, User, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use crate::web::templates::render;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/login/lang", post(login_lang))
        .route("/logout", post(logout))
        .route("/lang", post(set_lang))
}

fn login_form(
    state: &AppState,
    headers: &HeaderMap,
    error: Option<String>,
    username: &str,
) -> Result<Response, PageError> {
    let csrf = cookie(headers, LOGIN_CSRF_COOKIE).unwrap_or_else(sessions::random_token);
    let lang = cookie(headers, "shequ_lang").unwrap_or_else(|| "zh".into());
    let status = if error.is_some() {
        axum::http::StatusCode::UNAUTHORIZED
    } else {
        axum::http::StatusCode::OK
    };
    let page = render(
        &state.templates,
        "login.html",
        None,
        &lang,
        context! { error, username, login_csrf => csrf.clone() },
    )?;
    Ok((
        status,
        [(
            header::SET_COOKIE,
            set_cookie(LOGIN_CSRF_COOKIE, &csrf, 3600),
        )],
        page,
    )
        .into_response())
}

async fn login_page(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    login_form(&state, &headers, None, "")
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
}

async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, PageError> {
    match users::login(&state.db, &f.username, &f.password, &ip).await {
        Ok(user_id) => {
            let agent = headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let (token, _) = sessions::create(&state.db, user_id, &ip, agent).await?;
            let max_age = sessions::LIFETIME_HOURS * 3600;
            Ok((
                [(
                    header::SET_COOKIE,
                    set_cookie(SESSION_COOKIE, &token, max_age),
                )],
                Redirect::to("/"),
            )
                .into_response())
        }
        Err(e @ (Error::Invalid { .. } | Error::Locked(_))) => {
            let msg = match e {
                Error::Invalid { message, .. } => message,
                other => other.to_string(),
            };
            login_form(&state, &headers, Some(msg), &f.username)
        }
        Err(e) => Err(e.into()),
    }
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        sessions::delete(&state.db, &token).await?;
    }
    Ok((
        [(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", 0))],
        Redirect::to("/login"),
    )
        .into_response())
}

#[derive(Deserialize)]
struct LangForm {
    lang: String,
}

async fn set_lang(
    State(state): State<AppState>,
    user: User,
    headers: HeaderMap,
    Form(f): Form<LangForm>,
) -> Result<Response, PageError> {
    users::set_lang(&state.db, user.actor.user_id, &f.lang).await?;
    // Back to the page the switch was made on: the path of the Referer, and only a path of this site
    // ("//host" or "/\\host" would send the user to another site).
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| {
            r.find("://")
                .and_then(|i| r[i + 3..].find('/').map(|j| r[i + 3 + j..].to_string()))
        })
        .filter(|p| {
            p.starts_with('/')
                && !p.starts_with("//")
                && !p.starts_with("/\\")
                && !p.contains(['\r', '\n'])
        })
        .unwrap_or_else(|| "/".into());
    Ok(Redirect::to(&back).into_response())
}

async fn login_lang(Form(f): Form<LangForm>) -> Response {
    let lang = if f.lang == "en" { "en" } else { "zh" };
    (
        [(
            header::SET_COOKIE,
            set_cookie("shequ_lang", lang, 365 * 86400),
        )],
        Redirect::to("/login"),
    )
        .into_response()
}
