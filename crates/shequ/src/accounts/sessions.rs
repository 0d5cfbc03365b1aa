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
use crate::db::{self, Db};
use crate::error::Result;

pub const LIFETIME_HOURS: i64 = 12;

pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Opens a session; returns (cookie token, csrf token).
pub async fn create(db: &Db, user_id: i64) -> Result<(String, String)> {
    let token = random_token();
    let csrf = random_token();
    let expires = (chrono::Utc::now() + chrono::Duration::hours(LIFETIME_HOURS))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string();
    sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(digest(&token))
        .bind(user_id)
        .bind(&csrf)
        .bind(db::now())
        .bind(expires)
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
