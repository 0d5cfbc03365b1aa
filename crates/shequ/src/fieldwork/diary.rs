//! 民情日记: a worker's day assembled from what they recorded — home visits, case work (every step of the
//! loop they took), patrols they recorded or were on duty for, hazards they found — with a free note per day.
//! A worker reads and writes their own diary; a community head or street administrator reads the diaries of
//! the workers of their street. Every item is filtered by the reader's scope.

use chrono::{Duration, NaiveDate};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use super::patrols::{PatrolLog, LOG_SELECT};
use super::visits::{self, Visit};
use crate::accounts::{Actor, Role};
use crate::audit;
use crate::cases::hazards::{self, Hazard};
use crate::cases::{fmt_ts, now_utc, stats, text};
use crate::db::Db;
use crate::error::{Error, Result};

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CaseWork {
    pub case_id: i64,
    pub number: String,
    pub title: String,
    /// The step: create / accept / dispatch / handle / verify / close …
    pub kind: String,
    pub note: Option<String>,
    /// UTC
    pub at: String,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Diary {
    pub user_id: i64,
    pub user_name: String,
    pub day: String,
    /// The worker's own words for the day ('' when none).
    pub note: String,
    pub visits: Vec<Visit>,
    pub cases: Vec<CaseWork>,
    pub patrols: Vec<PatrolLog>,
    pub hazards: Vec<Hazard>,
}

/// Whose diary the actor may read: their own, or (heads, administrators) a worker of their street.
async fn subject(db: &Db, actor: &Actor, user_id: Option<i64>) -> Result<(i64, String)> {
    let id = user_id.unwrap_or(actor.user_id);
    if id == actor.user_id {
        return Ok((id, actor.display_name.clone()));
    }
    if !matches!(actor.role, Role::StreetAdmin | Role::CommunityHead) {
        return Err(Error::NotFound);
    }
    let row = sqlx::query(
        "SELECT display_name FROM users WHERE id = $1 AND street_id = $2 AND archived = 0",
    )
    .bind(id)
    .bind(actor.scope.street().unwrap_or(-1))
    .fetch_optional(&db.pool)
    .await?
    .ok_or(Error::NotFound)?;
    Ok((id, row.get(0)))
}

/// The diary of one day.
pub async fn day(db: &Db, actor: &Actor, user_id: Option<i64>, day: NaiveDate) -> Result<Diary> {
    let (uid, name) = subject(db, actor, user_id).await?;
    let d = day.to_string();
    let note: Option<String> =
        sqlx::query_scalar("SELECT note FROM diary_notes WHERE user_id = $1 AND day = $2")
            .bind(uid)
            .bind(&d)
            .fetch_optional(&db.pool)
            .await?;
    let visits = sqlx::query_as::<_, Visit>(&format!(
        "{} WHERE v.worker_id = $1 AND v.visited_on = $2 AND {} ORDER BY v.id",
        visits::SELECT,
        actor.scope.sql("v")
    ))
    .bind(uid)
    .bind(&d)
    .fetch_all(&db.pool)
    .await?;
    let (start, end) = stats::bounds(day, day)?;
    let cases = sqlx::query(&format!(
        "SELECT e.case_id, c.number, c.title, e.kind, e.note, e.at FROM case_events e JOIN cases c ON c.id = e.case_id \
         WHERE e.user_id = $1 AND e.at >= $2 AND e.at < $3 AND {} ORDER BY e.id",
        actor.scope.sql("c")
    ))
    .bind(uid)
    .bind(&start)
    .bind(&end)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| CaseWork {
        case_id: r.get(0),
        number: r.get(1),
        title: r.get(2),
        kind: r.get(3),
        note: r.get(4),
        at: r.get(5),
    })
    .collect();
    let patrols = sqlx::query_as::<_, PatrolLog>(&format!(
        "{LOG_SELECT} WHERE l.started_at >= $2 AND l.started_at < $3 AND {} AND (l.recorded_by = $1 OR EXISTS \
         (SELECT 1 FROM patrol_shift_members sm JOIN patrol_members m ON m.id = sm.member_id \
          WHERE sm.shift_id = l.shift_id AND m.user_id = $1)) ORDER BY l.started_at, l.id",
        actor.scope.sql("l")
    ))
    .bind(uid)
    .bind(&d)
    .bind((day + Duration::days(1)).to_string())
    .fetch_all(&db.pool)
    .await?;
    let hazards = sqlx::query_as::<_, Hazard>(&format!(
        "{} WHERE h.found_by = $1 AND h.found_on = $2 AND {} ORDER BY h.id",
        hazards::SELECT,
        actor.scope.sql("h")
    ))
    .bind(uid)
    .bind(&d)
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .map(|mut h| {
        h.state_label = hazards::state_label(&h.state).to_string();
        h
    })
    .collect();
    Ok(Diary {
        user_id: uid,
        user_name: name,
        day: d,
        note: note.unwrap_or_default(),
        visits,
        cases,
        patrols,
        hazards,
    })
}

/// Writes the actor's own note for a day (replacing the one before).
pub async fn save_note(db: &Db, actor: &Actor, day: NaiveDate, note: &str) -> Result<Diary> {
    if actor.user_id == 0 || !actor.role.can_write_registry() {
        return Err(Error::Forbidden("只有社区工作人员可以写民情日记".into()));
    }
    if day > crate::db::today() {
        return Err(Error::invalid("日期", "不能为以后的日期写日记"));
    }
    let note = text("日记", note, 10000)?;
    let d = day.to_string();
    let before: Option<String> =
        sqlx::query_scalar("SELECT note FROM diary_notes WHERE user_id = $1 AND day = $2")
            .bind(actor.user_id)
            .bind(&d)
            .fetch_optional(&db.pool)
            .await?;
    let at = fmt_ts(now_utc());
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO diary_notes (user_id, day, note, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) \
         ON CONFLICT (user_id, day) DO UPDATE SET note = excluded.note, updated_at = excluded.updated_at RETURNING id",
    )
    .bind(actor.user_id)
    .bind(&d)
    .bind(&note)
    .bind(&at)
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        actor,
        if before.is_some() { "update" } else { "create" },
        "diary_note",
        Some(id),
        before.map(|b| json!({"day": d, "note": b})).as_ref(),
        Some(&json!({"day": d, "note": note})),
    )
    .await?;
    tx.commit().await?;
    self::day(db, actor, None, day).await
}
