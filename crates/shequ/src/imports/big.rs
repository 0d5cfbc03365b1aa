//! A big import on SQLite. Once the rows written reach [`BIG_AFTER`] and are a fifth or more of the people
//! stored, the search and list indexes of the tables it fills are set aside (see db::deferred_indexes) and the
//! ID grams go to a temporary table; before the commit the grams are inserted in key order and the indexes
//! built again, each in one sort. Inserting a person otherwise costs some twenty random B-tree insertions
//! (fifteen of them ID grams), which made big imports slow. The lookups an import makes while it writes —
//! people by street and ID number, tags by person, periods and events by person — keep their indexes.
//! PostgreSQL writes as before.

use super::importer::Importer;
use crate::db::deferred_indexes::DeferredIndexes;
use crate::db::{Dialect, Tx};
use crate::error::Result;

/// Rows written before an import may turn big.
pub const BIG_AFTER: i64 = 10_000;

/// The indexes that stay while a big import writes.
const KEEP: &[&str] = &[
    "persons_street_idnumber",
    "persons_household",
    "residence_periods_person",
];

/// Where ID grams wait while a big import writes.
const GRAMS: &str = "temp.import_grams";

/// An import's way of writing: row by row into every index, or big.
#[derive(Debug, Default)]
pub(super) struct BigWrite {
    /// The written-row count at which to look again whether the import is big (doubles each time).
    next_look: i64,
    /// The indexes set aside, once big.
    deferred: Option<DeferredIndexes>,
}

impl BigWrite {
    pub(super) fn new() -> BigWrite {
        BigWrite {
            next_look: BIG_AFTER,
            deferred: None,
        }
    }
}

impl Importer<'_> {
    /// Before a chunk is flushed: turns the import big when it has grown large against what is stored.
    pub(super) async fn maybe_go_big(&mut self, tx: &mut Tx<'static>) -> Result<()> {
        let written = self.tables.persons.written;
        if self.db.dialect != Dialect::Sqlite
            || self.big.deferred.is_some()
            || written < self.big.next_look
        {
            return Ok(());
        }
        self.big.next_look = written * 2;
        let (stored,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM persons")
            .fetch_one(&mut **tx)
            .await?;
        if written * 5 < stored {
            return Ok(());
        }
        let deferred = DeferredIndexes::drop(
            tx,
            Dialect::Sqlite,
            &["persons", "person_id_grams", "residence_periods"],
            KEEP,
        )
        .await?;
        sqlx::query(&format!(
            "CREATE TABLE {GRAMS} (gram TEXT NOT NULL, street_id INTEGER NOT NULL, person_id INTEGER NOT NULL)"
        ))
        .execute(&mut **tx)
        .await?;
        self.tables.grams.name = GRAMS;
        // With the random insertions gone a smaller page cache does as well (300,000 rows: 64 MB 23.7 s,
        // 458 MB peak; 16 MB 22.4–24.9 s, 312 MB; 4 MB 21.9 s, 284 MB) and leaves memory to the index sorts.
        sqlx::query("PRAGMA cache_size = -16384")
            .execute(&mut **tx)
            .await?;
        tracing::info!(
            written,
            stored,
            indexes = deferred.len(),
            "big import: indexes set aside until the commit"
        );
        self.big.deferred = Some(deferred);
        Ok(())
    }

    /// Before the commit of a big import: the ID grams in key order, then the indexes built again.
    pub async fn finish_big(&mut self, tx: &mut Tx<'static>) -> Result<()> {
        let Some(deferred) = self.big.deferred.take() else {
            return Ok(());
        };
        sqlx::query(&format!(
            "INSERT INTO person_id_grams (gram, street_id, person_id) \
             SELECT gram, street_id, person_id FROM {GRAMS} ORDER BY gram, street_id, person_id"
        ))
        .execute(&mut **tx)
        .await?;
        sqlx::query(&format!("DROP TABLE {GRAMS}"))
            .execute(&mut **tx)
            .await?;
        deferred.restore(tx).await
    }
}
