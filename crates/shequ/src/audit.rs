//! The audit log: every write (with the record before and after) and every read of sensitive or unmasked
//! personal data. Entries are written inside the transaction of the action they describe, so an action and
//! its entry commit or roll back together.

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::{Acquire, Any, AnyConnection, Row};

use crate::accounts::Actor;
use crate::db::{self, Db};
use crate::error::Result;

/// The "previous hash" of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The PostgreSQL advisory lock that serializes appends (any constant; "SHEQAUDT").
const CHAIN_LOCK: i64 = 0x5348_4551_4155_4454;

/// The hash of an entry: SHA-256 over a JSON array of the previous entry's hash and every stored column
/// but the id (the text of `before_json`/`after_json` exactly as stored), hex.
#[allow(clippy::too_many_arguments)]
pub fn link_hash(
    prev: &str,
    at: &str,
    user_id: Option<i64>,
    username: &str,
    action: &str,
    entity: &str,
    entity_id: Option<i64>,
    before: Option<&str>,
    after: Option<&str>,
) -> String {
    let canon =
        serde_json::json!([prev, at, user_id, username, action, entity, entity_id, before, after])
            .to_string();
    hex::encode(Sha256::digest(canon.as_bytes()))
}

/// Takes the append lock: on PostgreSQL an advisory lock held to the end of the transaction, so entries are
/// appended (and their ids drawn) one transaction at a time; on SQLite the caller's first write already holds
/// the database's single write lock.
async fn lock(conn: &mut AnyConnection) -> Result<()> {
    if conn.backend_name() == "PostgreSQL" {
        sqlx::query("SELECT 1 FROM (SELECT pg_advisory_xact_lock($1)) l")
            .bind(CHAIN_LOCK)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The hash of the entry before `id` (the last entry when `id` is None), or [`GENESIS`].
async fn prev_hash(conn: &mut AnyConnection, before_id: Option<i64>) -> Result<String> {
    let row = sqlx::query("SELECT hash FROM audit_log WHERE id < $1 ORDER BY id DESC LIMIT 1")
        .bind(before_id.unwrap_or(i64::MAX))
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row
        .and_then(|r| r.get::<Option<String>, _>(0))
        .unwrap_or_else(|| GENESIS.to_string()))
}

/// Appends one entry, chained to the one before. `exec` is the caller's transaction (`&mut *tx`) or the pool
/// (`&db.pool`); the entry is written in a transaction (a savepoint inside the caller's) that first writes
/// the row — which on SQLite takes the write lock — then links it to its predecessor, so that concurrent
/// writers cannot both link to the same entry.
pub async fn record<'c, A: Acquire<'c, Database = Any>>(
    exec: A,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: Option<i64>,
    before: Option<&Value>,
    after: Option<&Value>,
) -> Result<()> {
    let mut tx = exec.begin().await?;
    lock(&mut tx).await?;
    let at = db::now();
    let user_id = if actor.user_id == 0 {
        None
    } else {
        Some(actor.user_id)
    };
    let before = before.map(|v| v.to_string());
    let after = after.map(|v| v.to_string());
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO audit_log (at, user_id, username, action, entity, entity_id, before_json, after_json) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(&at)
    .bind(user_id)
    .bind(&actor.username)
    .bind(action)
    .bind(entity)
    .bind(entity_id)
    .bind(&before)
    .bind(&after)
    .fetch_one(&mut *tx)
    .await?;
    let prev = prev_hash(&mut tx, Some(id)).await?;
    let hash = link_hash(
        &prev,
        &at,
        user_id,
        &actor.username,
        action,
        entity,
        entity_id,
        before.as_deref(),
        after.as_deref(),
    );
    sqlx::query("UPDATE audit_log SET hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

fn text(v: &crate::db::bulk::V) -> Option<&str> {
    match v {
        crate::db::bulk::V::S(s) => Some(s),
        _ => None,
    }
}

fn int(v: &crate::db::bulk::V) -> Option<i64> {
    match v {
        crate::db::bulk::V::I(i) => Some(*i),
        _ => None,
    }
}

/// Fills the `hash` column of buffered audit rows (columns at, user_id, username, action, entity,
/// entity_id, before_json, after_json, hash) about to be written in bulk on `conn`, chained to the last
/// entry. Called inside the writer's transaction after it has written other rows (on SQLite it holds the
/// write lock); on PostgreSQL it takes the append lock, which the transaction then holds to its end.
pub async fn chain_rows(
    conn: &mut AnyConnection,
    table: &mut crate::db::bulk::Table,
) -> Result<()> {
    if table.is_empty() {
        return Ok(());
    }
    lock(conn).await?;
    let mut prev = prev_hash(conn, None).await?;
    for row in table.rows_mut() {
        prev = link_hash(
            &prev,
            text(&row[0]).unwrap_or(""),
            int(&row[1]),
            text(&row[2]).unwrap_or(""),
            text(&row[3]).unwrap_or(""),
            text(&row[4]).unwrap_or(""),
            int(&row[5]),
            text(&row[6]),
            text(&row[7]),
        );
        row[8] = crate::db::bulk::V::S(prev.clone());
    }
    Ok(())
}

/// Where the chain breaks.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Broken {
    /// The first entry whose stored hash does not match its content and its predecessor.
    pub id: i64,
    pub at: String,
    /// What is wrong, in Chinese.
    pub reason: String,
}

/// The result of checking the whole chain.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Verification {
    /// Entries checked (up to and including the first broken one).
    pub entries: i64,
    /// The last entry's hash: keep it somewhere else (a printout, another system) to tell later that the
    /// log was not rewritten as a whole.
    pub head: Option<String>,
    pub broken: Option<Broken>,
}

/// Walks the log in id order, 5,000 entries a query, and reports the first entry whose hash is missing or
/// does not match (an entry changed, or one before it removed or inserted).
pub async fn verify(db: &Db) -> Result<Verification> {
    let mut prev = GENESIS.to_string();
    let mut last_id = i64::MIN;
    let mut entries = 0;
    loop {
        let rows = sqlx::query(
            "SELECT id, at, user_id, username, action, entity, entity_id, before_json, after_json, hash \
             FROM audit_log WHERE id > $1 ORDER BY id LIMIT 5000",
        )
        .bind(last_id)
        .fetch_all(&db.pool)
        .await?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            let id: i64 = r.get(0);
            let at: String = r.get(1);
            entries += 1;
            let stored: Option<String> = r.get(9);
            let want = link_hash(
                &prev,
                &at,
                r.get(2),
                &r.get::<String, _>(3),
                &r.get::<String, _>(4),
                &r.get::<String, _>(5),
                r.get(6),
                r.get::<Option<String>, _>(7).as_deref(),
                r.get::<Option<String>, _>(8).as_deref(),
            );
            let reason = match &stored {
                None => Some("缺少校验值"),
                Some(h) if *h != want => {
                    Some("内容或顺序与校验值不符(本条被修改,或其前一条被删除、插入)")
                }
                _ => None,
            };
            if let Some(reason) = reason {
                return Ok(Verification {
                    entries,
                    head: None,
                    broken: Some(Broken {
                        id,
                        at,
                        reason: reason.into(),
                    }),
                });
            }
            prev = want;
            last_id = id;
        }
    }
    Ok(Verification {
        entries,
        head: (entries > 0).then_some(prev),
        broken: None,
    })
}

/// [`verify`] for a street administrator (the check names entries by id and time only).
pub async fn verify_as(db: &Db, actor: &Actor) -> Result<Verification> {
    if !actor.role.is_admin() {
        return Err(crate::error::Error::Forbidden(
            "只有街道管理员可以校验审计日志".into(),
        ));
    }
    verify(db).await
}

/// Chains the entries written before the chain existed: when the first entry has no hash, every entry
/// without one is linked in id order. Runs at start-up, after the migrations.
pub async fn seal_legacy(db: &Db) -> Result<()> {
    let first = sqlx::query("SELECT hash FROM audit_log ORDER BY id LIMIT 1")
        .fetch_optional(&db.pool)
        .await?;
    let Some(first) = first else { return Ok(()) };
    if first.get::<Option<String>, _>(0).is_some() {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    lock(&mut tx).await?;
    let mut prev = GENESIS.to_string();
    let mut last_id = i64::MIN;
    let mut sealed = 0u64;
    loop {
        let rows = sqlx::query(
            "SELECT id, at, user_id, username, action, entity, entity_id, before_json, after_json, hash \
             FROM audit_log WHERE id > $1 ORDER BY id LIMIT 5000",
        )
        .bind(last_id)
        .fetch_all(&mut *tx)
        .await?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            let id: i64 = r.get(0);
            let hash = link_hash(
                &prev,
                &r.get::<String, _>(1),
                r.get(2),
                &r.get::<String, _>(3),
                &r.get::<String, _>(4),
                &r.get::<String, _>(5),
                r.get(6),
                r.get::<Option<String>, _>(7).as_deref(),
                r.get::<Option<String>, _>(8).as_deref(),
            );
            if r.get::<Option<String>, _>(9).is_none() {
                sqlx::query("UPDATE audit_log SET hash = $1 WHERE id = $2")
                    .bind(&hash)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                sealed += 1;
            }
            prev = hash;
            last_id = id;
        }
    }
    tx.commit().await?;
    tracing::info!("audit log: {sealed} earlier entries chained");
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
