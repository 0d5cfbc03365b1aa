//! Server-side sessions. The cookie holds a random token; the table holds only its SHA-256, so a leaked
//! database does not leak live sessions. Each session has its own CSRF token.
//!
//! Every request resolves its session to an [`Actor`] (a session query and one or two user queries). Under load
//! that was two thirds of the database work of a list page, so a resolved session is kept in memory for
//! [`CACHE_SECONDS`]. Whatever ends a session or changes a user in this process drops the entry at once
//! ([`delete`], [`forget_user`]); a change made by another process (or straight in SQL) is seen within
//! [`CACHE_SECONDS`]. The session's own expiry is checked on every hit.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::{users, Actor};
use crate::audit;
use crate::db::{self, Db};
use crate::error::{Error, Result};

pub const LIFETIME_HOURS: i64 = 12;

pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Opens a session from a client address and browser (shown in the user's list of sessions); returns
/// (cookie token, csrf token).
pub async fn create(db: &Db, user_id: i64, ip: &str, user_agent: &str) -> Result<(String, String)> {
    let token = random_token();
    let csrf = random_token();
    let expires = (chrono::Utc::now() + chrono::Duration::hours(LIFETIME_HOURS))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string();
    sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, ip, user_agent) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(digest(&token))
        .bind(user_id)
        .bind(&csrf)
        .bind(db::now())
        .bind(expires)
        .bind(ip.chars().take(64).collect::<String>())
        .bind(user_agent.chars().take(200).collect::<String>())
        .execute(&db.pool)
        .await?;
    Ok((token, csrf))
}

/// The user and CSRF token of a live session.
pub async fn lookup(db: &Db, token: &str) -> Result<Option<(i64, String)>> {
    let row = sqlx::query(
        "SELECT user_id, csrf_token FROM sessions WHERE token_hash = $1 AND expires_at > $2",
    )
    .bind(digest(token))
    .bind(db::now())
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|r| (r.get::<i64, _>(0), r.get::<String, _>(1))))
}

/// How long a resolved session is trusted without asking the database again.
pub const CACHE_SECONDS: u64 = 5;
/// Past this many entries the expired ones are swept (and all of them if that is not enough).
const CACHE_MAX: usize = 10_000;

struct Cached {
    actor: Actor,
    csrf: String,
    /// The session's `expires_at` (same text form as [`db::now`]).
    expires_at: String,
    loaded: Instant,
}

/// Resolved sessions of one database, keyed by token digest. Lives in [`Db`], so every handle on the same
/// database shares it.
#[derive(Default)]
pub struct Cache {
    inner: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    map: HashMap<String, Cached>,
    /// Counts invalidations, so that a lookup that raced with a logout does not put the session back.
    generation: u64,
}

impl Cache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The cached session, unless it expired or was loaded more than [`CACHE_SECONDS`] ago. In the second
    /// case the first caller gets None and reads it again, while concurrent requests of the same session keep
    /// the cached one until it is put back (rather than all reading it at once); logouts and account
    /// changes remove entries at once, whatever their age.
    fn get(&self, digest: &str) -> Option<(Actor, String)> {
        let mut entries = self.lock();
        let c = entries.map.get_mut(digest)?;
        if c.expires_at <= db::now() {
            return None;
        }
        if c.loaded.elapsed() >= Duration::from_secs(CACHE_SECONDS) {
            c.loaded = Instant::now();
            return None;
        }
        Some((c.actor.clone(), c.csrf.clone()))
    }

    fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// Keeps an entry unless something was invalidated since `generation` was read.
    fn put(&self, generation: u64, digest: String, entry: Cached) {
        let mut entries = self.lock();
        if entries.generation != generation {
            return;
        }
        if entries.map.len() >= CACHE_MAX {
            entries
                .map
                .retain(|_, c| c.loaded.elapsed() < Duration::from_secs(CACHE_SECONDS));
            if entries.map.len() >= CACHE_MAX {
                entries.map.clear();
            }
        }
        entries.map.insert(digest, entry);
    }

    fn remove(&self, digest: &str) {
        let mut entries = self.lock();
        entries.generation += 1;
        entries.map.remove(digest);
    }

    fn remove_user(&self, user_id: i64) {
        let mut entries = self.lock();
        entries.generation += 1;
        entries.map.retain(|_, c| c.actor.user_id != user_id);
    }
}

/// The actor and CSRF token of a live session (`None`: no such session, or it has expired). An account
/// that has been archived (or has no valid role any more) is [`crate::error::Error::Unauthorized`].
pub async fn resolve(db: &Db, token: &str) -> Result<Option<(Actor, String)>> {
    let digest = digest(token);
    if let Some(hit) = db.session_cache.get(&digest) {
        return Ok(Some(hit));
    }
    let generation = db.session_cache.generation();
    let row = sqlx::query(
        "SELECT user_id, csrf_token, expires_at FROM sessions WHERE token_hash = $1 AND expires_at > $2",
    )
    .bind(&digest)
    .bind(db::now())
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let (user_id, csrf, expires_at): (i64, String, String) = (row.get(0), row.get(1), row.get(2));
    let actor = users::actor(db, user_id).await?;
    db.session_cache.put(
        generation,
        digest,
        Cached {
            actor: actor.clone(),
            csrf: csrf.clone(),
            expires_at,
            loaded: Instant::now(),
        },
    );
    Ok(Some((actor, csrf)))
}

/// Ends a session (log out).
pub async fn delete(db: &Db, token: &str) -> Result<()> {
    let digest = digest(token);
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(&digest)
        .execute(&db.pool)
        .await?;
    db.session_cache.remove(&digest);
    Ok(())
}

/// Drops the cached sessions of a user: call it after any change to the user's account (role, area, archive,
/// password, language) so that the next request sees it.
pub fn forget_user(db: &Db, user_id: i64) {
    db.session_cache.remove_user(user_id);
}

/// How a session is named in lists and URLs: the first 16 hex digits of its token's digest (neither the
/// token nor enough of the digest to look it up elsewhere).
const ID_LEN: usize = 16;

/// One live session of a user, as their sessions page lists it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct SessionInfo {
    pub id: String,
    /// Beijing time, `2024-05-01 16:30`.
    pub created_at: String,
    pub expires_at: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The session of the request that asks.
    pub current: bool,
}

/// A stored UTC timestamp in Beijing time, to the minute.
fn beijing(utc: &str) -> String {
    chrono::NaiveDateTime::parse_from_str(utc, "%Y-%m-%d %H:%M:%S")
        .map(|t| {
            (t + chrono::Duration::hours(8))
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| utc.to_string())
}

/// The live sessions of the actor, newest first; `current_token` marks the one asking.
pub async fn list(db: &Db, actor: &Actor, current_token: &str) -> Result<Vec<SessionInfo>> {
    let current = digest(current_token);
    let rows = sqlx::query(
        "SELECT token_hash, created_at, expires_at, ip, user_agent FROM sessions \
         WHERE user_id = $1 AND expires_at > $2 ORDER BY created_at DESC, token_hash",
    )
    .bind(actor.user_id)
    .bind(db::now())
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let hash: String = r.get(0);
            SessionInfo {
                id: hash[..ID_LEN].to_string(),
                created_at: beijing(&r.get::<String, _>(1)),
                expires_at: beijing(&r.get::<String, _>(2)),
                ip: r.get(3),
                user_agent: r.get(4),
                current: hash == current,
            }
        })
        .collect())
}

/// Ends one of the actor's own sessions by its id (as [`list`] gives it). Audited.
pub async fn end(db: &Db, actor: &Actor, id: &str) -> Result<()> {
    if id.len() != ID_LEN || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::NotFound);
    }
    let mut tx = db.begin().await?;
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash LIKE $2")
        .bind(actor.user_id)
        .bind(format!("{}%", id.to_ascii_lowercase()))
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if done == 0 {
        return Err(Error::NotFound);
    }
    audit::record(
        &mut *tx,
        actor,
        "end_session",
        "user",
        Some(actor.user_id),
        None,
        Some(&serde_json::json!({"session": id})),
    )
    .await?;
    tx.commit().await?;
    forget_user(db, actor.user_id);
    Ok(())
}

/// Ends every session of a user but `keep` (the token of the request that changed the password), inside
/// the caller's transaction; returns how many ended. The cache is dropped by [`forget_user`] after commit.
pub async fn end_all_but(tx: &mut db::Tx<'_>, user_id: i64, keep: Option<&str>) -> Result<u64> {
    let keep = keep.map(digest).unwrap_or_default();
    Ok(
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(user_id)
            .bind(keep)
            .execute(&mut **tx)
            .await?
            .rows_affected(),
    )
}
