//! API: party organisations, members, meetings, 参学率 and the months missed; organisations and units;
//! agreements and those expiring within a month.

use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::services::{year, YearQuery};
use super::ApiResult;
use crate::services::party::{self, Meeting, MeetingInput, Missed, Org, OrgInput, StudyRates};
use crate::services::units::{self, Agreement, AgreementInput, Unit, UnitInput};
use crate::web::session::User;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/party/orgs", get(list_orgs).post(create_org))
        .route("/party/orgs/{id}", get(get_org))
        .route("/party/orgs/{id}/members", post(add_party_member))
        .route("/party/orgs/{id}/meetings", post(record_meeting))
        .route("/party/meetings", get(list_meetings))
        .route("/party/study-rates", get(study_rates))
        .route("/party/missed", get(missed))
        .route("/units", get(list_units).post(create_unit))
        .route("/agreements", get(list_agreements).post(create_agreement))
        .route("/agreements/expiring", get(expiring))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct OrgNode {
    pub depth: usize,
    pub org: Org,
}

/// Party organisations in scope as a tree (each after its parent, with its depth).
#[utoipa::path(get, path = "/api/party/orgs", responses((status = 200, body = [OrgNode])))]
pub async fn list_orgs(State(s): State<AppState>, user: User) -> ApiResult<Vec<OrgNode>> {
    Ok(Json(
        party::orgs(&s.db, &user.actor)
            .await?
            .into_iter()
            .map(|(depth, org)| OrgNode { depth, org })
            .collect(),
    ))
}

/// A new party organisation.
#[utoipa::path(post, path = "/api/party/orgs", request_body = OrgInput, responses((status = 200, body = Org), (status = 403), (status = 422)))]
pub async fn create_org(
    State(s): State<AppState>,
    user: User,
    Json(b): Json<OrgInput>,
) -> ApiResult<Org> {
    Ok(Json(party::create_org(&s.db, &user.actor, &b).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct OrgDetail {
    pub org: Org,
    pub members: Vec<party::Member>,
}

/// An organisation with its active members.
#[utoipa::path(get, path = "/api/party/orgs/{id}", params(("id" = i64, Path)), responses((status = 200, body = OrgDetail), (status = 404)))]
pub async fn get_org(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<OrgDetail> {
    Ok(Json(OrgDetail {
        org: party::org(&s.db, &user.actor, id).await?,
        members: party::members(&s.db, &user.actor, id).await?,
    }))
}

/// Registers a party member (a registry person) in an organisation.
#[utoipa::path(post, path = "/api/party/orgs/{id}/members", params(("id" = i64, Path)), request_body = party::MemberInput, responses((status = 200, body = party::Member), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn add_party_member(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<party::MemberInput>,
) -> ApiResult<party::Member> {
    Ok(Json(party::add_member(&s.db, &user.actor, id, &b).await?))
}

/// Records a meeting with its absences.
#[utoipa::path(post, path = "/api/party/orgs/{id}/meetings", params(("id" = i64, Path)), request_body = MeetingInput, responses((status = 200, body = Meeting), (status = 403), (status = 404), (status = 422)))]
pub async fn record_meeting(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<MeetingInput>,
) -> ApiResult<Meeting> {
    Ok(Json(
        party::record_meeting(&s.db, &user.actor, id, &b).await?,
    ))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct PeriodQuery {
    /// First day (the year's first day when empty).
    pub from: String,
    /// Last day, included (today when empty).
    pub to: String,
    pub org_id: Option<i64>,
}

fn period(q: &PeriodQuery) -> (String, String) {
    let today = crate::db::today();
    let from = if q.from.is_empty() {
        format!("{}-01-01", chrono::Datelike::year(&today))
    } else {
        q.from.clone()
    };
    let to = if q.to.is_empty() {
        today.to_string()
    } else {
        q.to.clone()
    };
    (from, to)
}

/// Meetings in scope in a period.
#[utoipa::path(get, path = "/api/party/meetings", params(PeriodQuery), responses((status = 200, body = [Meeting])))]
pub async fn list_meetings(
    State(s): State<AppState>,
    user: User,
    Query(q): Query<PeriodQuery>,
) -> ApiResult<Vec<Meeting>> {
    let (from, to) = period(&q);
    Ok(Json(
        party::meetings(&s.db, &user.actor, q.org_id, &from, &to).await?,
    ))
}

/// 参学率 in a period: in total, per organisation, per member.
#[utoipa::path(get, path = "/api/party/study-rates", params(PeriodQuery), responses((status = 200, body = StudyRates), (status = 422)))]
pub async fn study_rates(
    State(s): State<AppState>,
    user: User,
    Query(q): Query<PeriodQuery>,
) -> ApiResult<StudyRates> {
    let (from, to) = period(&q);
    Ok(Json(
        party::study_rates(&s.db, &user.actor, &from, &to).await?,
    ))
}

/// 党支部 and 党小组 that held no meeting in a month of the year.
#[utoipa::path(get, path = "/api/party/missed", params(YearQuery), responses((status = 200, body = [Missed])))]
pub async fn missed(
    State(s): State<AppState>,
    user: User,
    Query(q): Query<YearQuery>,
) -> ApiResult<Vec<Missed>> {
    Ok(Json(
        party::missed_months(&s.db, &user.actor, year(&q)).await?,
    ))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct KindQuery {
    pub kind: String,
}

/// Organisations and units in scope (社会组织, 驻区单位, 物业公司, 便民服务网点).
#[utoipa::path(get, path = "/api/units", params(KindQuery), responses((status = 200, body = [Unit])))]
pub async fn list_units(
    State(s): State<AppState>,
    user: User,
    Query(q): Query<KindQuery>,
) -> ApiResult<Vec<Unit>> {
    Ok(Json(units::units(&s.db, &user.actor, &q.kind).await?))
}

/// A new organisation or unit.
#[utoipa::path(post, path = "/api/units", request_body = UnitInput, responses((status = 200, body = Unit), (status = 403), (status = 422)))]
pub async fn create_unit(
    State(s): State<AppState>,
    user: User,
    Json(b): Json<UnitInput>,
) -> ApiResult<Unit> {
    Ok(Json(units::create_unit(&s.db, &user.actor, &b).await?))
}

/// Agreements in scope, with the rentals' safety agreements.
#[utoipa::path(get, path = "/api/agreements", params(KindQuery), responses((status = 200, body = [Agreement])))]
pub async fn list_agreements(
    State(s): State<AppState>,
    user: User,
    Query(q): Query<KindQuery>,
) -> ApiResult<Vec<Agreement>> {
    Ok(Json(
        units::agreements(&s.db, &user.actor, &q.kind, None).await?,
    ))
}

/// A new agreement or responsibility letter.
#[utoipa::path(post, path = "/api/agreements", request_body = AgreementInput, responses((status = 200, body = Agreement), (status = 403), (status = 422)))]
pub async fn create_agreement(
    State(s): State<AppState>,
    user: User,
    Json(b): Json<AgreementInput>,
) -> ApiResult<Agreement> {
    Ok(Json(units::create_agreement(&s.db, &user.actor, &b).await?))
}

/// Agreements expiring within a month.
#[utoipa::path(get, path = "/api/agreements/expiring", responses((status = 200, body = [Agreement])))]
pub async fn expiring(State(s): State<AppState>, user: User) -> ApiResult<Vec<Agreement>> {
    Ok(Json(units::expiring(&s.db, &user.actor).await?))
}
