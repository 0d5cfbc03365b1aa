//! Visit pages (走访): the visit list with the record form, coverage, rules with their overdue lists, the
//! exports, and the worker diary (民情日记).

use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use chrono::Datelike;
use minijinja::context;
use serde::Deserialize;
use sqlx::Row;

use super::cases::{grids, opt_id, xlsx_response};
use crate::accounts::Role;
use crate::error::Error;
use crate::fieldwork::visits::{self, RuleInput, VisitInput, VisitQuery};
use crate::fieldwork::{diary, visit_stats};
use crate::registry::{households, lookup, tags, validate};
use crate::web::error::PageError;
use crate::web::session::User;
use crate::web::templates::render;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/visits", get(list).post(record))
        .route("/visits/export.xlsx", get(export))
        .route("/visits/coverage", get(coverage))
        .route("/visits/rules", get(rules).post(create_rule))
        .route("/visits/rules/{id}/overdue", get(overdue))
        .route("/visits/rules/{id}/overdue.xlsx", get(overdue_export))
        .route("/diary", get(diary_page).post(save_diary))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListParams {
    grid_id: String,
    household_id: String,
    from: String,
    to: String,
    page: String,
}

/// Rows on one page of the visit list.
const PER_PAGE: i64 = 50;

fn query(p: &ListParams) -> VisitQuery {
    VisitQuery {
        household_id: opt_id(&p.household_id),
        grid_id: opt_id(&p.grid_id),
        worker_id: None,
        from: Some(p.from.clone()).filter(|s| !s.is_empty()),
        to: Some(p.to.clone()).filter(|s| !s.is_empty()),
        page: Some(p.page.trim().parse().unwrap_or(1).max(1)),
        per_page: Some(PER_PAGE),
    }
}

async fn list(
    State(state): State<AppState>,
    user: User,
    Query(p): Query<ListParams>,
) -> Result<Html<String>, PageError> {
    let page = visits::page(&state.db, &user.actor, &query(&p)).await?;
    // The household the list is about, by its 户号 (the form is filled with it).
    let household = match opt_id(&p.household_id) {
        Some(id) => Some(households::get(&state.db, &user.actor, id).await?.number),
        None => None,
    };
    let pages = (page.total + PER_PAGE - 1) / PER_PAGE;
    render(
        &state.templates,
        "visits.html",
        Some(&user),
        &user.actor.lang,
        context! { visits => page.items, total => page.total, page => page.page, pages,
        grids => grids(&state, &user).await?, grid_id => opt_id(&p.grid_id),
        household_id => opt_id(&p.household_id), household, from => p.from, to => p.to,
        kinds => visits::KINDS.to_vec(), reasons => visits::REASONS.to_vec(),
        can_write => user.actor.role.can_write_registry(), today => crate::db::today().to_string() },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct VisitForm {
    /// 户号, typed or chosen from the type-ahead.
    household: String,
    household_id: String,
    visited_on: String,
    kind: String,
    reason: String,
    note: String,
    client_key: String,
}

async fn record(
    State(state): State<AppState>,
    user: User,
    Form(f): Form<VisitForm>,
) -> Result<Redirect, PageError> {
    let input = VisitInput {
        household_id: match opt_id(&f.household_id) {
            Some(id) if f.household.trim().is_empty() => id,
            _ => {
                lookup::household_by_number(&state.db, &user.actor, &f.household)
                    .await?
                    .id
            }
        },
        visited_on: f.visited_on,
        kind: f.kind,
        reason: f.reason,
        note: f.note,
        client_key: f.client_key,
    };
    let v = visits::record(&state.db, &user.actor, &input).await?;
    Ok(Redirect::to(&format!(
        "/visits?household_id={}",
        v.household_id
    )))
}

async fn export(
    State(state): State<AppState>,
    user: User,
    Query(p): Query<ListParams>,
) -> Result<Response, PageError> {
    let (bytes, _) = crate::exports::records::visits(&state.db, &user.actor, &query(&p)).await?;
    Ok(xlsx_response("visits", bytes))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PeriodParams {
    from: String,
    to: String,
}

async fn coverage(
    State(state): State<AppState>,
    user: User,
    Query(p): Query<PeriodParams>,
) -> Result<Html<String>, PageError> {
    let today = crate::db::today();
    let parse = |field: &str, v: &str, default| {
        if v.is_empty() {
            Ok(default)
        } else {
            validate::parse_date(v)
                .ok_or_else(|| Error::invalid(field, "日期格式不正确,请按2024-01-31填写"))
        }
    };
    let from = parse("开始日期", &p.from, today.with_ordinal(1).unwrap_or(today))?;
    let to = parse("结束日期", &p.to, today)?;
    let c = visit_stats::coverage(&state.db, &user.actor, from, to).await?;
    render(
        &state.templates,
        "visit_coverage.html",
        Some(&user),
        &user.actor.lang,
        context! { c },
    )
}

async fn rules(State(state): State<AppState>, user: User) -> Result<Html<String>, PageError> {
    let rules = visits::rules(&state.db, &user.actor).await?;
    let tag_types = tags::types(&state.db, &user.actor).await?;
    render(
        &state.templates,
        "visit_rules.html",
        Some(&user),
        &user.actor.lang,
        context! { rules, tag_types,
        can_manage => matches!(user.actor.role, Role::StreetAdmin | Role::CommunityHead) },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RuleForm {
    name: String,
    tag_type_id: String,
    every_days: String,
}

async fn create_rule(
    State(state): State<AppState>,
    user: User,
    Form(f): Form<RuleForm>,
) -> Result<Redirect, PageError> {
    let input = RuleInput {
        name: f.name,
        tag_type_id: opt_id(&f.tag_type_id),
        every_days: f.every_days.trim().parse().unwrap_or(0),
    };
    visits::create_rule(&state.db, &user.actor, &input).await?;
    Ok(Redirect::to("/visits/rules"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct GridParam {
    grid_id: String,
}

async fn overdue(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Query(p): Query<GridParam>,
) -> Result<Html<String>, PageError> {
    let o = visit_stats::overdue(
        &state.db,
        &user.actor,
        id,
        opt_id(&p.grid_id),
        crate::db::today(),
        500,
    )
    .await?;
    render(
        &state.templates,
        "visit_overdue.html",
        Some(&user),
        &user.actor.lang,
        context! { o },
    )
}

async fn overdue_export(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Query(p): Query<GridParam>,
) -> Result<Response, PageError> {
    let (bytes, _) =
        crate::exports::records::overdue_visits(&state.db, &user.actor, id, opt_id(&p.grid_id))
            .await?;
    Ok(xlsx_response("overdue-visits", bytes))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DiaryParams {
    day: String,
    user_id: String,
}

async fn diary_page(
    State(state): State<AppState>,
    user: User,
    Query(p): Query<DiaryParams>,
) -> Result<Html<String>, PageError> {
    let a = &user.actor;
    let day = if p.day.is_empty() {
        crate::db::today()
    } else {
        validate::parse_date(&p.day)
            .ok_or_else(|| Error::invalid("日期", "日期格式不正确,请按2024-01-31填写"))?
    };
    let d = diary::day(&state.db, a, opt_id(&p.user_id), day).await?;
    // Heads and administrators may pick a worker of their street.
    let workers: Vec<_> = if matches!(a.role, Role::StreetAdmin | Role::CommunityHead) {
        sqlx::query(
            "SELECT id, display_name FROM users WHERE archived = 0 AND street_id = $1 \
             AND role IN ('community_head','social_worker','grid_worker') ORDER BY id",
        )
        .bind(a.scope.street().unwrap_or(-1))
        .fetch_all(&state.db.pool)
        .await
        .map_err(Error::from)?
        .iter()
        .map(|r| context! { id => r.get::<i64, _>(0), name => r.get::<String, _>(1) })
        .collect()
    } else {
        vec![]
    };
    let own = d.user_id == a.user_id;
    render(
        &state.templates,
        "diary.html",
        Some(&user),
        &a.lang,
        context! { d, workers, own },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DiaryForm {
    day: String,
    note: String,
}

async fn save_diary(
    State(state): State<AppState>,
    user: User,
    Form(f): Form<DiaryForm>,
) -> Result<Redirect, PageError> {
    let day = validate::parse_date(&f.day)
        .ok_or_else(|| Error::invalid("日期", "日期格式不正确,请按2024-01-31填写"))?;
    diary::save_note(&state.db, &user.actor, day, &f.note).await?;
    Ok(Redirect::to(&format!("/diary?day={day}")))
}
