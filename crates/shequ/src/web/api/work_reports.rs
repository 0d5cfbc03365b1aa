//! Work reports over JSON: start one from a template for a place and a period, rewrite its text, read the
//! computed document (figures with their values and last year's), finalise it, start a new version, download
//! it as .docx or .md; the templates. Everything within the caller's scope.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::ApiResult;
use crate::reports::catalog::Period;
use crate::reports::{document, frozen, word, work};
use crate::web::error::ApiError;
use crate::web::pages::work_reports::{doc_of, file_response, DOCX};
use crate::web::session::User;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reports", get(list).post(create))
        .route("/reports/{id}", get(show).put(update))
        .route("/reports/{id}/finalise", post(finalise))
        .route("/reports/{id}/versions", post(new_version))
        .route("/reports/{id}/docx", get(docx))
        .route("/reports/{id}/md", get(md))
        .route("/reports/{id}/figures/{code}/records", get(figure_records))
        .route("/report-templates", get(templates))
        .route("/report-templates/{code}", get(template).put(save_template))
}

/// Reports the caller may read, newest first.
#[utoipa::path(get, path = "/api/reports", responses((status = 200, body = [work::Report])))]
pub async fn list(State(state): State<AppState>, user: User) -> ApiResult<Vec<work::Report>> {
    Ok(Json(work::list(&state.db, &user.actor).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewReport {
    /// annual, half, quarter, plan or a street's own template code
    pub template: String,
    /// A street, community or grid in the caller's scope (default: the caller's first root).
    pub node: Option<i64>,
    /// 2025, 2025-Q1, 2025-H1, 2025-03 or 2025-01-01..2025-06-30
    pub period: String,
}

/// Starts a draft report from a template.
#[utoipa::path(post, path = "/api/reports", request_body = NewReport, responses((status = 201, body = work::Report), (status = 403), (status = 404), (status = 422)))]
pub async fn create(
    State(state): State<AppState>,
    user: User,
    Json(b): Json<NewReport>,
) -> Result<(StatusCode, Json<work::Report>), ApiError> {
    let period = Period::parse(&b.period)?;
    let node = match b.node {
        Some(n) => n,
        None => crate::registry::nodes::roots(&state.db, &user.actor)
            .await?
            .first()
            .map(|n| n.id)
            .ok_or(crate::error::Error::NotFound)?,
    };
    let id = work::create(&state.db, &user.actor, &b.template, node, &period).await?;
    Ok((
        StatusCode::CREATED,
        Json(work::get(&state.db, &user.actor, id).await?),
    ))
}

/// A report with its document: the frozen one if finalised, computed now if a draft.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ReportWithDoc {
    pub report: work::Report,
    /// blocks (heading, para with spans, table, chart) and figures (code, value, previous); value null: 无数据
    #[schema(value_type = Object)]
    pub document: document::Doc,
}

#[utoipa::path(get, path = "/api/reports/{id}", params(("id" = i64, Path)), responses((status = 200, body = ReportWithDoc), (status = 404)))]
pub async fn show(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<ReportWithDoc> {
    let report = work::get(&state.db, &user.actor, id).await?;
    let document = work::document(&state.db, &user.actor, &report).await?;
    Ok(Json(ReportWithDoc { report, document }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ReportText {
    pub title: String,
    /// The template text with its fields ({{cases.disputes}} …).
    pub body: String,
}

/// Saves a draft's title and text; a bad field or a typed figure answers 422 with its line.
#[utoipa::path(put, path = "/api/reports/{id}", params(("id" = i64, Path)), request_body = ReportText, responses((status = 200, body = work::Report), (status = 409), (status = 422)))]
pub async fn update(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<ReportText>,
) -> ApiResult<work::Report> {
    work::update(&state.db, &user.actor, id, &b.title, &b.body).await?;
    Ok(Json(work::get(&state.db, &user.actor, id).await?))
}

/// Finalises (freezes) a draft.
#[utoipa::path(post, path = "/api/reports/{id}/finalise", params(("id" = i64, Path)), responses((status = 200, body = work::Report), (status = 409)))]
pub async fn finalise(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<work::Report> {
    work::finalise(&state.db, &user.actor, id).await?;
    Ok(Json(work::get(&state.db, &user.actor, id).await?))
}

/// Starts a new draft version from a report.
#[utoipa::path(post, path = "/api/reports/{id}/versions", params(("id" = i64, Path)), responses((status = 201, body = work::Report)))]
pub async fn new_version(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<(StatusCode, Json<work::Report>), ApiError> {
    let new = work::new_version(&state.db, &user.actor, id).await?;
    Ok((
        StatusCode::CREATED,
        Json(work::get(&state.db, &user.actor, new).await?),
    ))
}

/// The report as .docx (charts as images).
#[utoipa::path(get, path = "/api/reports/{id}/docx", params(("id" = i64, Path)), responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document")))]
pub async fn docx(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let (r, doc) = doc_of(&state, &user, id).await?;
    let bytes = tokio::task::spawn_blocking(move || word::docx(&doc))
        .await
        .map_err(|e| crate::error::Error::Other(e.into()))?
        .map_err(crate::error::Error::Other)?;
    Ok(file_response(&format!("{}.docx", r.number), DOCX, bytes))
}

/// The report as Markdown.
#[utoipa::path(get, path = "/api/reports/{id}/md", params(("id" = i64, Path)), responses((status = 200, content_type = "text/markdown")))]
pub async fn md(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let (r, doc) = doc_of(&state, &user, id).await?;
    Ok(file_response(
        &format!("{}.md", r.number),
        "text/markdown; charset=utf-8",
        document::markdown(&doc).into_bytes(),
    ))
}

#[utoipa::path(get, path = "/api/report-templates", responses((status = 200, body = [work::TemplateInfo])))]
pub async fn templates(
    State(state): State<AppState>,
    user: User,
) -> ApiResult<Vec<work::TemplateInfo>> {
    Ok(Json(work::templates(&state.db, &user.actor).await?))
}

#[utoipa::path(get, path = "/api/report-templates/{code}", params(("code" = String, Path)), responses((status = 200, body = work::TemplateInfo), (status = 404)))]
pub async fn template(
    State(state): State<AppState>,
    user: User,
    Path(code): Path<String>,
) -> ApiResult<work::TemplateInfo> {
    Ok(Json(work::template(&state.db, &user.actor, &code).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TemplateText {
    pub name: String,
    pub body: String,
}

/// Saves a street's template (street administrators); a bad field answers 422 with its line.
#[utoipa::path(put, path = "/api/report-templates/{code}", params(("code" = String, Path)), request_body = TemplateText, responses((status = 200, body = work::TemplateInfo), (status = 403), (status = 422)))]
pub async fn save_template(
    State(state): State<AppState>,
    user: User,
    Path(code): Path<String>,
    Json(b): Json<TemplateText>,
) -> ApiResult<work::TemplateInfo> {
    work::save_template(&state.db, &user.actor, &code, &b.name, &b.body).await?;
    Ok(Json(work::template(&state.db, &user.actor, &code).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct FigurePage {
    /// 1-based page of 50 records.
    #[serde(default, deserialize_with = "crate::registry::persons::lenient_id")]
    pub page: Option<i64>,
}

/// The records a finalised report's figure counted when it was finalised (not today's), 50 a page; a draft
/// answers 422 (its figures are live: see /api/indicators/{code}/records).
#[utoipa::path(get, path = "/api/reports/{id}/figures/{code}/records", params(("id" = i64, Path), ("code" = String, Path), FigurePage), responses((status = 200, body = frozen::FrozenRecords), (status = 404), (status = 422)))]
pub async fn figure_records(
    State(state): State<AppState>,
    user: User,
    Path((id, code)): Path<(i64, String)>,
    axum::extract::Query(q): axum::extract::Query<FigurePage>,
) -> ApiResult<frozen::FrozenRecords> {
    let per = super::PER_PAGE;
    let page = q.page.unwrap_or(1).max(1);
    Ok(Json(
        frozen::page(&state.db, &user.actor, id, &code, (per, (page - 1) * per)).await?,
    ))
}
