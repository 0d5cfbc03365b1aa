//! Periodic jobs when several app servers share one database.
//!
//! `shequ serve` starts the same background jobs in every process (the case deadline scan, the outbox sender,
//! the retention of closed cases' personal fields). Each pass of a job first claims the job's lease in
//! `job_leases`: one conditional write, so exactly one process holds it at a time on either backend (on
//! PostgreSQL the row is locked by the first writer and the second re-checks the condition after its commit;
//! on SQLite the write lock serializes them). The holder renews it on every pass; when the holder dies, another
//! process takes over once the lease has expired. The jobs are also safe to run twice (each change is a
//! conditional update), so the lease is about doing the work once, not about correctness alone.

use std::sync::OnceLock;
use std::time::Duration;

use crate::db::Db;
use crate::error::Result;

/// This process's name in `job_leases.holder`: host, process id and a random part (a restarted process with
/// a reused pid is another holder).
pub fn holder() -> &'static str {
    static HOLDER: OnceLock<String> = OnceLock::new();
    HOLDER.get_or_init(|| {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into());
        let token = crate::accounts::sessions::random_token();
        format!("{host}-{}-{}", std::process::id(), &token[..8])
    })
}

fn ts(t: chrono::NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// What [`claim`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claim {
    /// Another process holds the lease: skip this pass.
    Busy,
    /// This process held the lease already and renewed it.
    Renewed,
    /// This process has just taken the lease (first pass, or the last holder's lease expired): work left
    /// half-done by a dead holder may be recovered now.
    Acquired,
}

impl Claim {
    pub fn held(self) -> bool {
        self != Claim::Busy
    }
}

/// Claims (or renews) the lease of job `name` for `ttl` from now. A pass that starts is counted in `runs`.
pub async fn claim(db: &Db, name: &str, ttl: Duration) -> Result<Claim> {
    let now = chrono::Utc::now().naive_utc();
    let until = ts(now + chrono::Duration::milliseconds(ttl.as_millis() as i64));
    let now = ts(now);
    let me = holder();
    let inserted = sqlx::query(
        "INSERT INTO job_leases (name, holder, lease_until, acquired_at, runs, last_run_at) \
         VALUES ($1, $2, $3, $4, 1, $4) ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(me)
    .bind(&until)
    .bind(&now)
    .execute(&db.pool)
    .await?
    .rows_affected();
    if inserted == 1 {
        return Ok(Claim::Acquired);
    }
    let renewed = sqlx::query(
        "UPDATE job_leases SET lease_until = $1, runs = runs + 1, last_run_at = $2 \
         WHERE name = $3 AND holder = $4",
    )
    .bind(&until)
    .bind(&now)
    .bind(name)
    .bind(me)
    .execute(&db.pool)
    .await?
    .rows_affected();
    if renewed == 1 {
        return Ok(Claim::Renewed);
    }
    let taken = sqlx::query(
        "UPDATE job_leases SET holder = $1, lease_until = $2, acquired_at = $3, runs = runs + 1, \
         last_run_at = $3 WHERE name = $4 AND lease_until < $3",
    )
    .bind(me)
    .bind(&until)
    .bind(&now)
    .bind(name)
    .execute(&db.pool)
    .await?
    .rows_affected();
    Ok(if taken == 1 {
        Claim::Acquired
    } else {
        Claim::Busy
    })
}

/// Gives up every lease this process holds (a server shutting down), so that another need not wait for them
/// to expire.
pub async fn release_all(db: &Db) -> Result<()> {
    sqlx::query("DELETE FROM job_leases WHERE holder = $1")
        .bind(holder())
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Seconds from an environment variable (tests make the jobs tick fast), else `default`.
pub fn seconds_from_env(var: &str, default: u64) -> Duration {
    Duration::from_secs(
        std::env::var(var)
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .filter(|n: &u64| *n > 0)
            .unwrap_or(default),
    )
}

/// The lease of a job that passes every `interval`: three passes, at least 30 seconds (a slow pass must not
/// lose its lease halfway), or `SHEQU_JOB_LEASE_SECONDS` — how long a dead holder's jobs wait for another
/// process to take them over.
pub fn lease_for(interval: Duration) -> Duration {
    match std::env::var("SHEQU_JOB_LEASE_SECONDS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|n| *n > 0)
    {
        Some(n) => Duration::from_secs(n),
        None => (interval * 3).max(Duration::from_secs(30)),
    }
}
