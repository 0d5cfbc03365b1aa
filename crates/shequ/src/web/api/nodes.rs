//! API: the area tree and households.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::ApiResult;
use crate::registry::households::{self, Household, HouseholdInput};
use crate::registry::nodes::{self, Kind, Node, NodeInput};
use crate::registry::persons::{self, Person};
use crate::web::error::ApiError;
use crate::web::session::User;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/nodes", get(roots).post(create))
        .route("/nodes/{id}", get(get_node).put(update))
        .route("/nodes/{id}/children", get(children))
        .route("/nodes/{id}/move", post(move_node))
        .route("/nodes/{id}/archive", post(archive))
        .route("/households", post(create_household))
        .route("/households/{id}", get(household))
        .route("/households/{id}/move", post(move_household))
}

/// The top nodes of the user's scope.
#[utoipa::path(get, path = "/api/nodes", responses((status = 200, body = [Node])))]
pub async fn roots(State(state): State<AppState>, user: User) -> ApiResult<Vec<Node>> {
    Ok(Json(nodes::roots(&state.db, &user.actor).await?))
}

#[utoipa::path(get, path = "/api/nodes/{id}", params(("id" = i64, Path)), responses((status = 200, body = Node), (status = 404)))]
pub async fn get_node(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<Node> {
    Ok(Json(nodes::get(&state.db, &user.actor, id).await?))
}

#[utoipa::path(get, path = "/api/nodes/{id}/children", params(("id" = i64, Path)), responses((status = 200, body = [Node]), (status = 404)))]
pub async fn children(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<Vec<Node>> {
    Ok(Json(
        nodes::children(&state.db, &user.actor, id, false).await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewNode {
    pub parent_id: i64,
    pub kind: Kind,
    pub name: String,
    #[serde(default)]
    pub code: Option<String>,
}

#[utoipa::path(post, path = "/api/nodes", request_body = NewNode, responses((status = 200, body = Node), (status = 422), (status = 403)))]
pub async fn create(
    State(state): State<AppState>,
    user: User,
    Json(n): Json<NewNode>,
) -> ApiResult<Node> {
    Ok(Json(
        nodes::create(
            &state.db,
            &user.actor,
            Some(n.parent_id),
            n.kind,
            &NodeInput {
                name: n.name,
                code: n.code,
            },
        )
        .await?,
    ))
}

#[utoipa::path(put, path = "/api/nodes/{id}", params(("id" = i64, Path)), request_body = NodeInput, responses((status = 200, body = Node), (status = 404), (status = 422)))]
pub async fn update(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(n): Json<NodeInput>,
) -> ApiResult<Node> {
    Ok(Json(nodes::update(&state.db, &user.actor, id, &n).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct MoveTo {
    pub parent_id: i64,
}

/// Moves a node with everything under it; the target must be inside the user's scope.
#[utoipa::path(post, path = "/api/nodes/{id}/move", params(("id" = i64, Path)), request_body = MoveTo, responses((status = 200, body = Node), (status = 404), (status = 422)))]
pub async fn move_node(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(m): Json<MoveTo>,
) -> ApiResult<Node> {
    Ok(Json(
        nodes::move_to(&state.db, &user.actor, id, m.parent_id).await?,
    ))
}

/// Archives a node (never deleted).
#[utoipa::path(post, path = "/api/nodes/{id}/archive", params(("id" = i64, Path)), responses((status = 200, body = Node), (status = 404), (status = 422)))]
pub async fn archive(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<Node> {
    Ok(Json(nodes::archive(&state.db, &user.actor, id).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct HouseholdWithMembers {
    pub household: Household,
    pub members: Vec<Person>,
}

#[utoipa::path(get, path = "/api/households/{id}", params(("id" = i64, Path)), responses((status = 200, body = HouseholdWithMembers), (status = 404)))]
pub async fn household(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<HouseholdWithMembers> {
    let household = households::get(&state.db, &user.actor, id).await?;
    let members = persons::in_household(&state.db, &user.actor, id).await?;
    Ok(Json(HouseholdWithMembers { household, members }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewHousehold {
    pub dwelling_id: i64,
    pub number: String,
}

#[utoipa::path(post, path = "/api/households", request_body = HouseholdInput, responses((status = 200, body = Household), (status = 404), (status = 409), (status = 422)))]
pub async fn create_household(
    State(state): State<AppState>,
    user: User,
    Json(h): Json<NewHousehold>,
) -> Result<Json<Household>, ApiError> {
    Ok(Json(
        households::create(
            &state.db,
            &user.actor,
            h.dwelling_id,
            &HouseholdInput { number: h.number },
        )
        .await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct MoveHousehold {
    pub dwelling_id: i64,
}

/// Moves a household with its members to another dwelling in scope (residence periods follow).
#[utoipa::path(post, path = "/api/households/{id}/move", params(("id" = i64, Path)), request_body = MoveHousehold, responses((status = 200, body = Household), (status = 404), (status = 422)))]
pub async fn move_household(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(m): Json<MoveHousehold>,
) -> ApiResult<Household> {
    Ok(Json(
        households::move_to(&state.db, &user.actor, id, m.dwelling_id).await?,
    ))
}
