//! API: self-governance — proposals and their screening, votes (create, tally, publish; residents' ballots
//! under /api/portal), meetings with resolutions and tasks, finance entries and monthly statements, and the
//! public board of a community (no login).

use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::ApiResult;
use crate::governance::finance::{self, Entry, NewEntry, Statement};
use crate::governance::meetings::{
    self, Meeting, NewMeeting, NewResolution, NewTask, Resolution, Task,
};
use crate::governance::proposals::{self, NewProposal, Proposal, Screen};
use crate::governance::votes::{self, NewVote, Tally, Vote};
use crate::web::session::User;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/governance/proposals",
            get(list_proposals).post(create_proposal),
        )
        .route("/governance/proposals/{id}", get(get_proposal))
        .route("/governance/proposals/{id}/screen", post(screen))
        .route("/governance/votes", get(list_votes).post(create_vote))
        .route("/governance/votes/{id}", get(get_vote))
        .route("/governance/votes/{id}/tally", get(tally))
        .route("/governance/votes/{id}/publish", post(publish))
        .route(
            "/governance/meetings",
            get(list_meetings).post(create_meeting),
        )
        .route("/governance/meetings/{id}", get(get_meeting))
        .route("/governance/meetings/{id}/resolutions", post(resolve))
        .route("/governance/resolutions/{id}/tasks", post(add_task))
        .route("/governance/tasks", get(my_tasks))
        .route("/governance/tasks/{id}/done", post(task_done))
        .route("/governance/finance", get(statement).post(add_entry))
        .route("/governance/finance/publish", post(publish_month))
        .route("/portal/votes", get(resident_votes))
        .route("/portal/votes/{number}/ballot", post(cast))
        .route(
            "/portal/proposals",
            get(resident_proposals).post(resident_propose),
        )
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct StateQuery {
    /// submitted / accepted / merged / declined / voting / decided
    pub state: Option<String>,
}

/// Proposals in the user's scope, newest first.
#[utoipa::path(get, path = "/api/governance/proposals", params(StateQuery), responses((status = 200, body = [Proposal])))]
pub async fn list_proposals(
    State(s): State<AppState>,
    user: User,
    Query(q): Query<StateQuery>,
) -> ApiResult<Vec<Proposal>> {
    Ok(Json(
        proposals::list(&s.db, &user.actor, q.state.as_deref()).await?,
    ))
}

/// A proposal entered by the committee (for a representative).
#[utoipa::path(post, path = "/api/governance/proposals", request_body = NewProposal, responses((status = 200, body = Proposal), (status = 403), (status = 422)))]
pub async fn create_proposal(
    State(s): State<AppState>,
    user: User,
    Json(b): Json<NewProposal>,
) -> ApiResult<Proposal> {
    Ok(Json(proposals::create(&s.db, &user.actor, &b).await?))
}

#[utoipa::path(get, path = "/api/governance/proposals/{id}", params(("id" = i64, Path)), responses((status = 200, body = Proposal), (status = 404)))]
pub async fn get_proposal(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<Proposal> {
    Ok(Json(proposals::get(&s.db, &user.actor, id).await?))
}

/// 受理 / 合并 / 不予采纳.
#[utoipa::path(post, path = "/api/governance/proposals/{id}/screen", params(("id" = i64, Path)), request_body = Screen, responses((status = 200, body = Proposal), (status = 404), (status = 422)))]
pub async fn screen(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<Screen>,
) -> ApiResult<Proposal> {
    Ok(Json(proposals::screen(&s.db, &user.actor, id, &b).await?))
}

#[utoipa::path(get, path = "/api/governance/votes", responses((status = 200, body = [Vote])))]
pub async fn list_votes(State(s): State<AppState>, user: User) -> ApiResult<Vec<Vote>> {
    Ok(Json(votes::list(&s.db, &user.actor).await?))
}

/// Opens a vote; the electorate is counted now.
#[utoipa::path(post, path = "/api/governance/votes", request_body = NewVote, responses((status = 200, body = Vote), (status = 403), (status = 422)))]
pub async fn create_vote(
    State(s): State<AppState>,
    user: User,
    Json(b): Json<NewVote>,
) -> ApiResult<Vote> {
    Ok(Json(votes::create(&s.db, &user.actor, &b).await?))
}

#[utoipa::path(get, path = "/api/governance/votes/{id}", params(("id" = i64, Path)), responses((status = 200, body = Vote), (status = 404)))]
pub async fn get_vote(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<Vote> {
    Ok(Json(votes::get(&s.db, &user.actor, id).await?))
}

/// The server's count, once the vote has closed.
#[utoipa::path(get, path = "/api/governance/votes/{id}/tally", params(("id" = i64, Path)), responses((status = 200, body = Tally), (status = 404), (status = 422)))]
pub async fn tally(State(s): State<AppState>, user: User, Path(id): Path<i64>) -> ApiResult<Tally> {
    Ok(Json(votes::tally(&s.db, &user.actor, id).await?))
}

/// Publishes the result to the public board.
#[utoipa::path(post, path = "/api/governance/votes/{id}/publish", params(("id" = i64, Path)), responses((status = 200, body = Tally), (status = 404), (status = 409)))]
pub async fn publish(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<Tally> {
    Ok(Json(votes::publish(&s.db, &user.actor, id).await?))
}

#[utoipa::path(get, path = "/api/governance/meetings", responses((status = 200, body = [Meeting])))]
pub async fn list_meetings(State(s): State<AppState>, user: User) -> ApiResult<Vec<Meeting>> {
    Ok(Json(meetings::list(&s.db, &user.actor).await?))
}

#[utoipa::path(post, path = "/api/governance/meetings", request_body = NewMeeting, responses((status = 200, body = Meeting), (status = 403), (status = 422)))]
pub async fn create_meeting(
    State(s): State<AppState>,
    user: User,
    Json(b): Json<NewMeeting>,
) -> ApiResult<Meeting> {
    Ok(Json(meetings::create(&s.db, &user.actor, &b).await?))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MeetingDetail {
    pub meeting: Meeting,
    pub resolutions: Vec<Resolution>,
}

#[utoipa::path(get, path = "/api/governance/meetings/{id}", params(("id" = i64, Path)), responses((status = 200, body = MeetingDetail), (status = 404)))]
pub async fn get_meeting(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<MeetingDetail> {
    Ok(Json(MeetingDetail {
        meeting: meetings::get(&s.db, &user.actor, id).await?,
        resolutions: meetings::resolutions(&s.db, &user.actor, id).await?,
    }))
}

/// A resolution (refused below the type's quorum).
#[utoipa::path(post, path = "/api/governance/meetings/{id}/resolutions", params(("id" = i64, Path)), request_body = NewResolution, responses((status = 200, body = Resolution), (status = 404), (status = 422)))]
pub async fn resolve(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<NewResolution>,
) -> ApiResult<Resolution> {
    Ok(Json(meetings::resolve(&s.db, &user.actor, id, &b).await?))
}

/// A follow-up task of a resolution, due in working days.
#[utoipa::path(post, path = "/api/governance/resolutions/{id}/tasks", params(("id" = i64, Path)), request_body = NewTask, responses((status = 200, body = Task), (status = 404), (status = 422)))]
pub async fn add_task(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<NewTask>,
) -> ApiResult<Task> {
    Ok(Json(meetings::add_task(&s.db, &user.actor, id, &b).await?))
}

/// The open tasks the user owns.
#[utoipa::path(get, path = "/api/governance/tasks", responses((status = 200, body = [Task])))]
pub async fn my_tasks(State(s): State<AppState>, user: User) -> ApiResult<Vec<Task>> {
    Ok(Json(meetings::my_open_tasks(&s.db, &user.actor).await?))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct DoneInput {
    pub note: String,
}

#[utoipa::path(post, path = "/api/governance/tasks/{id}/done", params(("id" = i64, Path)), request_body = DoneInput, responses((status = 200, body = Task), (status = 404), (status = 409)))]
pub async fn task_done(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<DoneInput>,
) -> ApiResult<Task> {
    Ok(Json(
        meetings::complete(&s.db, &user.actor, id, &b.note).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams, utoipa::ToSchema)]
pub struct MonthQuery {
    pub community_id: i64,
    /// 2026-11
    pub month: String,
}

/// A month's statement of a community.
#[utoipa::path(get, path = "/api/governance/finance", params(MonthQuery), responses((status = 200, body = Statement), (status = 404), (status = 422)))]
pub async fn statement(
    State(s): State<AppState>,
    user: User,
    Query(q): Query<MonthQuery>,
) -> ApiResult<Statement> {
    Ok(Json(
        finance::statement(&s.db, &user.actor, q.community_id, &q.month).await?,
    ))
}

#[utoipa::path(post, path = "/api/governance/finance", request_body = NewEntry, responses((status = 200, body = Entry), (status = 403), (status = 422)))]
pub async fn add_entry(
    State(s): State<AppState>,
    user: User,
    Json(b): Json<NewEntry>,
) -> ApiResult<Entry> {
    Ok(Json(finance::add(&s.db, &user.actor, &b).await?))
}

#[utoipa::path(post, path = "/api/governance/finance/publish", request_body = MonthQuery, responses((status = 200, body = Statement), (status = 409)))]
pub async fn publish_month(
    State(s): State<AppState>,
    user: User,
    Json(b): Json<MonthQuery>,
) -> ApiResult<Statement> {
    Ok(Json(
        finance::publish(&s.db, &user.actor, Some(b.community_id), &b.month).await?,
    ))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ResidentVote {
    pub vote: Vote,
    pub voted: bool,
    pub eligible: bool,
}

/// The resident's community's votes, with whether they voted.
#[utoipa::path(get, path = "/api/portal/votes", responses((status = 200, body = [ResidentVote]), (status = 403)))]
pub async fn resident_votes(State(s): State<AppState>, user: User) -> ApiResult<Vec<ResidentVote>> {
    Ok(Json(
        votes::for_resident(&s.db, &user.actor)
            .await?
            .into_iter()
            .map(|(vote, voted, eligible)| ResidentVote {
                vote,
                voted,
                eligible,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Ballot {
    /// The option's index (0 = first).
    pub option: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Cast {
    pub ok: bool,
}

/// One ballot; a second one answers 409.
#[utoipa::path(post, path = "/api/portal/votes/{number}/ballot", params(("number" = String, Path)), request_body = Ballot, responses((status = 200, body = Cast), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn cast(
    State(s): State<AppState>,
    user: User,
    Path(number): Path<String>,
    Json(b): Json<Ballot>,
) -> ApiResult<Cast> {
    votes::cast(&s.db, &user.actor, &number, b.option).await?;
    Ok(Json(Cast { ok: true }))
}

#[utoipa::path(get, path = "/api/portal/proposals", responses((status = 200, body = [Proposal]), (status = 403)))]
pub async fn resident_proposals(State(s): State<AppState>, user: User) -> ApiResult<Vec<Proposal>> {
    Ok(Json(proposals::of_resident(&s.db, &user.actor).await?))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ResidentProposal {
    pub title: String,
    pub body: String,
}

#[utoipa::path(post, path = "/api/portal/proposals", request_body = ResidentProposal, responses((status = 200, body = Proposal), (status = 403), (status = 422)))]
pub async fn resident_propose(
    State(s): State<AppState>,
    user: User,
    Json(b): Json<ResidentProposal>,
) -> ApiResult<Proposal> {
    Ok(Json(
        proposals::submit_as_resident(&s.db, &user.actor, &b.title, &b.body).await?,
    ))
}
