//! The calendar as stored: `calendar_days` (listed days) and `calendar_years` (years with data). Seeded with
//! the State Council notices for 2020–2026 (data/holidays_cn.csv), editable by the street administrator,
//! read through a short-lived cache so that every deadline does not read the table again.

use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use serde_json::json;
use sqlx::Row;

use super::{Calendar, DayKind};
use crate::accounts::Actor;
use crate::audit;
use crate::db::{self, Db};
use crate::error::{Error, Result};

/// The published holidays and 调休 working days, as data (see the file's header for its source).
const BUILTIN: &str = include_str!("../../data/holidays_cn.csv");
const BUILTIN_SOURCE: &str = "国务院办公厅节假日安排通知(2020–2026)";

/// The built-in days (date, kind, name) and the years they cover.
pub fn builtin_days() -> (Vec<(NaiveDate, DayKind, String)>, Vec<i32>) {
    let mut days = Vec::new();
    for line in BUILTIN.lines() {
        if line.starts_with('#') || line.starts_with("date,") || line.trim().is_empty() {
            continue;
        }
        let mut f = line.split(',');
        let (Some(d), Some(k), name) = (f.next(), f.next(), f.next().unwrap_or("")) else {
            continue;
        };
        if let (Ok(d), Some(k)) = (
            NaiveDate::parse_from_str(d, "%Y-%m-%d"),
            DayKind::from_code(k),
        ) {
            days.push((d, k, name.to_string()));
        }
    }
    let mut years: Vec<i32> = days.iter().map(|(d, _, _)| d.year()).collect();
    years.sort();
    years.dedup();
    (days, years)
}

/// Writes the built-in days of every built-in year the database does not know yet (run at connect).
pub async fn seed(db: &Db) -> Result<()> {
    let known: Vec<i64> = sqlx::query("SELECT year FROM calendar_years")
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let (days, years) = builtin_days();
    let new_years: Vec<i32> = years
        .into_iter()
        .filter(|y| !known.contains(&(*y as i64)))
        .collect();
    if new_years.is_empty() {
        return Ok(());
    }
    let at = db::now();
    let mut tx = db.begin().await?;
    let rows: Vec<_> = days
        .iter()
        .filter(|(d, _, _)| new_years.contains(&d.year()))
        .collect();
    for chunk in rows.chunks(100) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                format!(
                    "(${}, ${}, ${}, ${}, ${})",
                    i * 5 + 1,
                    i * 5 + 2,
                    i * 5 + 3,
                    i * 5 + 4,
                    i * 5 + 5
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES {} ON CONFLICT (day) DO NOTHING",
            values.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for (d, k, name) in chunk {
            q = q
                .bind(d.to_string())
                .bind(k.code())
                .bind(name.clone())
                .bind(BUILTIN_SOURCE)
                .bind(at.clone());
        }
        q.execute(&mut *tx).await?;
    }
    for y in &new_years {
        sqlx::query("INSERT INTO calendar_years (year, source, loaded_at) VALUES ($1, $2, $3) ON CONFLICT (year) DO NOTHING")
            .bind(*y as i64)
            .bind(BUILTIN_SOURCE)
            .bind(&at)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    db.lists.clear();
    Ok(())
}

/// The calendar (cached for a few seconds; edits clear the cache).
pub async fn load(db: &Db) -> Result<Arc<Calendar>> {
    if let Some(c) = db.lists.get::<Calendar>("calendar") {
        return Ok(c);
    }
    let generation = db.lists.generation();
    let days = sqlx::query("SELECT day, kind FROM calendar_days")
        .fetch_all(&db.pool)
        .await?
        .into_iter()
        .filter_map(|r| {
            let d: String = r.get(0);
            let k: String = r.get(1);
            Some((
                NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()?,
                DayKind::from_code(&k)?,
            ))
        });
    let years: Vec<i32> = sqlx::query("SELECT year FROM calendar_years")
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| r.get::<i64, _>(0) as i32)
        .collect();
    let cal = Arc::new(Calendar::new(days, years));
    db.lists.put("calendar".into(), generation, cal.clone());
    Ok(cal)
}

/// One listed day as the calendar page shows it.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Day {
    pub day: String,
    /// holiday / workday
    pub kind: String,
    pub kind_label: String,
    pub name: String,
    pub source: String,
}

/// The listed days of a year.
pub async fn days_of(db: &Db, year: i32) -> Result<Vec<Day>> {
    Ok(sqlx::query(
        "SELECT day, kind, name, source FROM calendar_days WHERE day >= $1 AND day <= $2 ORDER BY day",
    )
    .bind(format!("{year:04}-01-01"))
    .bind(format!("{year:04}-12-31"))
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .map(|r| {
        let kind: String = r.get(1);
        Day {
            day: r.get(0),
            kind_label: DayKind::from_code(&kind).map(|k| k.label_zh()).unwrap_or("").into(),
            kind,
            name: r.get(2),
            source: r.get(3),
        }
    })
    .collect())
}

fn require_admin(actor: &Actor) -> Result<()> {
    if actor.role.is_admin() {
        Ok(())
    } else {
        Err(Error::Forbidden("只有街道管理员可以修改工作日历".into()))
    }
}

/// Lists days (replacing what was listed on them) and marks their years as known, in one transaction.
/// `source` names where the dates come from (a notice, a file).
pub async fn put_days(
    db: &Db,
    actor: &Actor,
    days: &[(NaiveDate, DayKind, String)],
    source: &str,
) -> Result<usize> {
    write_days(db, actor, days, source, true).await
}

/// Lists one day by hand: its year counts as known only once the administrator confirms it
/// ([`confirm_year`]) or imports it — one day is not a year's calendar.
pub async fn add_day(db: &Db, actor: &Actor, day: (NaiveDate, DayKind, String)) -> Result<usize> {
    write_days(db, actor, &[day], "手工录入", false).await
}

async fn write_days(
    db: &Db,
    actor: &Actor,
    days: &[(NaiveDate, DayKind, String)],
    source: &str,
    mark_years: bool,
) -> Result<usize> {
    require_admin(actor)?;
    if days.is_empty() {
        return Err(Error::invalid("日期", "没有可导入的日期"));
    }
    let at = db::now();
    let mut tx = db.begin().await?;
    for (d, k, name) in days {
        let name: String = name.trim().chars().take(50).collect();
        sqlx::query("DELETE FROM calendar_days WHERE day = $1")
            .bind(d.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO calendar_days (day, kind, name, source, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(d.to_string())
        .bind(k.code())
        .bind(&name)
        .bind(source)
        .bind(&actor.username)
        .bind(&at)
        .execute(&mut *tx)
        .await?;
    }
    let mut years: Vec<i32> = days.iter().map(|(d, _, _)| d.year()).collect();
    years.sort();
    years.dedup();
    for y in years.iter().filter(|_| mark_years) {
        sqlx::query("DELETE FROM calendar_years WHERE year = $1")
            .bind(*y as i64)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO calendar_years (year, source, loaded_at) VALUES ($1, $2, $3)")
            .bind(*y as i64)
            .bind(source)
            .bind(&at)
            .execute(&mut *tx)
            .await?;
    }
    audit::record(
        &mut *tx,
        actor,
        "calendar_put",
        "calendar",
        None,
        None,
        Some(&json!({"source": source, "years": years, "days": days.iter().map(|(d, k, n)| json!([d.to_string(), k.code(), n])).collect::<Vec<_>>()})),
    )
    .await?;
    tx.commit().await?;
    db.lists.clear();
    Ok(days.len())
}

/// Removes a listed day (it then counts by its weekday).
pub async fn remove_day(db: &Db, actor: &Actor, day: NaiveDate) -> Result<()> {
    require_admin(actor)?;
    let mut tx = db.begin().await?;
    let before = sqlx::query("SELECT kind, name FROM calendar_days WHERE day = $1")
        .bind(day.to_string())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(Error::NotFound)?;
    let (kind, name): (String, String) = (before.get(0), before.get(1));
    sqlx::query("DELETE FROM calendar_days WHERE day = $1")
        .bind(day.to_string())
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut *tx,
        actor,
        "calendar_remove",
        "calendar",
        None,
        Some(&json!({"day": day.to_string(), "kind": kind, "name": name})),
        None,
    )
    .await?;
    tx.commit().await?;
    db.lists.clear();
    Ok(())
}

/// Declares a year's calendar complete as listed (a year whose notice moves no weekend, say).
pub async fn confirm_year(db: &Db, actor: &Actor, year: i32, source: &str) -> Result<()> {
    require_admin(actor)?;
    if !(2000..=2100).contains(&year) {
        return Err(Error::invalid("年份", "年份应在2000至2100之间"));
    }
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM calendar_years WHERE year = $1")
        .bind(year as i64)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO calendar_years (year, source, loaded_at) VALUES ($1, $2, $3)")
        .bind(year as i64)
        .bind(source)
        .bind(db::now())
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut *tx,
        actor,
        "calendar_year",
        "calendar",
        None,
        None,
        Some(&json!({"year": year, "source": source})),
    )
    .await?;
    tx.commit().await?;
    db.lists.clear();
    Ok(())
}

/// The years around today that deadlines may reach but the calendar has no data for: this year, and next
/// year from November on (a 15-working-day limit started in December ends in January).
pub async fn missing_soon(db: &Db, today: NaiveDate) -> Result<Vec<i32>> {
    let cal = load(db).await?;
    let mut years = vec![today.year()];
    if today.month() >= 11 {
        years.push(today.year() + 1);
    }
    Ok(cal.missing_years(years))
}
