//! Volunteer pages (志愿服务): teams (new team, or the volunteer team of a patrol team), a team with its
//! members, service records to submit and approve, yearly hours; the print-ready certificate of hours.
//! Lists export .xlsx.

use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use minijinja::context;
use serde::Deserialize;

use super::activities::areas;
use super::cases::{opt_id, xlsx_response};
use crate::exports::services::{phone, table};
use crate::services::volunteers::{self, hours_text, MemberInput, RecordInput, TeamInput};
use crate::web::error::PageError;
use crate::web::session::User;
use crate::web::templates::render;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/volunteers", get(list).post(create))
        .route("/volunteers/export.xlsx", get(export_teams))
        .route("/volunteers/{id}", get(show))
        .route("/volunteers/{id}/members", post(add_member))
        .route("/volunteers/{id}/records", post(submit))
        .route("/volunteers/{id}/records.xlsx", get(export_records))
        .route("/volunteers/{id}/hours.xlsx", get(export_hours))
        .route("/volunteers/records/{id}/decision", post(decide))
        .route("/volunteers/members/{id}/certificate", get(certificate))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct YearParam {
    year: String,
}

fn year(p: &YearParam) -> i32 {
    p.year
        .trim()
        .parse()
        .unwrap_or_else(|_| chrono::Datelike::year(&crate::db::today()))
}

async fn list(State(state): State<AppState>, user: User) -> Result<Html<String>, PageError> {
    let teams = volunteers::teams(&state.db, &user.actor).await?;
    let patrols: Vec<_> = crate::fieldwork::patrols::teams(&state.db, &user.actor)
        .await?
        .into_iter()
        .filter(|p| !teams.iter().any(|t| t.patrol_team_id == Some(p.id)))
        .map(|p| context! { id => p.id, name => p.name })
        .collect();
    render(
        &state.templates,
        "volunteer_teams.html",
        Some(&user),
        &user.actor.lang,
        context! { teams, patrols, services => volunteers::SERVICES.to_vec(), areas => areas(&state, &user).await?,
        can_manage => matches!(user.actor.role, crate::accounts::Role::StreetAdmin | crate::accounts::Role::CommunityHead | crate::accounts::Role::SocialWorker) },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TeamForm {
    name: String,
    service: String,
    area_id: String,
    patrol_team_id: String,
}

async fn create(
    State(state): State<AppState>,
    user: User,
    Form(f): Form<TeamForm>,
) -> Result<Redirect, PageError> {
    let t = volunteers::create_team(
        &state.db,
        &user.actor,
        &TeamInput {
            name: f.name,
            service: f.service,
            area_id: opt_id(&f.area_id).unwrap_or(0),
            patrol_team_id: opt_id(&f.patrol_team_id),
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/volunteers/{}", t.id)))
}

async fn export_teams(State(state): State<AppState>, user: User) -> Result<Response, PageError> {
    let rows = volunteers::teams(&state.db, &user.actor)
        .await?
        .into_iter()
        .map(|t| {
            vec![
                t.name,
                t.service,
                t.community_name,
                t.leader.unwrap_or_default(),
                t.members.to_string(),
            ]
        })
        .collect();
    let bytes = table(
        &state.db,
        &user.actor,
        "volunteer_teams",
        &[
            ("队伍名称", 20.0),
            ("服务类别", 12.0),
            ("社区", 12.0),
            ("队长", 10.0),
            ("队员数", 8.0),
        ],
        rows,
    )
    .await?;
    Ok(xlsx_response("volunteer-teams", bytes))
}

async fn show(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Query(p): Query<YearParam>,
) -> Result<Html<String>, PageError> {
    let a = &user.actor;
    let t = volunteers::team(&state.db, a, id).await?;
    let members = volunteers::members(&state.db, a, id).await?;
    let records: Vec<_> = volunteers::records(&state.db, a, id)
        .await?
        .into_iter()
        .map(|r| context! { hours => hours_text(r.minutes), r })
        .collect();
    let y = year(&p);
    let hours = volunteers::yearly_hours(&state.db, a, id, y).await?;
    let total = hours_text(hours.iter().map(|h| h.minutes).sum());
    let hours: Vec<_> = hours
        .into_iter()
        .map(|h| context! { hours => hours_text(h.minutes), h })
        .collect();
    render(
        &state.templates,
        "volunteer_team.html",
        Some(&user),
        &a.lang,
        context! { team => t, members, records, hours, total, year => y, roles => volunteers::ROLES.to_vec(),
        today => crate::db::today().to_string(), can_write => a.role.can_write_registry() },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MemberForm {
    person: String,
    person_id: String,
    name: String,
    phone: String,
    role: String,
    skills: String,
    availability: String,
}

async fn add_member(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<MemberForm>,
) -> Result<Redirect, PageError> {
    let person_id = opt_id(&f.person_id);
    let name = if person_id.is_some() {
        String::new()
    } else if f.name.trim().is_empty() {
        f.person
    } else {
        f.name
    };
    volunteers::add_member(
        &state.db,
        &user.actor,
        id,
        &MemberInput {
            person_id,
            name,
            phone: f.phone,
            user_id: None,
            role: f.role,
            skills: f.skills,
            availability: f.availability,
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/volunteers/{id}")))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RecordForm {
    member_id: String,
    served_on: String,
    what: String,
    hours: String,
}

async fn submit(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<RecordForm>,
) -> Result<Redirect, PageError> {
    let hours: f64 =
        f.hours.trim().parse().map_err(|_| {
            crate::error::Error::invalid("服务时长", "服务时长应为数字,如 2 或 1.5")
        })?;
    volunteers::submit(
        &state.db,
        &user.actor,
        id,
        &RecordInput {
            member_id: opt_id(&f.member_id).unwrap_or(0),
            served_on: f.served_on,
            what: f.what,
            hours,
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/volunteers/{id}")))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DecisionForm {
    step: String,
    reason: String,
}

async fn decide(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<DecisionForm>,
) -> Result<Redirect, PageError> {
    let step = if f.step == "reject" {
        "reject"
    } else {
        "approve"
    };
    let r = volunteers::decide(&state.db, &user.actor, id, step, &f.reason).await?;
    Ok(Redirect::to(&format!("/volunteers/{}", r.team_id)))
}

async fn export_records(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let rows = volunteers::records(&state.db, &user.actor, id)
        .await?
        .into_iter()
        .map(|r| {
            let state = match r.state.as_str() {
                "approved" => "已审核",
                "rejected" => "未通过",
                _ => "待审核",
            };
            vec![
                r.served_on,
                r.member_name,
                r.what,
                hours_text(r.minutes),
                state.into(),
                r.decided_by.unwrap_or_default(),
            ]
        })
        .collect();
    let bytes = table(
        &state.db,
        &user.actor,
        "volunteer_records",
        &[
            ("服务日期", 12.0),
            ("志愿者", 10.0),
            ("服务内容", 36.0),
            ("时长(小时)", 10.0),
            ("状态", 8.0),
            ("审核人", 10.0),
        ],
        rows,
    )
    .await?;
    Ok(xlsx_response("volunteer-records", bytes))
}

async fn export_hours(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Query(p): Query<YearParam>,
) -> Result<Response, PageError> {
    let members = volunteers::members(&state.db, &user.actor, id).await?;
    let rows = volunteers::yearly_hours(&state.db, &user.actor, id, year(&p))
        .await?
        .into_iter()
        .map(|h| {
            let m = members.iter().find(|m| m.id == h.member_id);
            vec![
                h.name,
                m.map(|m| m.role.clone()).unwrap_or_default(),
                m.map(|m| phone(&m.phone)).unwrap_or_default(),
                h.records.to_string(),
                hours_text(h.minutes),
            ]
        })
        .collect();
    let bytes = table(
        &state.db,
        &user.actor,
        "volunteer_hours",
        &[
            ("志愿者", 10.0),
            ("职务", 8.0),
            ("联系电话", 14.0),
            ("服务次数", 8.0),
            ("服务时长(小时)", 12.0),
        ],
        rows,
    )
    .await?;
    Ok(xlsx_response("volunteer-hours", bytes))
}

async fn certificate(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Query(p): Query<YearParam>,
) -> Result<Html<String>, PageError> {
    let c = volunteers::certificate(&state.db, &user.actor, id, year(&p)).await?;
    let records: Vec<_> = c
        .records
        .iter()
        .map(|r| {
            context! { served_on => r.served_on, what => r.what,
            hours => hours_text(r.minutes), decided_by => r.decided_by }
        })
        .collect();
    render(
        &state.templates,
        "volunteer_certificate.html",
        Some(&user),
        &user.actor.lang,
        context! { c, records },
    )
}
