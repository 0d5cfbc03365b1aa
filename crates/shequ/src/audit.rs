//! The audit log: every write (with the record before and after) and every read of sensitive or unmasked
//! personal data. Entries are written inside the transaction of the action they describe, so an action and
//! its entry commit or roll back together.

use serde::Serialize;
use serde_json::Value;
use sqlx::{Any, Executor};

use crate::accounts::Actor;
use crate::db::{self, Db};
use crate::error::Result;

/// Appends one entry.
pub async fn record<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: Option<i64>,
    before: Option<&Value>,
    after: Option<&Value>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, user_id, username, action, entity, entity_id, before_json, after_json) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(db::now())
    .bind(if actor.user_id == 0 { None } else { Some(actor.user_id) })
    .bind(&actor.username)
    .bind(action)
    .bind(entity)
    .bind(entity_id)
    .bind(before.map(|v| v.to_string()))
    .bind(after.map(|v| v.to_string()))
    .execute(exec)
    .await?;
    Ok(())
}

/// Archives one row of a table with `archived` and `updated_at` (nothing in shequ is deleted) and records
/// it, inside the caller's transaction so that any follow-up work commits with it.
/// `was` is the row's `archived` value before, as the entry records it.
pub async fn archive_row(
    tx: &mut crate::db::Tx<'_>,
    actor: &Actor,
    table: &str,
    entity: &str,
    id: i64,
    was: i64,
) -> Result<()> {
    sqlx::query(&format!(
        "UPDATE {table} SET archived = 1, updated_at = $1 WHERE id = $2"
    ))
    .bind(db::now())
    .bind(id)
    .execute(&mut **tx)
    .await?;
    record(
        &mut **tx,
        actor,
        "archive",
        entity,
        Some(id),
        Some(&serde_json::json!({"archived": was})),
        Some(&serde_json::json!({"archived": 1})),
    )
    .await
}

#[derive(Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Entry {
    pub id: i64,
    pub at: String,
    pub username: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
}

/// The history of one record, newest first.
pub async fn history(db: &Db, entity: &str, entity_id: i64) -> Result<Vec<Entry>> {
    Ok(sqlx::query_as::<_, Entry>(
        "SELECT id, at, username, action, entity, entity_id, before_json, after_json FROM audit_log \
         WHERE entity = $1 AND entity_id = $2 ORDER BY id DESC",
    )
    .bind(entity)
    .bind(entity_id)
    .fetch_all(&db.pool)
    .await?)
}

/// Entries of any entity whose JSON mentions a person (tags, events), newest first.
pub async fn person_history(db: &Db, person_id: i64) -> Result<Vec<Entry>> {
    Ok(sqlx::query_as::<_, Entry>(
        "SELECT id, at, username, action, entity, entity_id, before_json, after_json FROM audit_log \
         WHERE (entity = 'person' AND entity_id = $1) \
            OR (entity IN ('person_tag', 'person_event') AND (after_json LIKE $2 OR before_json LIKE $2)) \
         ORDER BY id DESC LIMIT 500",
    )
    .bind(person_id)
    .bind(format!("%\"person_id\":{person_id},%"))
    .fetch_all(&db.pool)
    .await?)
}
