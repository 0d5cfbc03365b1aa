//! 工作日历: the listed holidays and 调休 working days of a year, which deadlines count on. Everyone may read
//! it; the street administrator adds or removes a day, confirms a year, or imports a year from .ics/.xlsx.

use axum::extract::{DefaultBodyLimit, Multipart, Query, State};
use axum::response::{Html, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::Datelike;
use minijinja::context;
use serde::Deserialize;

use crate::calendar::{import, store, DayKind};
use crate::error::Error;
use crate::registry::validate;
use crate::web::error::{html_escape, PageError};
use crate::web::session::User;
use crate::web::templates::render;
use crate::web::{upload, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/calendar", get(page))
        .route("/calendar/days", post(add_day))
        .route("/calendar/days/remove", post(remove_day))
        .route("/calendar/confirm", post(confirm))
        .route(
            "/calendar/import",
            post(import_file).layer(DefaultBodyLimit::max(upload::BODY_LIMIT)),
        )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct YearQuery {
    year: Option<i32>,
}

async fn page(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<YearQuery>,
) -> Result<Html<String>, PageError> {
    let today = crate::db::today();
    let year = q
        .year
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or(today.year());
    let cal = store::load(&state.db).await?;
    let days = store::days_of(&state.db, year).await?;
    let known: Vec<i32> = cal.years().collect();
    render(
        &state.templates,
        "calendar.html",
        Some(&user),
        &user.actor.lang,
        context! { year, days, known => cal.knows_year(year), years => known, is_admin => user.actor.role.is_admin(),
        missing => store::missing_soon(&state.db, today).await? },
    )
}

#[derive(Deserialize)]
struct DayForm {
    day: String,
    kind: String,
    #[serde(default)]
    name: String,
}

async fn add_day(
    State(state): State<AppState>,
    user: User,
    Form(f): Form<DayForm>,
) -> Result<Redirect, PageError> {
    let day =
        validate::parse_date(&f.day).ok_or_else(|| Error::invalid("日期", "日期格式不正确"))?;
    let kind = DayKind::from_code(&f.kind)
        .ok_or_else(|| Error::invalid("类型", "类型应为放假或调休上班"))?;
    store::add_day(&state.db, &user.actor, (day, kind, f.name)).await?;
    Ok(Redirect::to(&format!("/calendar?year={}", day.year())))
}

#[derive(Deserialize)]
struct RemoveForm {
    day: String,
}

async fn remove_day(
    State(state): State<AppState>,
    user: User,
    Form(f): Form<RemoveForm>,
) -> Result<Redirect, PageError> {
    let day =
        validate::parse_date(&f.day).ok_or_else(|| Error::invalid("日期", "日期格式不正确"))?;
    store::remove_day(&state.db, &user.actor, day).await?;
    Ok(Redirect::to(&format!("/calendar?year={}", day.year())))
}

#[derive(Deserialize)]
struct ConfirmForm {
    year: i32,
    #[serde(default)]
    source: String,
}

async fn confirm(
    State(state): State<AppState>,
    user: User,
    Form(f): Form<ConfirmForm>,
) -> Result<Redirect, PageError> {
    let source = if f.source.trim().is_empty() {
        "手工确认".to_string()
    } else {
        f.source.trim().chars().take(100).collect()
    };
    store::confirm_year(&state.db, &user.actor, f.year, &source).await?;
    Ok(Redirect::to(&format!("/calendar?year={}", f.year)))
}

/// An htmx upload: answers a line saying what was imported (or the error).
async fn import_file(
    State(state): State<AppState>,
    user: User,
    m: Multipart,
) -> Result<Html<String>, PageError> {
    if !user.actor.role.is_admin() {
        return Err(Error::Forbidden("只有街道管理员可以修改工作日历".into()).into());
    }
    let (_, file) = upload::read(m).await?;
    if file.bytes.is_empty() {
        return Err(Error::invalid("文件", "请选择文件").into());
    }
    let days = import::parse(&file.filename, &file.bytes)?;
    let source = format!(
        "导入:{}",
        file.filename.chars().take(80).collect::<String>()
    );
    let n = store::put_days(&state.db, &user.actor, &days, &source).await?;
    let mut years: Vec<i32> = days.iter().map(|(d, _, _)| d.year()).collect();
    years.dedup();
    Ok(Html(format!(
        "<p id=\"calendar-imported\" class=\"ok\">已导入 {n} 天({})。<a href=\"/calendar?year={}\">查看</a></p>",
        html_escape(&years.iter().map(|y| y.to_string()).collect::<Vec<_>>().join("、")),
        years.first().copied().unwrap_or(0)
    )))
}
