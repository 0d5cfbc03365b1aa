//! Indexes set aside during a big write: dropped and created again after it, so that a million new rows cost
//! one sort per index instead of a million random insertions into each. The indexes are read from the
//! catalogue, so whatever the migrations define comes back.
//!
//! On SQLite this is safe inside a transaction others read beside: schema changes are part of it — a rollback,
//! or a crash before the commit, brings the indexes back as they were — and other connections go on reading
//! the committed schema meanwhile (the person import). On PostgreSQL DROP INDEX locks the table against every
//! reader until the commit, so it is only for a writer that has the database to itself (the demo generator).

use sqlx::{AnyConnection, Row};

use super::Dialect;
use crate::error::Result;

/// The indexes dropped by [`DeferredIndexes::drop`], as the statements that create them again.
#[derive(Debug, Default)]
pub struct DeferredIndexes {
    create: Vec<String>,
}

impl DeferredIndexes {
    /// Drops the indexes of `tables` except those named in `keep`; the indexes of primary keys and
    /// constraints stay.
    pub async fn drop(
        conn: &mut AnyConnection,
        dialect: Dialect,
        tables: &[&str],
        keep: &[&str],
    ) -> Result<DeferredIndexes> {
        let list = tables
            .iter()
            .map(|t| format!("'{t}'"))
            .collect::<Vec<_>>()
            .join(", ");
        let catalogue = match dialect {
            Dialect::Sqlite => format!(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
                 AND tbl_name IN ({list}) ORDER BY name"
            ),
            Dialect::Postgres => format!(
                "SELECT i.indexname::text, i.indexdef FROM pg_indexes i WHERE i.tablename IN ({list}) \
                 AND i.schemaname = current_schema() \
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname) \
                 ORDER BY i.indexname"
            ),
        };
        let rows = sqlx::query(&catalogue).fetch_all(&mut *conn).await?;
        let mut create = Vec::new();
        for r in rows {
            let (name, sql): (String, String) = (r.try_get(0)?, r.try_get(1)?);
            if keep.contains(&name.as_str()) {
                continue;
            }
            sqlx::query(&format!("DROP INDEX \"{name}\""))
                .execute(&mut *conn)
                .await?;
            create.push(sql);
        }
        Ok(DeferredIndexes { create })
    }

    /// How many indexes wait to be created again.
    pub fn len(&self) -> usize {
        self.create.len()
    }

    pub fn is_empty(&self) -> bool {
        self.create.is_empty()
    }

    /// Creates the dropped indexes again (in the same transaction).
    pub async fn restore(self, conn: &mut AnyConnection) -> Result<()> {
        for sql in self.create {
            sqlx::query(&sql).execute(&mut *conn).await?;
        }
        Ok(())
    }
}
