//! Server-side sessions. The cookie holds a random token; the table holds only its SHA-256, so a leaked
//! database does not leak live sessions. Each session has its own CSRF token.

use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::Row;

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

pub async fn delete(db: &Db, token: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(digest(token))
        .execute(&db.pool)
        .await?;
    Ok(())
}
