//! API: 评比 — selections opened by the committee, nominations (committee, or residents under /api/portal),
//! review, the public vote (a governance vote; ballots at /api/portal/votes), the announcement and the table
//! of honours.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;

use super::ApiResult;
use crate::selections::announce::{self, Announce, Honour, OpenVote};
use crate::selections::{self, NewSelection, Nomination, Nominee, NomineeReview, Selection};
use crate::web::session::User;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/selections", get(list).post(create))
        .route("/selections/{id}", get(detail))
        .route("/selections/{id}/nominees", post(nominate))
        .route("/selections/{id}/nominees/{nid}/review", post(review))
        .route("/selections/{id}/vote", post(open_vote))
        .route("/selections/{id}/announce", post(announce_result))
        .route("/honours", get(honours))
        .route("/portal/selections", get(resident_list))
        .route(
            "/portal/selections/{number}/nominate",
            post(resident_nominate),
        )
}

#[utoipa::path(get, path = "/api/selections", responses((status = 200, body = [Selection])))]
pub async fn list(State(s): State<AppState>, user: User) -> ApiResult<Vec<Selection>> {
    Ok(Json(selections::list(&s.db, &user.actor).await?))
}

/// Opens a selection for nominations (the committee).
#[utoipa::path(post, path = "/api/selections", request_body = NewSelection, responses((status = 200, body = Selection), (status = 403), (status = 422)))]
pub async fn create(
    State(s): State<AppState>,
    user: User,
    Json(b): Json<NewSelection>,
) -> ApiResult<Selection> {
    Ok(Json(selections::create(&s.db, &user.actor, &b).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SelectionDetail {
    pub selection: Selection,
    pub nominees: Vec<Nominee>,
}

#[utoipa::path(get, path = "/api/selections/{id}", params(("id" = i64, Path)), responses((status = 200, body = SelectionDetail), (status = 404)))]
pub async fn detail(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<SelectionDetail> {
    Ok(Json(SelectionDetail {
        selection: selections::get(&s.db, &user.actor, id).await?,
        nominees: selections::nominees(&s.db, &user.actor, id).await?,
    }))
}

/// The committee nominates a household (`household_id`) or person (`person_id`) of the community.
#[utoipa::path(post, path = "/api/selections/{id}/nominees", params(("id" = i64, Path)), request_body = Nomination, responses((status = 200, body = Nominee), (status = 404), (status = 409), (status = 422)))]
pub async fn nominate(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<Nomination>,
) -> ApiResult<Nominee> {
    Ok(Json(
        selections::nominate(&s.db, &user.actor, id, &b).await?,
    ))
}

/// 审核通过 / 不予通过 (a reason required).
#[utoipa::path(post, path = "/api/selections/{id}/nominees/{nid}/review", params(("id" = i64, Path), ("nid" = i64, Path)), request_body = NomineeReview, responses((status = 200, body = Nominee), (status = 404), (status = 422)))]
pub async fn review(
    State(s): State<AppState>,
    user: User,
    Path((id, nid)): Path<(i64, i64)>,
    Json(b): Json<NomineeReview>,
) -> ApiResult<Nominee> {
    Ok(Json(
        selections::review(&s.db, &user.actor, id, nid, &b).await?,
    ))
}

/// Opens the public vote over the accepted nominees.
#[utoipa::path(post, path = "/api/selections/{id}/vote", params(("id" = i64, Path)), request_body = OpenVote, responses((status = 200, body = Selection), (status = 404), (status = 422)))]
pub async fn open_vote(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<OpenVote>,
) -> ApiResult<Selection> {
    Ok(Json(announce::open_vote(&s.db, &user.actor, id, &b).await?))
}

/// Announces the result (after a vote: the most voted up to the places, unless nominees are named).
#[utoipa::path(post, path = "/api/selections/{id}/announce", params(("id" = i64, Path)), request_body = Announce, responses((status = 200, body = Selection), (status = 404), (status = 409), (status = 422)))]
pub async fn announce_result(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<Announce>,
) -> ApiResult<Selection> {
    Ok(Json(announce::announce(&s.db, &user.actor, id, &b).await?))
}

/// The table of honours in the user's scope.
#[utoipa::path(get, path = "/api/honours", responses((status = 200, body = [Honour])))]
pub async fn honours(State(s): State<AppState>, user: User) -> ApiResult<Vec<Honour>> {
    Ok(Json(announce::honours(&s.db, &user.actor).await?))
}

/// An open selection as a resident sees it: the accepted nominees masked.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ResidentSelection {
    pub number: String,
    pub title: String,
    pub subject: String,
    pub period: String,
    pub places: i64,
    pub state: String,
    pub state_label: String,
    /// The vote's number, when one is open (ballots at /api/portal/votes/{number}/ballot).
    pub vote_number: Option<String>,
    pub nominees: Vec<String>,
}

pub(crate) async fn for_resident(
    db: &crate::db::Db,
    actor: &crate::accounts::Actor,
) -> crate::error::Result<Vec<ResidentSelection>> {
    let r = crate::portal::verified(db, actor).await?;
    let mut out = Vec::new();
    for s in selections::open_in(db, r.community_id).await? {
        let vote_number = match s.vote_id {
            Some(v) => {
                sqlx::query_scalar("SELECT number FROM votes WHERE id = $1")
                    .bind(v)
                    .fetch_optional(&db.pool)
                    .await?
            }
            None => None,
        };
        let nominees = selections::of_selection(db, s.id)
            .await?
            .into_iter()
            .filter(|n| n.state == "accepted")
            .map(|n| n.masked)
            .collect();
        out.push(ResidentSelection {
            number: s.number,
            title: s.title,
            subject: s.subject,
            period: s.period,
            places: s.places,
            state: s.state,
            state_label: s.state_label,
            vote_number,
            nominees,
        });
    }
    Ok(out)
}

/// The open selections of the resident's community.
#[utoipa::path(get, path = "/api/portal/selections", responses((status = 200, body = [ResidentSelection]), (status = 403)))]
pub async fn resident_list(
    State(s): State<AppState>,
    user: User,
) -> ApiResult<Vec<ResidentSelection>> {
    Ok(Json(for_resident(&s.db, &user.actor).await?))
}

/// A resident nominates a household (`household_number`, 户号) or person (`person_name`) of their community.
#[utoipa::path(post, path = "/api/portal/selections/{number}/nominate", params(("number" = String, Path)), request_body = Nomination, responses((status = 200, body = Nominee), (status = 404), (status = 409), (status = 422)))]
pub async fn resident_nominate(
    State(s): State<AppState>,
    user: User,
    Path(number): Path<String>,
    Json(b): Json<Nomination>,
) -> ApiResult<Nominee> {
    Ok(Json(
        selections::nominate_as_resident(&s.db, &user.actor, &number, &b).await?,
    ))
}
