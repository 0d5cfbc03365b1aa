//! Patrol pages: teams (a new team for managers), one team with its members and duty roster (排班), the
//! patrol-log form (findings one per line), the log list and its export, and one log whose findings become a
//! case or a hazard with one button.

use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use minijinja::context;
use serde::Deserialize;

use super::cases::{grids, opt_id, xlsx_response};
use crate::accounts::Role;
use crate::cases::{categories, hazards};
use crate::error::Error;
use crate::fieldwork::patrols::{
    self, FindingInput, LogInput, LogQuery, MemberInput, ShiftInput, TeamInput, ToCase, ToHazard,
};
use crate::web::error::PageError;
use crate::web::session::User;
use crate::web::templates::render;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/patrols", get(index))
        .route("/patrols/teams", post(create_team))
        .route("/patrols/teams/{id}", get(team))
        .route("/patrols/teams/{id}/members", post(add_member))
        .route("/patrols/teams/{id}/shifts", post(add_shift))
        .route("/patrols/logs", post(record))
        .route("/patrols/logs/export.xlsx", get(export))
        .route("/patrols/logs/{id}", get(show))
        .route("/patrols/findings/{id}/case", post(to_case))
        .route("/patrols/findings/{id}/hazard", post(to_hazard))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct IndexParams {
    page: String,
}

/// Patrol logs on one page of the list.
const LOGS_PER_PAGE: i64 = 50;

async fn index(
    State(state): State<AppState>,
    user: User,
    Query(p): Query<IndexParams>,
) -> Result<Html<String>, PageError> {
    let (db, a) = (&state.db, &user.actor);
    let teams = patrols::teams(db, a).await?;
    let log_page: i64 = p.page.trim().parse().unwrap_or(1).max(1);
    let logs = patrols::logs(
        db,
        a,
        &LogQuery {
            page: Some(log_page),
            per_page: Some(LOGS_PER_PAGE),
            ..LogQuery::default()
        },
    )
    .await?;
    // The first row of the next page, if any (pages of one row: row n is page n).
    let more_logs = logs.len() as i64 == LOGS_PER_PAGE
        && !patrols::logs(
            db,
            a,
            &LogQuery {
                page: Some(log_page * LOGS_PER_PAGE + 1),
                per_page: Some(1),
                ..LogQuery::default()
            },
        )
        .await?
        .is_empty();
    let can_manage = can_manage(a.role);
    // Communities and grids a manager may give a team to.
    let areas = if can_manage {
        choices(db, a, "kind IN ('community', 'grid')").await?
    } else {
        vec![]
    };
    render(
        &state.templates,
        "patrols.html",
        Some(&user),
        &a.lang,
        context! { teams, logs, log_page, more_logs, areas, can_manage, can_write => a.role.can_write_registry(),
        grids => grids(&state, &user).await?, team_kinds => patrols::TEAM_KINDS.to_vec() },
    )
}

async fn create_team(
    State(state): State<AppState>,
    user: User,
    Form(f): Form<TeamInput>,
) -> Result<Redirect, PageError> {
    patrols::create_team(&state.db, &user.actor, &f).await?;
    Ok(Redirect::to("/patrols"))
}

fn can_manage(role: Role) -> bool {
    matches!(role, Role::StreetAdmin | Role::CommunityHead)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RosterQuery {
    /// First day of the roster shown (default today, China time).
    from: String,
}

/// Days of roster a team page shows.
const ROSTER_DAYS: i64 = 14;

async fn team(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Query(q): Query<RosterQuery>,
) -> Result<Html<String>, PageError> {
    let (db, a) = (&state.db, &user.actor);
    let team = patrols::team(db, a, id).await?;
    // Members' phones serialize masked, here and in the API.
    let members = patrols::members(db, a, id).await?;
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let from = crate::registry::validate::parse_date(&q.from).unwrap_or(today);
    let to = from + chrono::Duration::days(ROSTER_DAYS - 1);
    let shifts = patrols::roster(db, a, id, from, to).await?;
    // Nothing on the roster these two weeks: point to the nearest shift within a year either way.
    let nearest = if shifts.is_empty() {
        let year = chrono::Duration::days(365);
        patrols::roster(db, a, id, from - year, to + year)
            .await?
            .into_iter()
            .filter_map(|s| chrono::NaiveDate::parse_from_str(&s.on_date, "%Y-%m-%d").ok())
            .min_by_key(|d| (*d - from).num_days().abs())
            .map(|d| d.to_string())
    } else {
        None
    };
    // Where the team may patrol: its own grid, or the grids of its community (within the user's scope).
    let area = match team.grid_id {
        Some(g) => format!("id = {g}"),
        None => format!("community_id = {}", team.community_id),
    };
    let areas = choices(db, a, &format!("kind = 'grid' AND {area}")).await?;
    render(
        &state.templates,
        "patrol_team.html",
        Some(&user),
        &a.lang,
        context! { team, members, shifts, nearest, areas, can_manage => can_manage(a.role),
        from => from.to_string(), to => to.to_string(),
        prev => (from - chrono::Duration::days(ROSTER_DAYS)).to_string(),
        next => (to + chrono::Duration::days(1)).to_string(), today => today.to_string() },
    )
}

async fn add_member(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<MemberForm>,
) -> Result<Redirect, PageError> {
    let input = MemberInput {
        name: f.name,
        phone: f.phone,
        user_id: None,
        role: f.role,
    };
    patrols::add_member(&state.db, &user.actor, id, &input).await?;
    Ok(Redirect::to(&format!("/patrols/teams/{id}")))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MemberForm {
    name: String,
    phone: String,
    role: String,
}

/// The shift form: the members on duty arrive as repeated `member_ids` fields (checkboxes).
async fn add_shift(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    body: String,
) -> Result<Redirect, PageError> {
    let mut input = ShiftInput::default();
    let fields: Vec<(String, String)> = serde_urlencoded::from_str(&body)
        .map_err(|_| Error::invalid("排班", "表单内容无法读取"))?;
    for (k, v) in fields {
        match k.as_str() {
            "on_date" => input.on_date = v,
            "starts" => input.starts = v,
            "ends" => input.ends = v,
            "area_id" => input.area_id = opt_id(&v).unwrap_or(0),
            "member_ids" => input.member_ids.extend(opt_id(&v)),
            _ => {}
        }
    }
    patrols::add_shift(&state.db, &user.actor, id, &input).await?;
    Ok(Redirect::to(&format!(
        "/patrols/teams/{id}?from={}",
        input.on_date.trim()
    )))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LogForm {
    team_id: String,
    area_id: String,
    started_at: String,
    ended_at: String,
    patrollers: String,
    summary: String,
    /// One finding per line.
    findings: String,
    /// The phone's key of a log recorded offline.
    client_key: String,
}

async fn record(
    State(state): State<AppState>,
    user: User,
    Form(f): Form<LogForm>,
) -> Result<Redirect, PageError> {
    let input = LogInput {
        team_id: opt_id(&f.team_id).unwrap_or(0),
        shift_id: None,
        area_id: opt_id(&f.area_id).unwrap_or(0),
        started_at: f.started_at,
        ended_at: f.ended_at,
        patrollers: f.patrollers,
        summary: f.summary,
        findings: f
            .findings
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| FindingInput {
                description: l.to_string(),
                location_id: None,
            })
            .collect(),
        client_key: f.client_key,
    };
    let log = patrols::record(&state.db, &user.actor, &input).await?;
    Ok(Redirect::to(&format!("/patrols/logs/{}", log.id)))
}

async fn export(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<LogQuery>,
) -> Result<Response, PageError> {
    let (bytes, _) = crate::exports::records::patrol_logs(&state.db, &user.actor, &q).await?;
    Ok(xlsx_response("patrol-logs", bytes))
}

async fn show(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let (db, a) = (&state.db, &user.actor);
    let log = patrols::log(db, a, id).await?;
    let findings = patrols::findings(db, a, id).await?;
    render(
        &state.templates,
        "patrol_log.html",
        Some(&user),
        &a.lang,
        context! { log, findings, can_write => a.role.can_write_registry(),
        categories => categories::list(db).await?, kinds => hazards::KINDS.to_vec() },
    )
}

async fn to_case(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<ToCase>,
) -> Result<Redirect, PageError> {
    let c = patrols::to_case(&state.db, &user.actor, id, &f).await?;
    Ok(Redirect::to(&format!("/cases/{}", c.id)))
}

async fn to_hazard(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<ToHazard>,
) -> Result<Redirect, PageError> {
    let h = patrols::to_hazard(&state.db, &user.actor, id, &f).await?;
    Ok(Redirect::to(&format!("/hazards/{}", h.id)))
}

/// Nodes as `{id, name}` for a form's `<select>`.
async fn choices(
    db: &crate::db::Db,
    a: &crate::accounts::Actor,
    cond: &str,
) -> Result<Vec<minijinja::Value>, PageError> {
    Ok(crate::registry::nodes::choices(db, a, cond)
        .await?
        .into_iter()
        .map(|(id, name)| context! { id, name })
        .collect())
}
