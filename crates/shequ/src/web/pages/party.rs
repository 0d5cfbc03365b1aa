//! Party building pages (党建): the organisation tree with the organisations that missed a month, an
//! organisation with its members and the meeting form (absences with reasons), meetings with 参学率 per
//! organisation and member. Lists export .xlsx.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use minijinja::context;
use serde::Deserialize;

use super::activities::areas;
use super::cases::{opt_id, xlsx_response};
use crate::exports::services::table;
use crate::services::party::{self, Absence, MeetingInput, MemberInput, OrgInput};
use crate::web::error::PageError;
use crate::web::session::User;
use crate::web::templates::render;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/party", get(tree).post(create_org))
        .route("/party/missed.xlsx", get(export_missed))
        .route("/party/orgs/{id}", get(org))
        .route("/party/orgs/{id}/members", post(add_member))
        .route("/party/orgs/{id}/members.xlsx", get(export_members))
        .route("/party/orgs/{id}/meetings", post(record_meeting))
        .route("/party/members/{id}/transfer", post(transfer_out))
        .route("/party/meetings", get(meetings))
        .route("/party/meetings.xlsx", get(export_meetings))
}

fn this_year() -> i32 {
    chrono::Datelike::year(&crate::db::today())
}

async fn tree(State(state): State<AppState>, user: User) -> Result<Html<String>, PageError> {
    let a = &user.actor;
    let orgs: Vec<_> = party::orgs(&state.db, a)
        .await?
        .into_iter()
        .map(|(depth, o)| context! { depth, o })
        .collect();
    let missed = party::missed_months(&state.db, a, this_year()).await?;
    render(
        &state.templates,
        "party.html",
        Some(&user),
        &a.lang,
        context! { orgs, missed, year => this_year(), kinds => party::ORG_KINDS.to_vec(), areas => areas(&state, &user).await?,
        can_manage => matches!(a.role, crate::accounts::Role::StreetAdmin | crate::accounts::Role::CommunityHead | crate::accounts::Role::SocialWorker) },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OrgForm {
    name: String,
    kind: String,
    parent_id: String,
    area_id: String,
}

async fn create_org(
    State(state): State<AppState>,
    user: User,
    Form(f): Form<OrgForm>,
) -> Result<Redirect, PageError> {
    let o = party::create_org(
        &state.db,
        &user.actor,
        &OrgInput {
            name: f.name,
            kind: f.kind,
            parent_id: opt_id(&f.parent_id),
            area_id: opt_id(&f.area_id).unwrap_or(0),
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/party/orgs/{}", o.id)))
}

async fn export_missed(State(state): State<AppState>, user: User) -> Result<Response, PageError> {
    let rows = party::missed_months(&state.db, &user.actor, this_year())
        .await?
        .into_iter()
        .map(|m| vec![m.month, m.org_name, m.kind])
        .collect();
    let bytes = table(
        &state.db,
        &user.actor,
        "party_missed",
        &[("月份", 10.0), ("党组织", 24.0), ("类型", 10.0)],
        rows,
    )
    .await?;
    Ok(xlsx_response("party-missed", bytes))
}

async fn org(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let a = &user.actor;
    let o = party::org(&state.db, a, id).await?;
    let members = party::members(&state.db, a, id).await?;
    let from = format!("{}-01-01", this_year());
    let meetings = party::meetings(
        &state.db,
        a,
        Some(id),
        &from,
        &crate::db::today().to_string(),
    )
    .await?;
    render(
        &state.templates,
        "party_org.html",
        Some(&user),
        &a.lang,
        context! { o, members, meetings, categories => party::CATEGORIES.to_vec(), meeting_kinds => party::MEETING_KINDS.to_vec(),
        today => crate::db::today().to_string(), can_write => a.role.can_write_registry(),
        can_manage => matches!(a.role, crate::accounts::Role::StreetAdmin | crate::accounts::Role::CommunityHead | crate::accounts::Role::SocialWorker) },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MemberForm {
    person: String,
    person_id: String,
    category: String,
    joined_on: String,
    employer: String,
    transferred_from: String,
}

async fn add_member(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<MemberForm>,
) -> Result<Redirect, PageError> {
    let person_id = opt_id(&f.person_id).ok_or_else(|| {
        crate::error::Error::invalid("党员", format!("请从搜索结果中选择“{}”", f.person.trim()))
    })?;
    party::add_member(
        &state.db,
        &user.actor,
        id,
        &MemberInput {
            person_id,
            category: f.category,
            joined_on: f.joined_on,
            employer: f.employer,
            transferred_from: f.transferred_from,
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/party/orgs/{id}")))
}

async fn export_members(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let rows = party::members(&state.db, &user.actor, id)
        .await?
        .into_iter()
        .map(|m| {
            vec![
                m.name,
                m.household_number,
                m.category,
                m.joined_on,
                m.employer,
            ]
        })
        .collect();
    let bytes = table(
        &state.db,
        &user.actor,
        "party_members",
        &[
            ("姓名", 10.0),
            ("户号", 14.0),
            ("类别", 10.0),
            ("入党日期", 12.0),
            ("工作单位", 24.0),
        ],
        rows,
    )
    .await?;
    Ok(xlsx_response("party-members", bytes))
}

/// The meeting form: kind, date, topic, and for each member `absent_{id}` (ticked) and `reason_{id}`.
async fn record_meeting(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Redirect, PageError> {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let absences = f
        .keys()
        .filter_map(|k| {
            k.strip_prefix("absent_")
                .and_then(|m| m.parse::<i64>().ok())
        })
        .map(|m| Absence {
            member_id: m,
            reason: get(&format!("reason_{m}")),
        })
        .collect();
    party::record_meeting(
        &state.db,
        &user.actor,
        id,
        &MeetingInput {
            kind: get("kind"),
            held_on: get("held_on"),
            topic: get("topic"),
            absences,
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/party/orgs/{id}")))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TransferForm {
    to: String,
    org_id: String,
}

async fn transfer_out(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<TransferForm>,
) -> Result<Redirect, PageError> {
    party::transfer_out(&state.db, &user.actor, id, &f.to).await?;
    Ok(Redirect::to(&format!(
        "/party/orgs/{}",
        opt_id(&f.org_id).unwrap_or(0)
    )))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PeriodParams {
    from: String,
    to: String,
}

fn period(p: &PeriodParams) -> (String, String) {
    let from = if p.from.is_empty() {
        format!("{}-01-01", this_year())
    } else {
        p.from.clone()
    };
    let to = if p.to.is_empty() {
        crate::db::today().to_string()
    } else {
        p.to.clone()
    };
    (from, to)
}

async fn meetings(
    State(state): State<AppState>,
    user: User,
    Query(p): Query<PeriodParams>,
) -> Result<Html<String>, PageError> {
    let (from, to) = period(&p);
    let items = party::meetings(&state.db, &user.actor, None, &from, &to).await?;
    let rates = party::study_rates(&state.db, &user.actor, &from, &to).await?;
    render(
        &state.templates,
        "party_meetings.html",
        Some(&user),
        &user.actor.lang,
        context! { items, rates, from, to },
    )
}

async fn export_meetings(
    State(state): State<AppState>,
    user: User,
    Query(p): Query<PeriodParams>,
) -> Result<Response, PageError> {
    let (from, to) = period(&p);
    let rows = party::meetings(&state.db, &user.actor, None, &from, &to)
        .await?
        .into_iter()
        .map(|m| {
            vec![
                m.held_on,
                m.org_name,
                m.kind,
                m.topic,
                m.expected.to_string(),
                m.attended.to_string(),
            ]
        })
        .collect();
    let bytes = table(
        &state.db,
        &user.actor,
        "party_meetings",
        &[
            ("日期", 12.0),
            ("党组织", 20.0),
            ("会议类型", 10.0),
            ("主题", 36.0),
            ("应到", 6.0),
            ("实到", 6.0),
        ],
        rows,
    )
    .await?;
    Ok(xlsx_response("party-meetings", bytes))
}
