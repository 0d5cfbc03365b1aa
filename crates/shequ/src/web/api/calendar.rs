//! The working-day calendar over JSON: a year's listed days (everyone), days put and removed by the street
//! administrator.

use axum::extract::{Path, Query, State};
use axum::routing::{delete, get};
use axum::{Json, Router};
use chrono::Datelike;
use serde::{Deserialize, Serialize};

use super::ApiResult;
use crate::calendar::{store, DayKind};
use crate::error::Error;
use crate::registry::validate;
use crate::web::error::ApiError;
use crate::web::session::User;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/calendar", get(year).put(put_days))
        .route("/calendar/days/{day}", delete(remove_day))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct YearQuery {
    /// The year (default: this year, Beijing time).
    pub year: Option<i32>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CalendarYear {
    pub year: i32,
    /// Whether the year has holiday data (without it, Monday–Friday count as working days).
    pub known: bool,
    pub days: Vec<store::Day>,
    /// Years deadlines may soon reach that have no data.
    pub missing: Vec<i32>,
}

/// A year's holidays (放假) and 调休 working days (上班).
#[utoipa::path(get, path = "/api/calendar", params(YearQuery), responses((status = 200, body = CalendarYear)))]
pub async fn year(
    State(state): State<AppState>,
    _user: User,
    Query(q): Query<YearQuery>,
) -> ApiResult<CalendarYear> {
    let today = crate::db::today();
    let year = q
        .year
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or(today.year());
    let cal = store::load(&state.db).await?;
    Ok(Json(CalendarYear {
        year,
        known: cal.knows_year(year),
        days: store::days_of(&state.db, year).await?,
        missing: store::missing_soon(&state.db, today).await?,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct DayInput {
    /// YYYY-MM-DD
    pub day: String,
    /// holiday (放假) / workday (调休上班)
    pub kind: String,
    #[serde(default)]
    pub name: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct DaysInput {
    pub days: Vec<DayInput>,
    /// The notice the dates come from.
    #[serde(default)]
    pub source: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Written {
    pub days: usize,
}

/// Lists days (replacing what was listed on them); their years count as known. Street administrator only.
#[utoipa::path(put, path = "/api/calendar", request_body = DaysInput, responses((status = 200, body = Written), (status = 403), (status = 422)))]
pub async fn put_days(
    State(state): State<AppState>,
    user: User,
    Json(input): Json<DaysInput>,
) -> ApiResult<Written> {
    let mut days = Vec::new();
    for (i, d) in input.days.iter().enumerate() {
        let day = validate::parse_date(&d.day).ok_or_else(|| {
            Error::invalid("日期", format!("第{}项:日期“{}”格式不正确", i + 1, d.day))
        })?;
        let kind = DayKind::from_code(&d.kind).ok_or_else(|| {
            Error::invalid("类型", format!("第{}项:类型应为 holiday 或 workday", i + 1))
        })?;
        days.push((day, kind, d.name.clone()));
    }
    let source = if input.source.trim().is_empty() {
        "接口录入".to_string()
    } else {
        input.source.trim().chars().take(100).collect()
    };
    let n = store::put_days(&state.db, &user.actor, &days, &source).await?;
    Ok(Json(Written { days: n }))
}

/// Removes a listed day (it then counts by its weekday). Street administrator only.
#[utoipa::path(delete, path = "/api/calendar/days/{day}", params(("day" = String, Path)), responses((status = 200, body = Written), (status = 403), (status = 404)))]
pub async fn remove_day(
    State(state): State<AppState>,
    user: User,
    Path(day): Path<String>,
) -> Result<Json<Written>, ApiError> {
    let day = validate::parse_date(&day).ok_or_else(|| Error::invalid("日期", "日期格式不正确"))?;
    store::remove_day(&state.db, &user.actor, day).await?;
    Ok(Json(Written { days: 1 }))
}
