//! API: persons, their events, tags and history; tag types; rentals.

use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::ApiResult;
use crate::audit::Entry;
use crate::privacy::Revealed;
use crate::registry::persons::{self, Person, PersonInput};
use crate::registry::pipl;
use crate::registry::population::{self, EventInput};
use crate::registry::rentals::{self, Rental, RentalInput};
use crate::registry::search;
use crate::registry::tags::{self, PersonTag, TagType, TagTypeInput};
use crate::web::session::User;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/persons", get(list).post(create))
        .route("/persons/{id}", get(get_person).put(update))
        .route("/persons/{id}/reveal", post(reveal))
        .route("/persons/{id}/events", post(add_event))
        .route("/persons/{id}/tags", get(tags).post(add_tag))
        .route("/persons/{id}/history", get(history))
        .route("/persons/{id}/data-export", post(data_export))
        .route("/persons/{id}/correction", post(correction))
        .route("/persons/{id}/archive-request", post(archive_request))
        .route("/tag-types", get(tag_types).post(create_tag_type))
        .route("/rentals", get(rentals).post(create_rental))
}

fn shown(p: Person, user: &User) -> Person {
    p.for_role(user.actor.role)
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// Name, pinyin, initials, ID fragment (4+ digits), phone tail or address. Empty: newest first.
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub page: i64,
    #[serde(default)]
    pub grid_id: Option<i64>,
}

/// Search or list people in scope (ID numbers and phones masked).
#[utoipa::path(get, path = "/api/persons", params(ListQuery), responses((status = 200, body = [Person])))]
pub async fn list(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<ListQuery>,
) -> ApiResult<Vec<Person>> {
    let rows = if q.q.trim().is_empty() {
        persons::list(&state.db, &user.actor, q.grid_id, q.page, 50).await?
    } else {
        search::search(&state.db, &user.actor, &q.q, search::MAX_RESULTS).await?
    };
    Ok(Json(rows.into_iter().map(|p| shown(p, &user)).collect()))
}

#[utoipa::path(get, path = "/api/persons/{id}", params(("id" = i64, Path)), responses((status = 200, body = Person), (status = 404)))]
pub async fn get_person(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<Person> {
    Ok(Json(persons::view(&state.db, &user.actor, id).await?))
}

/// Registers a person in a household.
#[utoipa::path(post, path = "/api/persons", request_body = PersonInput, responses((status = 200, body = Person), (status = 409), (status = 422)))]
pub async fn create(
    State(state): State<AppState>,
    user: User,
    Json(input): Json<PersonInput>,
) -> ApiResult<Person> {
    let p = persons::create(&state.db, &user.actor, &input).await?;
    Ok(Json(shown(p, &user)))
}

#[utoipa::path(put, path = "/api/persons/{id}", params(("id" = i64, Path)), request_body = PersonInput, responses((status = 200, body = Person), (status = 404), (status = 409), (status = 422)))]
pub async fn update(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(input): Json<PersonInput>,
) -> ApiResult<Person> {
    let p = persons::update(&state.db, &user.actor, id, &input).await?;
    Ok(Json(shown(p, &user)))
}

/// The full ID number and phones of one person; the reveal is written to the audit log.
#[utoipa::path(post, path = "/api/persons/{id}/reveal", params(("id" = i64, Path)), responses((status = 200, body = Person), (status = 403), (status = 404)))]
pub async fn reveal(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<Revealed<Person>> {
    Ok(Json(persons::reveal(&state.db, &user.actor, id).await?))
}

/// Records 迁入 (move_in), 迁出 (move_out) or 死亡 (death) on a date.
#[utoipa::path(post, path = "/api/persons/{id}/events", params(("id" = i64, Path)), request_body = EventInput, responses((status = 200, body = Person), (status = 404), (status = 422)))]
pub async fn add_event(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(e): Json<EventInput>,
) -> ApiResult<Person> {
    let p = population::add_event(&state.db, &user.actor, id, &e).await?;
    Ok(Json(shown(p, &user)))
}

#[utoipa::path(get, path = "/api/persons/{id}/tags", params(("id" = i64, Path)), responses((status = 200, body = [PersonTag]), (status = 404)))]
pub async fn tags(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<Vec<PersonTag>> {
    persons::get(&state.db, &user.actor, id).await?;
    Ok(Json(tags::for_person(&state.db, &user.actor, id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewTag {
    pub tag_type_id: i64,
    /// Field values keyed by the type's field keys.
    #[serde(default)]
    pub fields: serde_json::Value,
    #[serde(default)]
    pub since: String,
}

#[utoipa::path(post, path = "/api/persons/{id}/tags", params(("id" = i64, Path)), request_body = NewTag, responses((status = 200, body = [PersonTag]), (status = 404), (status = 409), (status = 422)))]
pub async fn add_tag(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(t): Json<NewTag>,
) -> ApiResult<Vec<PersonTag>> {
    tags::add(
        &state.db,
        &user.actor,
        id,
        t.tag_type_id,
        &tags::values_from_json(&t.fields),
        &t.since,
    )
    .await?;
    Ok(Json(tags::for_person(&state.db, &user.actor, id).await?))
}

/// Every change to the person, with who made it and when.
#[utoipa::path(get, path = "/api/persons/{id}/history", params(("id" = i64, Path)), responses((status = 200, body = [Entry]), (status = 404)))]
pub async fn history(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<Vec<Entry>> {
    Ok(Json(
        crate::registry::history::for_person(&state.db, &user.actor, id).await?,
    ))
}

/// 个人信息副本: a copy of all the person's data on their request (PIPL art. 45), unmasked, as a JSON download;
/// roles that may unmask only; audited `pipl_export` (with the request's note) and `unmask`.
#[utoipa::path(post, path = "/api/persons/{id}/data-export", params(("id" = i64, Path)), request_body = pipl::Request, responses((status = 200, body = pipl::PersonalData), (status = 403), (status = 404), (status = 422)))]
pub async fn data_export(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(r): Json<pipl::Request>,
) -> Result<axum::response::Response, super::ApiError> {
    use axum::response::IntoResponse;
    let data = pipl::export(&state.db, &user.actor, id, &r.reason).await?;
    Ok((
        [(
            axum::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"person-{id}.json\""),
        )],
        Json(data),
    )
        .into_response())
}

/// 更正: a correction on the person's request — the edit of `PUT /api/persons/{id}` with the request's note,
/// audited `update` and `pipl_correct`.
#[utoipa::path(post, path = "/api/persons/{id}/correction", params(("id" = i64, Path)), request_body = pipl::Correction, responses((status = 200, body = Person), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn correction(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(c): Json<pipl::Correction>,
) -> ApiResult<Person> {
    let p = pipl::correct(&state.db, &user.actor, id, &c).await?;
    Ok(Json(shown(p, &user)))
}

/// 归档: archives the person's record on their request, audited `archive` and `pipl_archive` with the note.
#[utoipa::path(post, path = "/api/persons/{id}/archive-request", params(("id" = i64, Path)), request_body = pipl::Request, responses((status = 200, body = Person), (status = 403), (status = 404), (status = 422)))]
pub async fn archive_request(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(r): Json<pipl::Request>,
) -> ApiResult<Person> {
    pipl::archive(&state.db, &user.actor, id, &r.reason).await?;
    Ok(Json(shown(
        persons::get(&state.db, &user.actor, id).await?,
        &user,
    )))
}

#[utoipa::path(get, path = "/api/tag-types", responses((status = 200, body = [TagType])))]
pub async fn tag_types(State(state): State<AppState>, user: User) -> ApiResult<Vec<TagType>> {
    Ok(Json(tags::types(&state.db, &user.actor).await?))
}

/// A street administrator defines a new special group with its fields.
#[utoipa::path(post, path = "/api/tag-types", request_body = TagTypeInput, responses((status = 200, body = TagType), (status = 403), (status = 409), (status = 422)))]
pub async fn create_tag_type(
    State(state): State<AppState>,
    user: User,
    Json(t): Json<TagTypeInput>,
) -> ApiResult<TagType> {
    Ok(Json(tags::create_type(&state.db, &user.actor, &t).await?))
}

#[utoipa::path(get, path = "/api/rentals", responses((status = 200, body = [Rental])))]
pub async fn rentals(State(state): State<AppState>, user: User) -> ApiResult<Vec<Rental>> {
    Ok(Json(rentals::list(&state.db, &user.actor, 500).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewRental {
    pub dwelling_id: i64,
    #[serde(flatten)]
    pub rental: RentalInput,
}

#[utoipa::path(post, path = "/api/rentals", request_body = RentalInput, responses((status = 200, body = Rental), (status = 422)))]
pub async fn create_rental(
    State(state): State<AppState>,
    user: User,
    Json(r): Json<NewRental>,
) -> ApiResult<Rental> {
    Ok(Json(
        rentals::create(&state.db, &user.actor, r.dwelling_id, &r.rental).await?,
    ))
}
