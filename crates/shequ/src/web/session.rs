//! Sessions on the web: the `shequ_session` cookie (HttpOnly, SameSite=Lax), the [`User`] extractor that
//! every handler takes (so no handler can forget to check), and the CSRF guard on every state-changing
//! request: forms send `_csrf`, scripts send the `X-CSRF-Token` header. The login form, which has no session
//! yet, uses a double-submit cookie.

use axum::body::{to_bytes, Body};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::{ApiError, PageError};
use super::AppState;
use crate::accounts::{sessions, Actor};
use crate::error::Error;

pub const SESSION_COOKIE: &str = "shequ_session";
pub const LOGIN_CSRF_COOKIE: &str = "shequ_login_csrf";
const MAX_FORM: usize = 2 * 1024 * 1024;

pub fn cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

pub fn set_cookie(name: &str, value: &str, max_age_secs: i64) -> String {
    cookie_line(name, value, max_age_secs, secure_cookies())
}

fn cookie_line(name: &str, value: &str, max_age_secs: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}")
}

/// Cookies carry `Secure` when the public URL (`SHEQU_PUBLIC_URL`, the address users open, e.g. behind an
/// HTTPS proxy) is https, or when `SHEQU_SECURE_COOKIES=1`.
pub fn secure_cookies() -> bool {
    static SECURE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *SECURE.get_or_init(|| {
        std::env::var("SHEQU_PUBLIC_URL").is_ok_and(|u| u.trim().starts_with("https://"))
            || std::env::var("SHEQU_SECURE_COOKIES").is_ok_and(|v| v == "1")
    })
}

#[cfg(test)]
mod cookie_tests {
    #[test]
    fn secure_is_added_only_when_asked() {
        assert!(super::cookie_line("s", "v", 60, true).ends_with("; Secure"));
        assert!(!super::cookie_line("s", "v", 60, false).contains("Secure"));
    }
}

/// The address a request came from: the TCP peer, or — only when `SHEQU_TRUST_PROXY=1`, behind a reverse
/// proxy that sets it — the last address of `X-Forwarded-For` (the one the proxy saw). The login throttle and
/// the sessions list use it.
#[derive(Clone, Debug)]
pub struct ClientIp(pub String);

fn trust_proxy() -> bool {
    static TRUST: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *TRUST.get_or_init(|| std::env::var("SHEQU_TRUST_PROXY").is_ok_and(|v| v == "1"))
}

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        if trust_proxy() {
            if let Some(ip) = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .map(|v| v.trim())
                .filter(|v| v.parse::<std::net::IpAddr>().is_ok())
            {
                return Ok(ClientIp(ip.to_string()));
            }
        }
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "unknown".into());
        Ok(ClientIp(peer))
    }
}

/// The signed-in user of a request, with the session's CSRF token for forms.
#[derive(Clone)]
pub struct User {
    pub actor: Actor,
    pub csrf: String,
    /// The session cookie's token (to mark and keep the current session).
    pub token: String,
}

impl FromRequestParts<AppState> for User {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // Inside the nested /api router the URI has lost its prefix; the original one still has it.
        let path = parts
            .extensions
            .get::<axum::extract::OriginalUri>()
            .map(|u| u.0.path().to_string())
            .unwrap_or_else(|| parts.uri.path().to_string());
        let api = path.starts_with("/api/");
        let reject = |e: Error| {
            if api {
                ApiError(e).into_response()
            } else {
                PageError(e).into_response()
            }
        };
        let token =
            cookie(&parts.headers, SESSION_COOKIE).ok_or_else(|| reject(Error::Unauthorized))?;
        let (actor, csrf) = sessions::resolve(&state.db, &token)
            .await
            .map_err(&reject)?
            .ok_or_else(|| reject(Error::Unauthorized))?;
        // A resident never sees a worker page: pages send them to the portal, the API refuses.
        if actor.role == crate::accounts::Role::Resident && !resident_path(&path) {
            return Err(if api {
                ApiError(Error::Forbidden("居民账号只能使用居民端".into())).into_response()
            } else {
                axum::response::Redirect::to("/portal").into_response()
            });
        }
        Ok(User { actor, csrf, token })
    }
}

/// What a resident account may open: the portal, its API, and signing out, the language and the password.
fn resident_path(path: &str) -> bool {
    path == "/portal"
        || path.starts_with("/portal/")
        || path.starts_with("/api/portal/")
        || matches!(path, "/logout" | "/lang" | "/account" | "/api/me")
        || path.starts_with("/account/")
}

fn csrf_failure(api: bool) -> Response {
    let msg = "安全校验(CSRF)失败,请刷新页面后重试";
    if api {
        (
            StatusCode::FORBIDDEN,
            axum::Json(serde_json::json!({"error": msg, "field": null})),
        )
            .into_response()
    } else {
        (
            StatusCode::FORBIDDEN,
            axum::response::Html(format!("<p class=\"error\">{msg}</p>")),
        )
            .into_response()
    }
}

/// Refuses any POST/PUT/PATCH/DELETE whose CSRF token does not match the session's.
pub async fn csrf_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let api = req.uri().path().starts_with("/api/");
    // The login form, the resident sign-up and the public pages' forms (no session) use the double-submit
    // cookie.
    let path = req.uri().path();
    let expected = if matches!(path, "/login" | "/portal/signup") || path.starts_with("/public/") {
        cookie(req.headers(), LOGIN_CSRF_COOKIE)
    } else {
        match cookie(req.headers(), SESSION_COOKIE) {
            // The cached session when there is one; an archived account still has its session's token
            // checked here, and is refused by the handler.
            Some(token) => match sessions::resolve(&state.db, &token).await {
                Ok(found) => found.map(|(_, c)| c),
                Err(_) => sessions::lookup(&state.db, &token)
                    .await
                    .ok()
                    .flatten()
                    .map(|(_, c)| c),
            },
            // No session: let the handler answer 401 / redirect to the login page.
            None => return next.run(req).await,
        }
    };
    let Some(expected) = expected else {
        return csrf_failure(api);
    };
    if let Some(h) = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
    {
        return if same_token(h, &expected) {
            next.run(req).await
        } else {
            csrf_failure(api)
        };
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return csrf_failure(api);
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_FORM).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "表单内容过大").into_response();
    };
    let provided = form_urlencoded_value(&bytes, "_csrf");
    if !provided.is_some_and(|p| same_token(&p, &expected)) {
        return csrf_failure(api);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Compares CSRF tokens in constant time (`subtle`), so that response timing tells nothing about a prefix.
fn same_token(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

fn form_urlencoded_value(body: &[u8], key: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}
