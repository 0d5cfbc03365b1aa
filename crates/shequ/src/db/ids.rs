//! Ids handed out ahead of a bulk insert, so that rows written in one statement can reference each other.
//!
//! SQLite: the caller's transaction must already hold the write lock (it has written something); then no one
//! else can insert, and ids continue from `MAX(id)`. PostgreSQL: ids are drawn from the table's identity
//! sequence in blocks (`nextval`), so concurrent writers never collide; unused ids leave harmless gaps.
//! A dry run hands out negative ids that are never written.

use std::collections::{HashMap, VecDeque};

use sqlx::{AnyConnection, Row};

use super::Dialect;
use crate::error::Result;

pub enum IdAlloc {
    /// Nothing is written: ids only tell new things apart.
    DryRun(i64),
    Sqlite(HashMap<&'static str, i64>),
    Postgres(HashMap<&'static str, VecDeque<i64>>),
}

impl IdAlloc {
    pub fn new(dialect: Option<Dialect>) -> IdAlloc {
        match dialect {
            None => IdAlloc::DryRun(0),
            Some(Dialect::Sqlite) => IdAlloc::Sqlite(HashMap::new()),
            Some(Dialect::Postgres) => IdAlloc::Postgres(HashMap::new()),
        }
    }

    /// Makes sure `n` ids of `table` can be taken without a query.
    pub async fn ensure(
        &mut self,
        conn: Option<&mut AnyConnection>,
        table: &'static str,
        n: usize,
    ) -> Result<()> {
        match (self, conn) {
            (IdAlloc::DryRun(_), _) | (_, None) => Ok(()),
            (IdAlloc::Sqlite(next), Some(conn)) => {
                if !next.contains_key(table) {
                    let max: i64 =
                        sqlx::query(&format!("SELECT COALESCE(MAX(id), 0) FROM {table}"))
                            .fetch_one(&mut *conn)
                            .await?
                            .get(0);
                    next.insert(table, max + 1);
                }
                Ok(())
            }
            (IdAlloc::Postgres(pools), Some(conn)) => {
                let pool = pools.entry(table).or_default();
                if pool.len() < n {
                    let want = (n - pool.len()).max(1000) as i64;
                    let rows = sqlx::query(&format!(
                        "SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, $1)"
                    ))
                    .bind(want)
                    .fetch_all(&mut *conn)
                    .await?;
                    pool.extend(rows.iter().map(|r| r.get::<i64, _>(0)));
                }
                Ok(())
            }
        }
    }

    /// The next id of `table`; [`IdAlloc::ensure`] must have reserved enough first.
    pub fn take(&mut self, table: &'static str) -> i64 {
        match self {
            IdAlloc::DryRun(n) => {
                *n -= 1;
                *n
            }
            IdAlloc::Sqlite(next) => {
                let slot = next.get_mut(table).expect("ensure() before take()");
                let id = *slot;
                *slot += 1;
                id
            }
            IdAlloc::Postgres(pools) => pools
                .get_mut(table)
                .and_then(VecDeque::pop_front)
                .expect("ensure() reserved enough ids"),
        }
    }
}
