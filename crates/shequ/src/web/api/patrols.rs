//! API: patrols — teams, members, the duty roster, patrol logs with findings, and a finding turned into a
//! hazard or a case in one step.

use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::ApiResult;
use crate::cases::hazards::Hazard;
use crate::cases::queries::Case;
use crate::error::Error;
use crate::fieldwork::patrols::{
    self, Finding, LogInput, LogQuery, Member, MemberInput, PatrolLog, Shift, ShiftInput, Team,
    TeamInput, ToCase, ToHazard,
};
use crate::registry::validate;
use crate::web::session::User;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/patrol-teams", get(teams).post(create_team))
        .route("/patrol-teams/{id}", get(team))
        .route("/patrol-teams/{id}/members", post(add_member))
        .route("/patrol-teams/{id}/shifts", get(roster).post(add_shift))
        .route("/patrol-logs", get(logs).post(record))
        .route("/patrol-logs/{id}", get(log))
        .route("/patrol-findings/{id}/hazard", post(to_hazard))
        .route("/patrol-findings/{id}/case", post(to_case))
}

/// Patrol teams the user can see.
#[utoipa::path(get, path = "/api/patrol-teams", responses((status = 200, body = [Team])))]
pub async fn teams(State(state): State<AppState>, user: User) -> ApiResult<Vec<Team>> {
    Ok(Json(patrols::teams(&state.db, &user.actor).await?))
}

/// A new team of a community or a grid (community heads, street administrators).
#[utoipa::path(post, path = "/api/patrol-teams", request_body = TeamInput, responses((status = 200, body = Team), (status = 403), (status = 422)))]
pub async fn create_team(
    State(state): State<AppState>,
    user: User,
    Json(b): Json<TeamInput>,
) -> ApiResult<Team> {
    Ok(Json(
        patrols::create_team(&state.db, &user.actor, &b).await?,
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TeamDetail {
    pub team: Team,
    pub members: Vec<Member>,
}

/// One team with its members.
#[utoipa::path(get, path = "/api/patrol-teams/{id}", params(("id" = i64, Path)), responses((status = 200, body = TeamDetail), (status = 404)))]
pub async fn team(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<TeamDetail> {
    let (db, a) = (&state.db, &user.actor);
    Ok(Json(TeamDetail {
        team: patrols::team(db, a, id).await?,
        members: patrols::members(db, a, id).await?,
    }))
}

/// Adds a member to a team.
#[utoipa::path(post, path = "/api/patrol-teams/{id}/members", params(("id" = i64, Path)), request_body = MemberInput, responses((status = 200, body = Member), (status = 404), (status = 422)))]
pub async fn add_member(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<MemberInput>,
) -> ApiResult<Member> {
    Ok(Json(
        patrols::add_member(&state.db, &user.actor, id, &b).await?,
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct RosterQuery {
    /// First day, e.g. 2026-05-01
    pub from: String,
    /// Last day, included
    pub to: String,
}

/// The duty roster of a team for a period.
#[utoipa::path(get, path = "/api/patrol-teams/{id}/shifts", params(("id" = i64, Path), RosterQuery), responses((status = 200, body = [Shift]), (status = 404), (status = 422)))]
pub async fn roster(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Query(q): Query<RosterQuery>,
) -> ApiResult<Vec<Shift>> {
    let from = validate::parse_date(&q.from)
        .ok_or_else(|| Error::invalid("开始日期", "日期格式不正确,请按2024-01-31填写"))?;
    let to = validate::parse_date(&q.to)
        .ok_or_else(|| Error::invalid("结束日期", "日期格式不正确,请按2024-01-31填写"))?;
    Ok(Json(
        patrols::roster(&state.db, &user.actor, id, from, to).await?,
    ))
}

/// Puts a shift on the roster.
#[utoipa::path(post, path = "/api/patrol-teams/{id}/shifts", params(("id" = i64, Path)), request_body = ShiftInput, responses((status = 200, body = Shift), (status = 404), (status = 422)))]
pub async fn add_shift(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<ShiftInput>,
) -> ApiResult<Shift> {
    Ok(Json(
        patrols::add_shift(&state.db, &user.actor, id, &b).await?,
    ))
}

/// Patrol logs in the user's scope, newest first.
#[utoipa::path(get, path = "/api/patrol-logs", params(LogQuery), responses((status = 200, body = [PatrolLog]), (status = 422)))]
pub async fn logs(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<LogQuery>,
) -> ApiResult<Vec<PatrolLog>> {
    Ok(Json(patrols::logs(&state.db, &user.actor, &q).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LogDetail {
    pub log: PatrolLog,
    pub findings: Vec<Finding>,
}

/// Records a patrol (start, end, area, who) with its findings.
#[utoipa::path(post, path = "/api/patrol-logs", request_body = LogInput, responses((status = 200, body = LogDetail), (status = 403), (status = 422)))]
pub async fn record(
    State(state): State<AppState>,
    user: User,
    Json(b): Json<LogInput>,
) -> ApiResult<LogDetail> {
    let (db, a) = (&state.db, &user.actor);
    let log = patrols::record(db, a, &b).await?;
    let findings = patrols::findings(db, a, log.id).await?;
    Ok(Json(LogDetail { log, findings }))
}

/// One patrol log with its findings.
#[utoipa::path(get, path = "/api/patrol-logs/{id}", params(("id" = i64, Path)), responses((status = 200, body = LogDetail), (status = 404)))]
pub async fn log(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<LogDetail> {
    let (db, a) = (&state.db, &user.actor);
    Ok(Json(LogDetail {
        log: patrols::log(db, a, id).await?,
        findings: patrols::findings(db, a, id).await?,
    }))
}

/// Turns a finding into a hazard (one transaction).
#[utoipa::path(post, path = "/api/patrol-findings/{id}/hazard", params(("id" = i64, Path)), request_body = ToHazard, responses((status = 200, body = Hazard), (status = 404), (status = 422)))]
pub async fn to_hazard(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<ToHazard>,
) -> ApiResult<Hazard> {
    Ok(Json(
        patrols::to_hazard(&state.db, &user.actor, id, &b).await?,
    ))
}

/// Turns a finding into a case, source 网格巡查 (one transaction).
#[utoipa::path(post, path = "/api/patrol-findings/{id}/case", params(("id" = i64, Path)), request_body = ToCase, responses((status = 200, body = Case), (status = 404), (status = 422)))]
pub async fn to_case(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<ToCase>,
) -> ApiResult<Case> {
    Ok(Json(
        patrols::to_case(&state.db, &user.actor, id, &b).await?,
    ))
}
