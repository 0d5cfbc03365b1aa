//! Residence over time: dated events (迁入, 迁出, 死亡) and the residence periods derived from them, so that the
//! population of any scope on any past date is one count: periods with `from_date <= D < to_date`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use super::households::Household;
use super::persons::{self, Person};
use super::validate;
use crate::accounts::Actor;
use crate::audit;
use crate::db::{self, Db, Tx};
use crate::error::{Error, Result};

/// The note of a 迁入 event an import recorded without a 迁入日期: its date is where the stay is counted from
/// (the import day, or the 迁出/死亡 day), not when the person moved in — exports leave it out.
pub const MOVE_IN_UNKNOWN: &str = "导入(未填写迁入日期)";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    MoveIn,
    MoveOut,
    Death,
}

impl EventKind {
    pub fn code(self) -> &'static str {
        match self {
            EventKind::MoveIn => "move_in",
            EventKind::MoveOut => "move_out",
            EventKind::Death => "death",
        }
    }
    pub fn from_code(s: &str) -> Option<EventKind> {
        [EventKind::MoveIn, EventKind::MoveOut, EventKind::Death]
            .into_iter()
            .find(|k| k.code() == s)
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            EventKind::MoveIn => "迁入",
            EventKind::MoveOut => "迁出",
            EventKind::Death => "死亡",
        }
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Event {
    pub id: i64,
    pub person_id: i64,
    pub kind: String,
    pub event_date: String,
    pub note: Option<String>,
}

pub(crate) async fn insert_event(
    tx: &mut Tx<'_>,
    person: i64,
    kind: EventKind,
    date: NaiveDate,
    note: Option<&str>,
) -> Result<i64> {
    Ok(sqlx::query("INSERT INTO person_events (person_id, kind, event_date, note, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
        .bind(person)
        .bind(kind.code())
        .bind(date.to_string())
        .bind(note)
        .bind(db::now())
        .fetch_one(&mut **tx)
        .await?
        .get(0))
}

pub(crate) async fn open_period(
    tx: &mut Tx<'_>,
    person: i64,
    from: NaiveDate,
    h: &Household,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO residence_periods (person_id, from_date, street_id, community_id, grid_id, building_id) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(person)
    .bind(from.to_string())
    .bind(h.street_id)
    .bind(h.community_id)
    .bind(h.grid_id)
    .bind(h.building_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn close_period(tx: &mut Tx<'_>, person: i64, to: NaiveDate) -> Result<()> {
    sqlx::query(
        "UPDATE residence_periods SET to_date = $1 WHERE person_id = $2 AND to_date IS NULL",
    )
    .bind(to.to_string())
    .bind(person)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A move inside the registry (new household): the old period ends and a new one starts on `date`.
pub(crate) async fn relocate(
    tx: &mut Tx<'_>,
    person: i64,
    date: NaiveDate,
    h: &Household,
) -> Result<()> {
    close_period(tx, person, date).await?;
    open_period(tx, person, date, h).await
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct EventInput {
    /// move_in, move_out or death
    pub kind: String,
    /// The date of the event, e.g. 2024-03-01.
    pub date: String,
    pub note: String,
}

/// Records a dated event and updates the person's status and residence periods.
pub async fn add_event(
    db: &Db,
    actor: &Actor,
    person_id: i64,
    input: &EventInput,
) -> Result<Person> {
    actor.require_write()?;
    let p = persons::get(db, actor, person_id).await?;
    let kind = EventKind::from_code(input.kind.trim())
        .ok_or_else(|| Error::invalid("事件类型", "事件类型只能是迁入、迁出或死亡"))?;
    let date = validate::past_date("日期", &input.date, db::today(), true)?.expect("required");
    if p.birth_date
        .as_deref()
        .is_some_and(|b| date.to_string().as_str() < b)
    {
        return Err(Error::invalid("日期", "日期不能早于出生日期"));
    }
    let note = validate::text("说明", &input.note, 500)?;
    let last_change: Option<String> = sqlx::query(
        "SELECT MAX(COALESCE(to_date, from_date)) FROM residence_periods WHERE person_id = $1",
    )
    .bind(person_id)
    .fetch_one(&db.pool)
    .await?
    .get(0);
    if last_change
        .as_deref()
        .is_some_and(|l| date.to_string().as_str() < l)
    {
        return Err(Error::invalid(
            "日期",
            format!(
                "日期不能早于上一次变动日期{}",
                last_change.unwrap_or_default()
            ),
        ));
    }
    let new_status = match (kind, p.status.as_str()) {
        (_, "死亡") => return Err(Error::invalid("事件类型", "该人员已登记死亡")),
        (EventKind::MoveIn, "在住") => {
            return Err(Error::invalid("事件类型", "该人员已在住,不能重复迁入"))
        }
        (EventKind::MoveOut | EventKind::Death, s) if s != "在住" => {
            return Err(Error::invalid(
                "事件类型",
                format!("该人员当前状态为{s},不能登记{}", kind.label_zh()),
            ))
        }
        (EventKind::MoveIn, _) => "在住",
        (EventKind::MoveOut, _) => "迁出",
        (EventKind::Death, _) => "死亡",
    };
    let mut tx = db.begin().await?;
    match kind {
        EventKind::MoveIn => {
            let h = super::households::get(db, actor, p.household_id.unwrap_or(0)).await?;
            open_period(&mut tx, person_id, date, &h).await?;
        }
        EventKind::MoveOut | EventKind::Death => close_period(&mut tx, person_id, date).await?,
    }
    sqlx::query("UPDATE persons SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(new_status)
        .bind(db::now())
        .bind(person_id)
        .execute(&mut *tx)
        .await?;
    let event_id = insert_event(&mut tx, person_id, kind, date, note.as_deref()).await?;
    let after = json!({"person_id": person_id, "kind": kind.code(), "date": date.to_string(), "status": new_status, "note": note});
    audit::record(
        &mut *tx,
        actor,
        "create",
        "person_event",
        Some(event_id),
        Some(&json!({"person_id": person_id, "status": p.status})),
        Some(&after),
    )
    .await?;
    let person = persons::fetch(&mut tx, person_id).await?;
    tx.commit().await?;
    Ok(person)
}

pub async fn events(db: &Db, actor: &Actor, person_id: i64) -> Result<Vec<Event>> {
    persons::get(db, actor, person_id).await?;
    Ok(sqlx::query_as::<_, Event>("SELECT id, person_id, kind, event_date, note FROM person_events WHERE person_id = $1 ORDER BY event_date, id")
        .bind(person_id)
        .fetch_all(&db.pool)
        .await?)
}

/// The number of people living in the actor's scope on `date`.
pub async fn count_on(db: &Db, actor: &Actor, date: NaiveDate) -> Result<i64> {
    let sql = format!(
        "SELECT COUNT(*) FROM residence_periods WHERE from_date <= $1 AND (to_date IS NULL OR to_date > $1) AND {}",
        actor.scope.sql("")
    );
    Ok(sqlx::query(&sql)
        .bind(date.to_string())
        .fetch_one(&db.pool)
        .await?
        .get(0))
}
