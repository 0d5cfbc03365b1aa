//! API: standards self-inspection — standards imported from a sheet (multipart: `title` and the file; the
//! street administrator), self-inspections with scores and evidence links, rectification tasks tracked to
//! verification, and the street's comparison of its communities.

use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;

use super::ApiResult;
use crate::standards::compare::{self, Comparison};
use crate::standards::inspections::{
    self, Evidence, EvidenceLink, Inspection, NewInspection, ScoreInput,
};
use crate::standards::rectify::{self, NewRectification, Rectification};
use crate::standards::{self, Standard};
use crate::web::session::User;
use crate::web::upload;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/standards", get(list))
        .route(
            "/standards/import",
            post(import).layer(DefaultBodyLimit::max(upload::BODY_LIMIT)),
        )
        .route("/standards/{id}", get(get_standard).put(rename))
        .route("/standards/{id}/comparison", get(comparison))
        .route(
            "/standards/inspections",
            get(list_inspections).post(create_inspection),
        )
        .route("/standards/inspections/{id}", get(get_inspection))
        .route("/standards/inspections/{id}/scores", put(scores))
        .route("/standards/inspections/{id}/evidence", post(evidence))
        .route(
            "/standards/inspections/{id}/rectifications",
            post(create_rectification),
        )
        .route("/standards/rectifications", get(list_rectifications))
        .route("/standards/rectifications/{id}/rectified", post(rectified))
        .route("/standards/rectifications/{id}/verify", post(verify))
}

#[utoipa::path(get, path = "/api/standards", responses((status = 200, body = [Standard])))]
pub async fn list(State(s): State<AppState>, user: User) -> ApiResult<Vec<Standard>> {
    Ok(Json(standards::list(&s.db, &user.actor).await?))
}

/// Imports a standard from an .xlsx or .csv (multipart fields `title` and `file`); a bad row is named with
/// its row number and nothing is stored.
#[utoipa::path(post, path = "/api/standards/import", responses((status = 200, body = Standard), (status = 403), (status = 422)))]
pub async fn import(State(s): State<AppState>, user: User, m: Multipart) -> ApiResult<Standard> {
    let (fields, file) = upload::read(m).await?;
    let title = fields.get("title").cloned().unwrap_or_default();
    Ok(Json(
        standards::import(&s.db, &user.actor, &title, &file.filename, &file.bytes).await?,
    ))
}

#[utoipa::path(get, path = "/api/standards/{id}", params(("id" = i64, Path)), responses((status = 200, body = Standard), (status = 404)))]
pub async fn get_standard(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<Standard> {
    Ok(Json(standards::get(&s.db, &user.actor, id).await?))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Rename {
    pub title: String,
}

#[utoipa::path(put, path = "/api/standards/{id}", params(("id" = i64, Path)), request_body = Rename, responses((status = 200, body = Standard), (status = 403), (status = 404)))]
pub async fn rename(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<Rename>,
) -> ApiResult<Standard> {
    Ok(Json(
        standards::rename(&s.db, &user.actor, id, &b.title).await?,
    ))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams, utoipa::ToSchema)]
#[serde(default)]
pub struct YearQuery {
    /// The year (this year when absent).
    pub year: Option<i64>,
}

use crate::standards::this_year;

/// Each community's total score, items met, open and overdue rectifications and progress.
#[utoipa::path(get, path = "/api/standards/{id}/comparison", params(("id" = i64, Path), YearQuery), responses((status = 200, body = Comparison), (status = 404)))]
pub async fn comparison(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
) -> ApiResult<Comparison> {
    Ok(Json(
        compare::compare(&s.db, &user.actor, id, q.year.unwrap_or_else(this_year)).await?,
    ))
}

#[utoipa::path(get, path = "/api/standards/inspections", responses((status = 200, body = [Inspection])))]
pub async fn list_inspections(State(s): State<AppState>, user: User) -> ApiResult<Vec<Inspection>> {
    Ok(Json(inspections::list(&s.db, &user.actor).await?))
}

#[utoipa::path(post, path = "/api/standards/inspections", request_body = NewInspection, responses((status = 200, body = Inspection), (status = 403), (status = 409), (status = 422)))]
pub async fn create_inspection(
    State(s): State<AppState>,
    user: User,
    Json(b): Json<NewInspection>,
) -> ApiResult<Inspection> {
    Ok(Json(inspections::create(&s.db, &user.actor, &b).await?))
}

#[utoipa::path(get, path = "/api/standards/inspections/{id}", params(("id" = i64, Path)), responses((status = 200, body = Inspection), (status = 404)))]
pub async fn get_inspection(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<Inspection> {
    Ok(Json(inspections::get(&s.db, &user.actor, id).await?))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Scores {
    pub scores: Vec<ScoreInput>,
}

#[utoipa::path(put, path = "/api/standards/inspections/{id}/scores", params(("id" = i64, Path)), request_body = Scores, responses((status = 200, body = Inspection), (status = 403), (status = 404), (status = 422)))]
pub async fn scores(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<Scores>,
) -> ApiResult<Inspection> {
    Ok(Json(
        inspections::score(&s.db, &user.actor, id, &b.scores).await?,
    ))
}

/// Links an activity, a meeting or a ledger of the community as evidence of an item.
#[utoipa::path(post, path = "/api/standards/inspections/{id}/evidence", params(("id" = i64, Path)), request_body = EvidenceLink, responses((status = 200, body = Evidence), (status = 403), (status = 404), (status = 422)))]
pub async fn evidence(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<EvidenceLink>,
) -> ApiResult<Evidence> {
    Ok(Json(inspections::link(&s.db, &user.actor, id, &b).await?))
}

/// A rectification task for a gap: owner, working days.
#[utoipa::path(post, path = "/api/standards/inspections/{id}/rectifications", params(("id" = i64, Path)), request_body = NewRectification, responses((status = 200, body = Rectification), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn create_rectification(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<NewRectification>,
) -> ApiResult<Rectification> {
    Ok(Json(rectify::create(&s.db, &user.actor, id, &b).await?))
}

#[utoipa::path(get, path = "/api/standards/rectifications", responses((status = 200, body = [Rectification])))]
pub async fn list_rectifications(
    State(s): State<AppState>,
    user: User,
) -> ApiResult<Vec<Rectification>> {
    Ok(Json(rectify::list(&s.db, &user.actor).await?))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Note {
    pub note: String,
}

/// 已整改: reported by the owner or the committee, with a note.
#[utoipa::path(post, path = "/api/standards/rectifications/{id}/rectified", params(("id" = i64, Path)), request_body = Note, responses((status = 200, body = Rectification), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn rectified(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<Note>,
) -> ApiResult<Rectification> {
    Ok(Json(
        rectify::rectified(&s.db, &user.actor, id, &b.note).await?,
    ))
}

/// 已核查: by the committee or the street.
#[utoipa::path(post, path = "/api/standards/rectifications/{id}/verify", params(("id" = i64, Path)), responses((status = 200, body = Rectification), (status = 403), (status = 404), (status = 409)))]
pub async fn verify(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<Rectification> {
    Ok(Json(rectify::verify(&s.db, &user.actor, id).await?))
}
