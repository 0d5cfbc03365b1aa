//! Device health: the last time a device was heard from (heartbeat or event), its battery and signal, and
//! the time its next message is due (`due_by` = last seen + its kind's heartbeat interval). A device past
//! `due_by` is silent: it shows on the grid worker's 工作台 and the dashboard until it is heard from again.

use chrono::{Duration, NaiveDateTime};
use serde::Serialize;

use crate::accounts::Actor;
use crate::cases::fmt_ts;
use crate::cases::todo::{Todos, SHOWN};
use crate::db::Db;
use crate::error::Result;

/// A kind's heartbeat interval in minutes (60 for a kind not configured).
pub async fn interval(db: &Db, kind: &str) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT heartbeat_minutes FROM device_kinds WHERE kind = $1")
            .bind(kind)
            .fetch_optional(&db.pool)
            .await?
            .unwrap_or(60),
    )
}

/// Records that a device was heard from at `seen` (UTC); battery and signal when the message carried them.
/// A message older than the last one seen (a late MQTT delivery) does not move `last_seen_at` back.
pub async fn touch(
    db: &Db,
    device: i64,
    battery: Option<i64>,
    signal: Option<i64>,
    seen: NaiveDateTime,
) -> Result<()> {
    let minutes: i64 = sqlx::query_scalar(
        "SELECT k.heartbeat_minutes FROM devices d JOIN device_kinds k ON k.kind = d.kind WHERE d.id = $1",
    )
    .bind(device)
    .fetch_optional(&db.pool)
    .await?
    .unwrap_or(60);
    touch_with(&db.pool, device, minutes, battery, signal, seen).await
}

/// [`touch`] when the kind's interval is known (the intake reads it with the device): one statement, on
/// the pool or inside the caller's transaction.
pub(crate) async fn touch_with<'c, E: sqlx::Executor<'c, Database = sqlx::Any>>(
    exec: E,
    device: i64,
    minutes: i64,
    battery: Option<i64>,
    signal: Option<i64>,
    seen: NaiveDateTime,
) -> Result<()> {
    let seen_s = fmt_ts(seen);
    let due = fmt_ts(seen + Duration::minutes(minutes));
    sqlx::query(
        "UPDATE devices SET last_seen_at = $1, due_by = $2, battery = COALESCE($3, battery), \
         signal_dbm = COALESCE($4, signal_dbm) \
         WHERE id = $5 AND (last_seen_at IS NULL OR last_seen_at <= $1)",
    )
    .bind(&seen_s)
    .bind(&due)
    .bind(battery)
    .bind(signal)
    .bind(device)
    .execute(exec)
    .await?;
    Ok(())
}

/// A silent device as the 工作台 lists it.
#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Silent {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub place: String,
    pub grid_name: String,
    pub last_seen_at: Option<String>,
    pub due_by: Option<String>,
    pub battery: Option<i64>,
}

/// Active devices of the actor's scope past their heartbeat, longest silent first: the first [`SHOWN`] and
/// the count of all.
pub async fn silent(db: &Db, actor: &Actor) -> Result<Todos<Silent>> {
    let now = crate::db::now();
    let cond = format!(
        "d.archived = 0 AND d.due_by < $1 AND {}",
        actor.scope.sql("d")
    );
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM devices d WHERE {cond}"))
        .bind(&now)
        .fetch_one(&db.pool)
        .await?;
    let items = sqlx::query_as::<_, Silent>(&format!(
        "SELECT d.id, d.code, d.name, d.kind, l.name AS place, g.name AS grid_name, d.last_seen_at, \
         d.due_by, d.battery FROM devices d JOIN nodes l ON l.id = d.location_node_id \
         JOIN nodes g ON g.id = d.grid_id WHERE {cond} ORDER BY d.due_by, d.id LIMIT {SHOWN}"
    ))
    .bind(&now)
    .fetch_all(&db.pool)
    .await?;
    Ok(Todos { total, items })
}

/// A device's refusals, by reason, summed over days (signed ones logged in `device_events` and unsigned
/// ones counted in `device_refusals`).
pub async fn refusals(db: &Db, device: i64) -> Result<Vec<(String, i64)>> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT reason, CAST(SUM(n) AS BIGINT) FROM (\
           SELECT reason, count AS n FROM device_refusals WHERE device_id = $1 \
           UNION ALL SELECT reason, 1 AS n FROM device_events WHERE device_id = $1 AND accepted = 0) r \
         GROUP BY reason ORDER BY reason",
    )
    .bind(device)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows)
}
