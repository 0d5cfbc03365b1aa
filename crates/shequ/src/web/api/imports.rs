//! The import's value synonyms over JSON: every list with its shipped and street synonyms (any staff role
//! that imports), a street synonym added or removed (street administrator).

use axum::extract::{Path, State};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::ApiResult;
use crate::imports::synonyms::{self, List};
use crate::web::session::User;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/import/vocab", get(list).post(add))
        .route("/import/vocab/{id}", delete(remove))
}

/// The fixed value lists of the person import with their synonyms: shipped (系统内置) and the street's own (本街道).
#[utoipa::path(get, path = "/api/import/vocab", responses((status = 200, body = Vec<List>), (status = 403)))]
pub async fn list(State(state): State<AppState>, user: User) -> ApiResult<Vec<List>> {
    user.actor.require_write()?;
    Ok(Json(synonyms::list(&state.db, &user.actor).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SynonymInput {
    /// The list: 婚姻状况, 文化程度, 健康状况, 就业状况, 政治面貌, 与户主关系, 证件类型, 民族.
    pub label: String,
    /// One of the list's standard values.
    pub standard: String,
    /// What people write for it.
    pub synonym: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Added {
    pub id: i64,
}

/// Adds a street synonym, read by every import of the street from then on. Street administrator only.
#[utoipa::path(post, path = "/api/import/vocab", request_body = SynonymInput, responses((status = 200, body = Added), (status = 403), (status = 409), (status = 422)))]
pub async fn add(
    State(state): State<AppState>,
    user: User,
    Json(input): Json<SynonymInput>,
) -> ApiResult<Added> {
    let id = synonyms::add(
        &state.db,
        &user.actor,
        &input.label,
        &input.standard,
        &input.synonym,
    )
    .await?;
    Ok(Json(Added { id }))
}

/// Removes a street synonym (shipped ones cannot be removed). Street administrator only.
#[utoipa::path(delete, path = "/api/import/vocab/{id}", params(("id" = i64, Path)), responses((status = 200, body = Added), (status = 403), (status = 404)))]
pub async fn remove(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<Added> {
    synonyms::remove(&state.db, &user.actor, id).await?;
    Ok(Json(Added { id }))
}
