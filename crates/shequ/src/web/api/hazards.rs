//! API: hazards (安全隐患) — found, reported, rectified with a photo — and the attachments of cases and
//! hazards (multipart uploads, served only inside the user's scope).

use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::ApiResult;
use crate::cases::attachments::{self, Attachment};
use crate::cases::hazards::{
    self, Hazard, HazardPage, HazardQuery, NewHazard, RectifyInput, ReportInput,
};
use crate::web::error::ApiError;
use crate::web::session::User;
use crate::web::upload;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    let uploads = Router::new()
        .route("/hazards/{id}/rectify", post(rectify))
        .route(
            "/hazards/{id}/attachments",
            get(hazard_attachments).post(add_hazard_attachment),
        )
        .route(
            "/cases/{id}/attachments",
            get(case_attachments).post(add_case_attachment),
        )
        .layer(DefaultBodyLimit::max(upload::BODY_LIMIT));
    Router::new()
        .route("/hazards", get(list).post(create))
        .route("/hazards/{id}", get(get_hazard))
        .route("/hazards/{id}/report", post(report))
        .route("/hazards/{id}/link", post(link))
        .route("/attachments/{id}", get(download))
        .merge(uploads)
}

/// Records a newly found hazard (发现), with its rectification deadline.
#[utoipa::path(post, path = "/api/hazards", request_body = NewHazard, responses((status = 200, body = Hazard), (status = 403), (status = 422)))]
pub async fn create(
    State(state): State<AppState>,
    user: User,
    Json(input): Json<NewHazard>,
) -> ApiResult<Hazard> {
    Ok(Json(hazards::create(&state.db, &user.actor, &input).await?))
}

/// Hazards in the user's scope, newest first; filters by state, grid and overdue.
#[utoipa::path(get, path = "/api/hazards", params(HazardQuery), responses((status = 200, body = HazardPage), (status = 422)))]
pub async fn list(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<HazardQuery>,
) -> ApiResult<HazardPage> {
    Ok(Json(hazards::list(&state.db, &user.actor, &q).await?))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct HazardDetail {
    pub hazard: Hazard,
    pub attachments: Vec<Attachment>,
}

/// One hazard with its photos and files.
#[utoipa::path(get, path = "/api/hazards/{id}", params(("id" = i64, Path)), responses((status = 200, body = HazardDetail), (status = 404)))]
pub async fn get_hazard(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<HazardDetail> {
    let (db, a) = (&state.db, &user.actor);
    Ok(Json(HazardDetail {
        hazard: hazards::get(db, a, id).await?,
        attachments: hazards::attachments_of(db, a, id).await?,
    }))
}

/// 上报: found → reported, naming who must remove it.
#[utoipa::path(post, path = "/api/hazards/{id}/report", params(("id" = i64, Path)), request_body = ReportInput, responses((status = 200, body = Hazard), (status = 404), (status = 422)))]
pub async fn report(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<ReportInput>,
) -> ApiResult<Hazard> {
    Ok(Json(hazards::report(&state.db, &user.actor, id, &b).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LinkCase {
    pub case_id: i64,
}

/// Links a hazard to a case.
#[utoipa::path(post, path = "/api/hazards/{id}/link", params(("id" = i64, Path)), request_body = LinkCase, responses((status = 200, body = Hazard), (status = 404), (status = 422)))]
pub async fn link(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<LinkCase>,
) -> ApiResult<Hazard> {
    Ok(Json(
        hazards::link_case(&state.db, &user.actor, id, b.case_id).await?,
    ))
}

/// 整改 (multipart/form-data): fields `note`, `rectified_on` (optional) and the file `photo` (JPEG, PNG,
/// GIF, WebP or PDF, at most 5 MB). The photo and the new state commit together.
#[utoipa::path(post, path = "/api/hazards/{id}/rectify", params(("id" = i64, Path)), request_body(content_type = "multipart/form-data", content = String),
    responses((status = 200, body = Hazard), (status = 404), (status = 422)))]
pub async fn rectify(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    m: Multipart,
) -> ApiResult<Hazard> {
    let (fields, photo) = upload::read(m).await?;
    let input = RectifyInput {
        rectified_on: fields.get("rectified_on").cloned().unwrap_or_default(),
        note: fields.get("note").cloned().unwrap_or_default(),
    };
    Ok(Json(
        hazards::rectify(&state.db, &user.actor, id, &input, &photo).await?,
    ))
}

fn purpose(fields: &std::collections::HashMap<String, String>) -> String {
    fields
        .get("purpose")
        .filter(|p| !p.is_empty())
        .cloned()
        .unwrap_or_else(|| "photo".into())
}

/// Adds a photo or file to a hazard (multipart: `file`, optional `purpose` photo / rectification / file).
#[utoipa::path(post, path = "/api/hazards/{id}/attachments", params(("id" = i64, Path)), request_body(content_type = "multipart/form-data", content = String),
    responses((status = 200, body = Attachment), (status = 404), (status = 422)))]
pub async fn add_hazard_attachment(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    m: Multipart,
) -> ApiResult<Attachment> {
    let (fields, file) = upload::read(m).await?;
    Ok(Json(
        hazards::add_attachment(&state.db, &user.actor, id, &purpose(&fields), &file).await?,
    ))
}

/// The attachments of a hazard.
#[utoipa::path(get, path = "/api/hazards/{id}/attachments", params(("id" = i64, Path)), responses((status = 200, body = [Attachment]), (status = 404)))]
pub async fn hazard_attachments(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<Vec<Attachment>> {
    Ok(Json(
        hazards::attachments_of(&state.db, &user.actor, id).await?,
    ))
}

/// Adds a photo or file to a case (multipart: `file`, optional `purpose`).
#[utoipa::path(post, path = "/api/cases/{id}/attachments", params(("id" = i64, Path)), request_body(content_type = "multipart/form-data", content = String),
    responses((status = 200, body = Attachment), (status = 404), (status = 422)))]
pub async fn add_case_attachment(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    m: Multipart,
) -> ApiResult<Attachment> {
    let (fields, file) = upload::read(m).await?;
    Ok(Json(
        attachments::add_to_case(&state.db, &user.actor, id, &purpose(&fields), &file).await?,
    ))
}

/// The attachments of a case.
#[utoipa::path(get, path = "/api/cases/{id}/attachments", params(("id" = i64, Path)), responses((status = 200, body = [Attachment]), (status = 404)))]
pub async fn case_attachments(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<Vec<Attachment>> {
    Ok(Json(
        attachments::of_case(&state.db, &user.actor, id).await?,
    ))
}

/// The bytes of an attachment (inside the user's scope; 404 otherwise).
#[utoipa::path(get, path = "/api/attachments/{id}", params(("id" = i64, Path)), responses((status = 200, content_type = "application/octet-stream", body = String), (status = 404)))]
pub async fn download(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let (a, bytes) = attachments::content(&state.db, &user.actor, id).await?;
    Ok(serve(a, bytes))
}

/// An attachment as a response: its own type, never sniffed, shown inline only for images.
pub fn serve(a: Attachment, bytes: Vec<u8>) -> Response {
    let disposition = if a.content_type.starts_with("image/") {
        "inline"
    } else {
        "attachment"
    };
    let name: String = a
        .filename
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
            (header::CONTENT_TYPE, a.content_type.clone()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (header::CACHE_CONTROL, "private, max-age=3600".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("{disposition}; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}
