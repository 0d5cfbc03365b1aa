//! 个人信息保存期限 (PIPL art. 19): the personal fields of a case are kept only as long as the office needs
//! them. `SHEQU_CASE_RETENTION_DAYS` days after a case was closed (结案, also when rated afterwards) its
//! reporter (name, phone, link to the registered person) and its parties (name, phone, link) are blanked by
//! a background job; the case itself — category, place, title, description, timeline, rating — stays for the
//! statistics and ledgers. Each blanked case is audited (`retention_clear`, naming the fields, never their
//! values). Unset or 0: nothing is blanked.
//!
//! Not covered: the audit log keeps the values written when the case was created (the log is
//! hash-chained and never rewritten), and backups keep what they hold.

use chrono::NaiveDateTime;
use serde_json::json;
use sqlx::Row;

use crate::accounts::Actor;
use crate::audit;
use crate::db::Db;
use crate::error::Result;

/// The name a blanked party keeps (the column is required).
pub const CLEARED_NAME: &str = "(已按保存期限清除)";

/// Days after closing from `SHEQU_CASE_RETENTION_DAYS`; `None` when unset, 0 or not a number.
pub fn days_from_env() -> Option<i64> {
    std::env::var("SHEQU_CASE_RETENTION_DAYS")
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|d| *d > 0)
}

fn ts(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Blanks the personal fields of the cases closed more than `days` before `now` (UTC) that still have them,
/// 5,000 cases a query until none is left. Each case is its own transaction. Returns the number blanked.
pub async fn clear(db: &Db, now: NaiveDateTime, days: i64) -> Result<u64> {
    let mut total = 0;
    loop {
        let (seen, done) = clear_batch(db, now, days).await?;
        total += done;
        if seen < BATCH {
            return Ok(total);
        }
    }
}

const BATCH: usize = 5000;

async fn clear_batch(db: &Db, now: NaiveDateTime, days: i64) -> Result<(usize, u64)> {
    let cutoff = ts(now - chrono::Duration::days(days));
    let at = ts(now);
    let system = Actor::system();
    let due: Vec<(i64, String)> = sqlx::query(
        "SELECT id, closed_at FROM cases WHERE state IN ('closed', 'rated') AND closed_at IS NOT NULL \
         AND closed_at < $1 AND personal_cleared_at IS NULL ORDER BY id LIMIT 5000",
    )
    .bind(&cutoff)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect();
    let seen = due.len();
    let mut done = 0;
    for (id, closed_at) in due {
        let mut tx = db.begin().await?;
        let changed = sqlx::query(
            "UPDATE cases SET reporter_name = NULL, reporter_phone = NULL, reporter_person_id = NULL, \
             personal_cleared_at = $1 WHERE id = $2 AND state IN ('closed', 'rated') AND closed_at < $3 \
             AND personal_cleared_at IS NULL",
        )
        .bind(&at)
        .bind(id)
        .bind(&cutoff)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            continue;
        }
        let parties = sqlx::query(
            "UPDATE case_parties SET name = $1, phone = NULL, person_id = NULL WHERE case_id = $2",
        )
        .bind(CLEARED_NAME)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        audit::record(
            &mut *tx,
            &system,
            "retention_clear",
            "case",
            Some(id),
            None,
            Some(&json!({
                "fields": ["reporter_name", "reporter_phone", "reporter_person_id", "case_parties.name",
                           "case_parties.phone", "case_parties.person_id"],
                "parties": parties,
                "closed_at": closed_at,
                "retention_days": days,
            })),
        )
        .await?;
        tx.commit().await?;
        done += 1;
    }
    Ok((seen, done))
}

/// The server's job: once an hour, in the process that holds its lease, when a retention is configured.
pub fn spawn(db: Db) {
    let Some(days) = days_from_env() else { return };
    tokio::spawn(async move {
        let every = crate::jobs::seconds_from_env("SHEQU_RETENTION_SCAN_SECONDS", 3600);
        let lease = crate::jobs::lease_for(every);
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            match crate::jobs::claim(&db, "case_retention", lease).await {
                Ok(c) if c.held() => {}
                Ok(_) => continue,
                Err(e) => {
                    tracing::error!(error = ?e, "retention lease");
                    continue;
                }
            }
            match clear(&db, super::now_utc(), days).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(cases = n, days, "personal fields of closed cases cleared"),
                Err(e) => tracing::error!(error = ?e, "retention job failed"),
            }
        }
    });
}
