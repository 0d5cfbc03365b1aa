//! The login throttle: failed logins are counted per client address and per typed username, whether an
//! account of that name exists or not, so that neither the answer nor its timing tells which names exist.
//!
//! A key may fail a few times freely ([`FREE_PER_USER`], [`FREE_PER_IP`]); each failure after that blocks it
//! for a time that doubles ([`FIRST_BLOCK_SECS`], 2×, 4× … up to [`MAX_BLOCK_SECS`]). Attempts while blocked are
//! answered at once and do not count, so a stranger cannot make a block longer than the cap by trying; a
//! failure count is forgotten [`FORGET_SECS`] after its last failure. An administrator's unlock clears an
//! account's key ([`clear_user`]); a successful login clears the username's key (not the address's, which
//! could otherwise be reset with an account of one's own).

use chrono::{Duration, NaiveDateTime, Utc};
use sqlx::Row;

use crate::db::Db;
use crate::error::Result;

pub const FREE_PER_USER: i64 = 5;
pub const FREE_PER_IP: i64 = 20;
pub const FIRST_BLOCK_SECS: i64 = 30;
pub const MAX_BLOCK_SECS: i64 = 15 * 60;
pub const FORGET_SECS: i64 = 3600;

const FMT: &str = "%Y-%m-%d %H:%M:%S";

/// The throttle key of a typed username (case and surrounding spaces do not make a new key).
pub fn user_key(username: &str) -> String {
    let name: String = username.trim().to_lowercase().chars().take(64).collect();
    format!("user:{name}")
}

pub fn ip_key(ip: &str) -> String {
    format!("ip:{}", ip.chars().take(64).collect::<String>())
}

/// How long a key with `failures` failures is blocked after the last one.
pub fn block_secs(failures: i64, free: i64) -> i64 {
    if failures < free {
        return 0;
    }
    let doublings = (failures - free).min(20) as u32;
    (FIRST_BLOCK_SECS << doublings).min(MAX_BLOCK_SECS)
}

fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

/// Seconds left of the longest block among `keys` (None: not blocked).
pub async fn blocked(db: &Db, keys: &[String]) -> Result<Option<i64>> {
    let now_s = now().format(FMT).to_string();
    let row = sqlx::query(
        "SELECT MAX(blocked_until) FROM login_throttle WHERE key IN ($1, $2) AND blocked_until > $3",
    )
    .bind(&keys[0])
    .bind(keys.get(1).unwrap_or(&keys[0]))
    .bind(&now_s)
    .fetch_one(&db.pool)
    .await?;
    let until: Option<String> = row.get(0);
    Ok(until
        .and_then(|u| NaiveDateTime::parse_from_str(&u, FMT).ok())
        .map(|u| (u - now()).num_seconds().max(1)))
}

/// Counts one failure for a key; returns the block it now has in seconds (0: none). Concurrent failures are
/// each counted (one upsert).
pub async fn fail(db: &Db, key: &str, free: i64) -> Result<i64> {
    let now = now();
    let now_s = now.format(FMT).to_string();
    let forget = (now - Duration::seconds(FORGET_SECS))
        .format(FMT)
        .to_string();
    let failures: i64 = sqlx::query_scalar(
        "INSERT INTO login_throttle (key, failures, last_failure) VALUES ($1, 1, $2) \
         ON CONFLICT (key) DO UPDATE SET \
           failures = CASE WHEN login_throttle.last_failure < $3 THEN 1 ELSE login_throttle.failures + 1 END, \
           last_failure = excluded.last_failure \
         RETURNING failures",
    )
    .bind(key)
    .bind(&now_s)
    .bind(&forget)
    .fetch_one(&db.pool)
    .await?;
    let secs = block_secs(failures, free);
    if secs > 0 {
        sqlx::query("UPDATE login_throttle SET blocked_until = $1 WHERE key = $2")
            .bind((now + Duration::seconds(secs)).format(FMT).to_string())
            .bind(key)
            .execute(&db.pool)
            .await?;
    }
    Ok(secs)
}

/// Forgets the failures of a username (a successful login, an administrator's unlock or password reset).
pub async fn clear_user(db: &Db, username: &str) -> Result<()> {
    sqlx::query("DELETE FROM login_throttle WHERE key = $1")
        .bind(user_key(username))
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// "30 秒" / "4 分钟": how a wait is told.
pub fn wait_text(secs: i64) -> String {
    if secs < 60 {
        format!("{secs} 秒")
    } else {
        format!("{} 分钟", (secs + 59) / 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_double_up_to_the_cap() {
        assert_eq!(block_secs(4, 5), 0);
        assert_eq!(block_secs(5, 5), 30);
        assert_eq!(block_secs(6, 5), 60);
        assert_eq!(block_secs(8, 5), 240);
        assert_eq!(block_secs(10, 5), MAX_BLOCK_SECS);
        assert_eq!(block_secs(1000, 5), MAX_BLOCK_SECS);
        assert_eq!(user_key("  WangGe1 "), "user:wangge1");
    }
}
