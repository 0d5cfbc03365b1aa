//! API: 准入制 — tasks from above entered, admitted or refused and dispatched by the street; returns submitted
//! by communities (JSON for ledgers and figures, multipart for files), accepted or sent back; the frozen
//! content of a return; the load of every community.

use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::ApiResult;
use crate::admission::load::{self, Load};
use crate::admission::returns::{self, Filter, FrozenLedger, Return, Review, Submission};
use crate::admission::{self, Decision, Dispatch, NewTask, Task};
use crate::reports::catalog::Period;
use crate::web::error::ApiError;
use crate::web::session::User;
use crate::web::upload;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admission/tasks", get(list).post(create))
        .route("/admission/tasks/{id}", get(get_task))
        .route("/admission/tasks/{id}/decide", post(decide))
        .route("/admission/tasks/{id}/dispatch", post(dispatch))
        .route("/admission/returns", get(list_returns))
        .route("/admission/returns/{id}", get(get_return))
        .route("/admission/returns/{id}/submit", post(submit))
        .route("/admission/returns/{id}/review", post(review))
        .route("/admission/returns/{id}/ledger", get(ledger))
        .route("/admission/returns/{id}/content", get(content))
        .route("/admission/load", get(load_table))
        .route(
            "/admission/returns/{id}/file",
            post(submit_file).layer(DefaultBodyLimit::max(upload::BODY_LIMIT)),
        )
}

/// The street's tasks from above, newest first.
#[utoipa::path(get, path = "/api/admission/tasks", responses((status = 200, body = [Task])))]
pub async fn list(State(s): State<AppState>, user: User) -> ApiResult<Vec<Task>> {
    Ok(Json(admission::list(&s.db, &user.actor).await?))
}

/// Enters a task from above (街道管理员).
#[utoipa::path(post, path = "/api/admission/tasks", request_body = NewTask, responses((status = 200, body = Task), (status = 403), (status = 422)))]
pub async fn create(
    State(s): State<AppState>,
    user: User,
    Json(b): Json<NewTask>,
) -> ApiResult<Task> {
    Ok(Json(admission::create(&s.db, &user.actor, &b).await?))
}

#[utoipa::path(get, path = "/api/admission/tasks/{id}", params(("id" = i64, Path)), responses((status = 200, body = Task), (status = 404)))]
pub async fn get_task(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<Task> {
    Ok(Json(admission::get(&s.db, &user.actor, id).await?))
}

/// 准入 / 不予准入 (a reason required).
#[utoipa::path(post, path = "/api/admission/tasks/{id}/decide", params(("id" = i64, Path)), request_body = Decision, responses((status = 200, body = Task), (status = 404), (status = 422)))]
pub async fn decide(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<Decision>,
) -> ApiResult<Task> {
    Ok(Json(admission::decide(&s.db, &user.actor, id, &b).await?))
}

/// 派发 to communities of the street.
#[utoipa::path(post, path = "/api/admission/tasks/{id}/dispatch", params(("id" = i64, Path)), request_body = Dispatch, responses((status = 200, body = Task), (status = 404), (status = 422)))]
pub async fn dispatch(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<Dispatch>,
) -> ApiResult<Task> {
    Ok(Json(admission::dispatch(&s.db, &user.actor, id, &b).await?))
}

/// Returns in the user's scope (a community's own).
#[utoipa::path(get, path = "/api/admission/returns", params(Filter), responses((status = 200, body = [Return])))]
pub async fn list_returns(
    State(s): State<AppState>,
    user: User,
    Query(f): Query<Filter>,
) -> ApiResult<Vec<Return>> {
    Ok(Json(returns::list(&s.db, &user.actor, &f).await?))
}

#[utoipa::path(get, path = "/api/admission/returns/{id}", params(("id" = i64, Path)), responses((status = 200, body = Return), (status = 404)))]
pub async fn get_return(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<Return> {
    Ok(Json(returns::get(&s.db, &user.actor, id).await?))
}

/// 报送 a ledger (frozen now) or a figure (computed and frozen, or typed).
#[utoipa::path(post, path = "/api/admission/returns/{id}/submit", params(("id" = i64, Path)), request_body = Submission, responses((status = 200, body = Return), (status = 404), (status = 422)))]
pub async fn submit(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<Submission>,
) -> ApiResult<Return> {
    Ok(Json(
        returns::submit(&s.db, &user.actor, id, &b, None).await?,
    ))
}

/// 报送 a file (multipart: `file`, optional `note`; PDF, Word, Excel, JPEG or PNG, at most 5 MB).
#[utoipa::path(post, path = "/api/admission/returns/{id}/file", params(("id" = i64, Path)), request_body(content_type = "multipart/form-data", content = String),
    responses((status = 200, body = Return), (status = 404), (status = 422)))]
pub async fn submit_file(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    m: Multipart,
) -> ApiResult<Return> {
    let (fields, file) = upload::read(m).await?;
    let sub = Submission {
        note: fields.get("note").cloned().unwrap_or_default(),
        ..Default::default()
    };
    Ok(Json(
        returns::submit(&s.db, &user.actor, id, &sub, Some(&file)).await?,
    ))
}

/// 通过 / 退回 (a reason required) by the street.
#[utoipa::path(post, path = "/api/admission/returns/{id}/review", params(("id" = i64, Path)), request_body = Review, responses((status = 200, body = Return), (status = 404), (status = 422)))]
pub async fn review(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<Review>,
) -> ApiResult<Return> {
    Ok(Json(returns::review(&s.db, &user.actor, id, &b).await?))
}

/// The rows of a ledger return as they were frozen at submission.
#[utoipa::path(get, path = "/api/admission/returns/{id}/ledger", params(("id" = i64, Path)), responses((status = 200, body = FrozenLedger), (status = 404)))]
pub async fn ledger(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<FrozenLedger> {
    Ok(Json(returns::frozen_ledger(&s.db, &user.actor, id).await?))
}

/// The frozen .xlsx of a ledger return, or the file of a material return.
#[utoipa::path(get, path = "/api/admission/returns/{id}/content", params(("id" = i64, Path)), responses((status = 200, content_type = "application/octet-stream", body = String), (status = 404)))]
pub async fn content(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let (name, ty, bytes) = returns::content(&s.db, &user.actor, id).await?;
    Ok(serve(&name, &ty, bytes))
}

/// A frozen file as a download (never sniffed, never inline).
pub fn serve(name: &str, ty: &str, bytes: Vec<u8>) -> Response {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    (
        [
            (header::CONTENT_TYPE, ty.to_string()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (header::CACHE_CONTROL, "private".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{ascii}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PeriodQuery {
    /// 2026, 2026-Q4, 2026-12 … (this year by default)
    pub period: Option<String>,
}

pub(crate) fn period_or_year(p: Option<&str>) -> crate::error::Result<Period> {
    match p.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => Period::parse(p),
        None => Period::parse(&crate::db::today().format("%Y").to_string()),
    }
}

/// Each community's load: tasks, returns due / submitted / overdue, meetings, ledgers and materials.
#[utoipa::path(get, path = "/api/admission/load", params(PeriodQuery), responses((status = 200, body = Load), (status = 422)))]
pub async fn load_table(
    State(s): State<AppState>,
    user: User,
    Query(q): Query<PeriodQuery>,
) -> ApiResult<Load> {
    let p = period_or_year(q.period.as_deref())?;
    Ok(Json(load::of(&s.db, &user.actor, &p).await?))
}
