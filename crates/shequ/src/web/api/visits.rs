//! API: home visits (走访), visit rules, overdue lists, coverage, and the worker diary (民情日记).

use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

use super::ApiResult;
use crate::error::Error;
use crate::fieldwork::diary::{self, Diary};
use crate::fieldwork::visit_stats::{self, Coverage, OverdueList};
use crate::fieldwork::visits::{self, Rule, RuleInput, Visit, VisitInput, VisitQuery};
use crate::registry::validate;
use crate::web::session::User;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/visits", get(list).post(record))
        .route("/visits/coverage", get(coverage))
        .route("/visits/{id}", get(get_visit))
        .route("/visit-rules", get(rules).post(create_rule))
        .route("/visit-rules/{id}/overdue", get(overdue))
        .route("/diary/{day}", get(diary).put(save_diary))
}

pub(crate) fn date(field: &str, v: &str) -> Result<chrono::NaiveDate, Error> {
    validate::parse_date(v)
        .ok_or_else(|| Error::invalid(field, "日期格式不正确,请按2024-01-31填写"))
}

/// Records a visit by the signed-in worker.
#[utoipa::path(post, path = "/api/visits", request_body = VisitInput, responses((status = 200, body = Visit), (status = 403), (status = 422)))]
pub async fn record(
    State(state): State<AppState>,
    user: User,
    Json(b): Json<VisitInput>,
) -> ApiResult<Visit> {
    Ok(Json(visits::record(&state.db, &user.actor, &b).await?))
}

/// Visits in the user's scope, newest first; filters by household, grid, worker and dates.
#[utoipa::path(get, path = "/api/visits", params(VisitQuery), responses((status = 200, body = [Visit]), (status = 422)))]
pub async fn list(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<VisitQuery>,
) -> ApiResult<Vec<Visit>> {
    Ok(Json(visits::list(&state.db, &user.actor, &q).await?))
}

/// One visit.
#[utoipa::path(get, path = "/api/visits/{id}", params(("id" = i64, Path)), responses((status = 200, body = Visit), (status = 404)))]
pub async fn get_visit(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<Visit> {
    Ok(Json(visits::get(&state.db, &user.actor, id).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct PeriodQuery {
    /// First day, e.g. 2026-01-01
    pub from: String,
    /// Last day, included
    pub to: String,
}

/// 走访覆盖率: households visited in the period ÷ households in scope, in total, by grid and by worker.
#[utoipa::path(get, path = "/api/visits/coverage", params(PeriodQuery), responses((status = 200, body = Coverage), (status = 422)))]
pub async fn coverage(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<PeriodQuery>,
) -> ApiResult<Coverage> {
    let (from, to) = (date("开始日期", &q.from)?, date("结束日期", &q.to)?);
    Ok(Json(
        visit_stats::coverage(&state.db, &user.actor, from, to).await?,
    ))
}

/// The visit rules of the user's street.
#[utoipa::path(get, path = "/api/visit-rules", responses((status = 200, body = [Rule])))]
pub async fn rules(State(state): State<AppState>, user: User) -> ApiResult<Vec<Rule>> {
    Ok(Json(visits::rules(&state.db, &user.actor).await?))
}

/// A new visit rule: a special group (or every household) and a number of days.
#[utoipa::path(post, path = "/api/visit-rules", request_body = RuleInput, responses((status = 200, body = Rule), (status = 403), (status = 422)))]
pub async fn create_rule(
    State(state): State<AppState>,
    user: User,
    Json(b): Json<RuleInput>,
) -> ApiResult<Rule> {
    Ok(Json(visits::create_rule(&state.db, &user.actor, &b).await?))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct OverdueQuery {
    pub grid_id: Option<i64>,
    /// At most this many rows (default 500).
    pub limit: Option<i64>,
}

/// Households in scope overdue for a visit under a rule, longest overdue first.
#[utoipa::path(get, path = "/api/visit-rules/{id}/overdue", params(("id" = i64, Path), OverdueQuery), responses((status = 200, body = OverdueList), (status = 404)))]
pub async fn overdue(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Query(q): Query<OverdueQuery>,
) -> ApiResult<OverdueList> {
    Ok(Json(
        visit_stats::overdue(
            &state.db,
            &user.actor,
            id,
            q.grid_id,
            crate::db::today(),
            q.limit.unwrap_or(500),
        )
        .await?,
    ))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct DiaryQuery {
    /// Another worker's diary (community heads, street administrators).
    pub user_id: Option<i64>,
}

/// 民情日记: one day of a worker, assembled from visits, case work, patrols and hazards, with the note.
#[utoipa::path(get, path = "/api/diary/{day}", params(("day" = String, Path), DiaryQuery), responses((status = 200, body = Diary), (status = 404), (status = 422)))]
pub async fn diary(
    State(state): State<AppState>,
    user: User,
    Path(day): Path<String>,
    Query(q): Query<DiaryQuery>,
) -> ApiResult<Diary> {
    let day = date("日期", &day)?;
    Ok(Json(
        diary::day(&state.db, &user.actor, q.user_id, day).await?,
    ))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct DiaryNote {
    pub note: String,
}

/// Writes the signed-in worker's note for a day.
#[utoipa::path(put, path = "/api/diary/{day}", params(("day" = String, Path)), request_body = DiaryNote, responses((status = 200, body = Diary), (status = 403), (status = 422)))]
pub async fn save_diary(
    State(state): State<AppState>,
    user: User,
    Path(day): Path<String>,
    Json(b): Json<DiaryNote>,
) -> ApiResult<Diary> {
    let day = date("日期", &day)?;
    Ok(Json(
        diary::save_note(&state.db, &user.actor, day, &b.note).await?,
    ))
}
