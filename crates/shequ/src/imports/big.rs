//! A big import on SQLite. Once the rows written reach [`BIG_AFTER`] and are a fifth or more of the people
//! stored, the search and list indexes of the tables it fills are set aside (see db::deferred_indexes) and the
//! people's ID grams are no longer written row by row; before the commit one statement derives the grams of
//! every person created since from the persons table, in key order, and the indexes are built again, each in
//! one sort. Inserting a person otherwise costs some twenty random B-tree insertions (fifteen of them ID
//! grams), and binding fifteen grams a person was two fifths of the values an import sent to SQLite. The
//! lookups an import makes while it writes — people by street and ID number, tags by person, periods and
//! events by person — keep their indexes. PostgreSQL writes as before.
//!
//! Safe because a SQLite import holds the write lock from its first statement: every person with an id from
//! the first one created after the turn is this import's (see db::ids).

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

/// An import's way of writing: row by row into every index, or big.
#[derive(Debug, Default)]
pub(super) struct BigWrite {
    /// The written-row count at which to look again whether the import is big (doubles each time).
    next_look: i64,
    /// The indexes set aside, once big.
    deferred: Option<DeferredIndexes>,
    /// The first person created once big: the grams of this one and all later ones are derived at the end.
    first_person: i64,
}

impl BigWrite {
    pub(super) fn new() -> BigWrite {
        BigWrite {
            next_look: BIG_AFTER,
            deferred: None,
            first_person: 0,
        }
    }
}

impl BigWrite {
    /// Whether people's ID grams are left to [`Importer::finish_big`].
    pub(super) fn grams_deferred(&self) -> bool {
        self.deferred.is_some()
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
        // The people of this chunk are not flushed yet: they, and all later ones, get their grams at the end.
        let (first,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(id), 0) + 1 FROM persons")
            .fetch_one(&mut **tx)
            .await?;
        self.big.first_person = first;
        self.tables.grams.clear();
        // With the random insertions gone a small page cache does as well, and SQLite's sorts (the grams, the
        // indexes) go faster in small runs, two threads merging (300,000 rows: 64 MB 23.7 s, 458 MB peak;
        // 16 MB 22.1 s, 289 MB; 4 MB 20.4 s, 275 MB — the end of it 7.7 → 6.5 s; 128 MB 24.6 s, 660 MB).
        sqlx::query("PRAGMA cache_size = -4096")
            .execute(&mut **tx)
            .await?;
        sqlx::query("PRAGMA threads = 2").execute(&mut **tx).await?;
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
        let started = std::time::Instant::now();
        // Every four-character window of each new person's ID number (as search_keys::id_grams cuts them),
        // sorted, so that the grams' B-tree is filled left to right; OR IGNORE drops a window that repeats
        // within one number.
        sqlx::query(
            "WITH RECURSIVE k(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM k \
               WHERE k < (SELECT MAX(length(id_number)) - 3 FROM persons WHERE id >= $1)) \
             INSERT OR IGNORE INTO person_id_grams (gram, street_id, person_id) \
             SELECT substr(p.id_number, k.k, 4), p.street_id, p.id FROM persons p \
             JOIN k ON k.k <= length(p.id_number) - 3 \
             WHERE p.id >= $1 AND p.id_number IS NOT NULL ORDER BY 1, 2, 3",
        )
        .bind(self.big.first_person)
        .execute(&mut **tx)
        .await?;
        let grams = started.elapsed();
        deferred.restore(tx).await?;
        tracing::info!(?grams, total = ?started.elapsed(), "big import: grams written, indexes built");
        Ok(())
    }
}
