//! The community's public welfare notice (社会救助公示) under `/public/{community code}/welfare`: no login;
//! its objection form is protected like the login form by a double-submit token (`csrf_guard` treats
//! `/public/` like `/login`), and limited per client address (`welfare::notice::PUBLIC_PER_HOUR`).

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use minijinja::context;
use serde::Deserialize;

use super::welfare::ObjectionForm;
use crate::accounts::sessions;
use crate::web::error::PageError;
use crate::web::session::{cookie, set_cookie, ClientIp, LOGIN_CSRF_COOKIE};
use crate::web::templates::render;
use crate::web::AppState;
use crate::welfare::notice::{self, ObjectionInput};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/public/{code}/welfare", get(public_page))
        .route("/public/{code}/welfare/objection", post(public_objection))
}

/// The public notice page: no login; sets the double-submit token its objection form sends back.
fn public_response(
    s: &AppState,
    headers: &HeaderMap,
    code: &str,
    n: notice::Notice,
    message: Option<&str>,
    error: Option<String>,
) -> Result<Response, PageError> {
    let csrf = cookie(headers, LOGIN_CSRF_COOKIE).unwrap_or_else(sessions::random_token);
    let lang = cookie(headers, "shequ_lang").unwrap_or_else(|| "zh".into());
    let page = render(
        &s.templates,
        "welfare_public.html",
        None,
        &lang,
        context! { n, code, message, error, public_csrf => csrf.clone() },
    )?;
    Ok((
        [(
            header::SET_COOKIE,
            set_cookie(LOGIN_CSRF_COOKIE, &csrf, 3600),
        )],
        page,
    )
        .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Sent {
    sent: String,
}

async fn public_page(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(q): Query<Sent>,
) -> Result<Response, PageError> {
    let n = notice::public(&s.db, &code).await?;
    let msg = (!q.sent.is_empty()).then_some("异议已提交,社区将在核实后处理。");
    public_response(&s, &headers, &code, n, msg, None)
}

async fn public_objection(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(code): Path<String>,
    Form(f): Form<ObjectionForm>,
) -> Result<Response, PageError> {
    match notice::file_public(
        &s.db,
        &code,
        &f.number,
        &ip,
        &ObjectionInput {
            body: f.body,
            filer: f.filer,
        },
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/public/{code}/welfare?sent=1")).into_response()),
        Err(e @ (crate::error::Error::Invalid { .. } | crate::error::Error::Locked(_))) => {
            let status = match e {
                crate::error::Error::Locked(_) => axum::http::StatusCode::TOO_MANY_REQUESTS,
                _ => axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            };
            let n = notice::public(&s.db, &code).await?;
            let r = public_response(&s, &headers, &code, n, None, Some(e.to_string()))?;
            Ok((status, r).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
