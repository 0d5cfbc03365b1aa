//! Indexes set aside during a big write on SQLite: dropped inside the writing transaction and created again
//! before its commit, so that a million new rows cost one sort per index instead of a million random
//! insertions into each. Schema changes are part of SQLite's transactions: a rollback — or a crash before the
//! commit — brings the indexes back as they were, and other connections go on reading the committed schema
//! meanwhile. (Not for PostgreSQL, where DROP INDEX would lock the table against every reader until the commit.)

use sqlx::{AnyConnection, Row};

use crate::error::Result;

/// The indexes dropped by [`DeferredIndexes::drop`], as the statements that create them again.
#[derive(Debug, Default)]
pub struct DeferredIndexes {
    create: Vec<String>,
}

impl DeferredIndexes {
    /// Drops the indexes of `tables` (SQLite only) except those named in `keep`; the indexes SQLite made for a
    /// primary key or UNIQUE constraint stay.
    pub async fn drop(
        conn: &mut AnyConnection,
        tables: &[&str],
        keep: &[&str],
    ) -> Result<DeferredIndexes> {
        let list = tables
            .iter()
            .map(|t| format!("'{t}'"))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = sqlx::query(&format!(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
             AND tbl_name IN ({list}) ORDER BY name"
        ))
        .fetch_all(&mut *conn)
        .await?;
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
