//! Storage: one connection pool for either backend, chosen by the database URL.
//!
//! All SQL in shequ is written once with `$1` placeholders, which both SQLite and PostgreSQL accept through
//! sqlx's `Any` driver. Values cross the boundary only as `i64`, `f64` and `String` (dates as ISO text), so no
//! query depends on a backend-specific type. The few dialect differences live in [`dialect`].

pub mod bulk;
pub mod constraints;
pub mod deferred_indexes;
pub mod dialect;
pub mod filter;
pub mod ids;
pub mod lists;
pub mod migrate;
pub mod scoped;
mod sqlite_setup;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

pub use dialect::Dialect;

/// A transaction on the configured backend.
pub type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

/// The database handle every domain function takes.
#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub dialect: Dialect,
    /// Sessions resolved to actors lately (see [`crate::accounts::sessions`]).
    pub(crate) session_cache: Arc<crate::accounts::sessions::Cache>,
    /// Small lists pages show beside their data (see [`lists`]).
    pub(crate) lists: Arc<lists::Lists>,
}

/// Turns what a user types (`shequ.db`, `sqlite://x.db`, `postgres://…`) into a URL sqlx understands.
pub fn normalize_url(url: &str) -> String {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return url.to_string();
    }
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    if path.contains("mode=") {
        format!("sqlite://{path}")
    } else if path.contains('?') {
        format!("sqlite://{path}&mode=rwc")
    } else {
        format!("sqlite://{path}?mode=rwc")
    }
}

impl Db {
    /// Connects and brings the schema up to date.
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        let url = normalize_url(url);
        let dialect = Dialect::from_url(&url);
        let options = AnyConnectOptions::from_str(&url)?;
        if dialect == Dialect::Sqlite {
            sqlite_setup::once();
        }
        // Connections in the pool: SHEQU_DB_POOL, or 8. On PostgreSQL on 2 cores, 16 connections made the
        // person list's p99 under 100 clients 52–60 ms and 8 made it 44 ms (docs/PERFORMANCE.md): fewer
        // backends competing for the cores; requests wait for a connection in the pool instead.
        let max = std::env::var("SHEQU_DB_POOL")
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|n: &u32| *n > 0)
            .unwrap_or(8);
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if dialect == Dialect::Sqlite {
                        // WAL lets readers run beside the single writer; busy_timeout queues writers
                        // instead of failing them.
                        conn.execute("PRAGMA journal_mode=WAL").await?;
                        conn.execute("PRAGMA busy_timeout=10000").await?;
                        conn.execute("PRAGMA synchronous=NORMAL").await?;
                        conn.execute("PRAGMA foreign_keys=ON").await?;
                    } else {
                        // Short queries for many clients: JIT compilation cost more than any query it sped
                        // up (220 ms on a search whose estimate crossed jit_above_cost), and with parallel
                        // workers the planner hashed whole gram lists where a merge join stops after the
                        // page's rows (170 ms vs 0.6 ms); on a small server the workers only take CPU from
                        // other requests.
                        conn.execute("SET jit = off").await?;
                        conn.execute("SET max_parallel_workers_per_gather = 0")
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let db = Db {
            pool,
            dialect,
            session_cache: Arc::default(),
            lists: Arc::default(),
        };
        // Several servers may start at once on one database: the schema work below runs in one of them at
        // a time (the others wait, then find nothing to do).
        let lock = StartLock::take(&url, dialect).await?;
        migrate::run(&db).await?;
        crate::audit::seal_legacy(&db).await?;
        crate::calendar::store::seed(&db).await?;
        lock.release().await;
        Ok(db)
    }

    pub async fn begin(&self) -> Result<Tx<'static>, sqlx::Error> {
        self.pool.begin().await
    }
}

/// Current UTC time as stored in every `*_at` column.
/// Held while a process migrates and seeds the database at start, so that two servers starting together on
/// one database do not race (a second would apply a migration twice or insert the calendar twice). On
/// PostgreSQL a session advisory lock on a connection of its own, keyed by database and schema (so that
/// parallel tests in their own schemas do not wait for each other); sqlx's migrator takes its own lock inside.
/// On SQLite an exclusive lock of the file `NAME-start.lock` beside the database.
enum StartLock {
    None,
    Pg(sqlx::AnyConnection),
    File(std::fs::File),
}

impl StartLock {
    async fn take(url: &str, dialect: Dialect) -> anyhow::Result<StartLock> {
        use sqlx::Connection;
        if dialect == Dialect::Postgres {
            let mut conn = sqlx::AnyConnection::connect(url).await?;
            conn.execute(
                "SELECT pg_advisory_lock(hashtext(current_database() || '/' || current_schema() || '/shequ-start'))",
            )
            .await?;
            return Ok(StartLock::Pg(conn));
        }
        let path = url
            .strip_prefix("sqlite://")
            .unwrap_or(url)
            .split('?')
            .next()
            .unwrap_or_default();
        if path.is_empty() || path.contains(":memory:") {
            return Ok(StartLock::None);
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(format!("{path}-start.lock"))?;
        let file = tokio::task::spawn_blocking(move || file.lock().map(|_| file)).await??;
        Ok(StartLock::File(file))
    }

    async fn release(self) {
        use sqlx::Connection;
        match self {
            StartLock::None => {}
            StartLock::Pg(mut conn) => {
                let _ = conn.execute("SELECT pg_advisory_unlock_all()").await;
                let _ = conn.close().await;
            }
            StartLock::File(file) => {
                let _ = file.unlock();
            }
        }
    }
}

pub fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Today's date (local calendar of the office: China Standard Time).
pub fn today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}
