//! How errors reach the client. Pages get an HTML page with the Chinese message (and the field it names);
//! the API gets `{"error": "...", "field": "..."}`. Database and internal errors are logged and never shown.
//!
//! | variant      | status |
//! |--------------|--------|
//! | Invalid      | 422    |
//! | NotFound     | 404 (also for ids outside the user's scope) |
//! | Forbidden    | 403    |
//! | Conflict     | 409    |
//! | Unauthorized | 401 (pages: redirect to /login) |
//! | Locked       | 423    |
//! | Db, Other    | 500    |

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Json;
use serde_json::json;

use crate::error::Error;

fn status(e: &Error) -> StatusCode {
    match e {
        Error::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        Error::NotFound => StatusCode::NOT_FOUND,
        Error::Forbidden(_) => StatusCode::FORBIDDEN,
        Error::Conflict { .. } => StatusCode::CONFLICT,
        Error::Unauthorized => StatusCode::UNAUTHORIZED,
        Error::Locked(_) => StatusCode::LOCKED,
        Error::Db(_) | Error::Other(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn field(e: &Error) -> Option<&str> {
    match e {
        Error::Invalid { field, .. } | Error::Conflict { field, .. } => Some(field),
        _ => None,
    }
}

fn log(e: &Error) {
    if matches!(e, Error::Db(_) | Error::Other(_)) {
        tracing::error!(error = ?e, "request failed");
    }
}

/// An error answered as a page.
#[derive(Debug)]
pub struct PageError(pub Error);

impl<E: Into<Error>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let e = self.0;
        log(&e);
        if matches!(e, Error::Unauthorized) {
            return Redirect::to("/login").into_response();
        }
        let message = html_escape(&e.to_string());
        let title = match status(&e) {
            StatusCode::NOT_FOUND => "未找到",
            StatusCode::FORBIDDEN => "无权操作",
            StatusCode::INTERNAL_SERVER_ERROR => "系统错误",
            _ => "未能保存",
        };
        let field = field(&e)
            .map(|f| {
                format!(
                    "<p>字段:<strong class=\"field\">{}</strong></p>",
                    html_escape(f)
                )
            })
            .unwrap_or_default();
        let body = format!(
            "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{title}</title><link rel=\"stylesheet\" href=\"/static/app.css\"></head><body><main class=\"narrow\">\
             <h1>{title}</h1><p class=\"error\" role=\"alert\">{message}</p>{field}\
             <p>没有保存任何修改。<a href=\"javascript:history.back()\">返回修改</a> · <a href=\"/\">首页</a></p></main></body></html>"
        );
        (status(&e), Html(body)).into_response()
    }
}

/// An error answered as JSON.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl<E: Into<Error>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        log(&e);
        (
            status(&e),
            Json(json!({"error": e.to_string(), "field": field(&e)})),
        )
            .into_response()
    }
}

pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    push_escaped(&mut out, s);
    out
}

/// Appends `s` to `out` with the characters HTML gives a meaning escaped (one pass, no allocation of its own:
/// list pages escape a few hundred names per request).
pub fn push_escaped(out: &mut String, s: &str) {
    let mut done = 0;
    for (i, b) in s.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        // These are ASCII bytes, so `i` is a character boundary.
        out.push_str(&s[done..i]);
        out.push_str(entity);
        done = i + 1;
    }
    out.push_str(&s[done..]);
}

#[cfg(test)]
mod tests {
    use super::html_escape;

    #[test]
    fn escaping_keeps_chinese_text_and_escapes_markup() {
        assert_eq!(
            html_escape("张三<b>&\"李四'</b>"),
            "张三&lt;b&gt;&amp;&quot;李四&#39;&lt;/b&gt;"
        );
        assert_eq!(html_escape("社区网格"), "社区网格");
        assert_eq!(html_escape(""), "");
    }
}
