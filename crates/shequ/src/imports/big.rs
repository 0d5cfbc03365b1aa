//! A big import on SQLite. Once the rows written reach [`BIG_AFTER`] and are a fifth or more of the people
//! stored, the search and list indexes of the tables it fills are set aside (see db::deferred_indexes) and the
//! people's ID grams are no longer written batch by batch; before the commit one statement derives the grams
//! of every person created since from the persons table, in key order, and the indexes are built again, each
//! in one sort. Inserting a person otherwise costs some twenty random B-tree insertions (fifteen of them ID
//! grams). The
//! lookups the writer makes inside the transaction — people by household, tags, periods and events by person
//! — keep their indexes; the (street, ID number) index goes too, because the importer looks ID numbers up on
//! other connections, which read the committed schema and data (the file's own duplicates are caught in
//! memory), and building it again at the end still refuses a duplicate. PostgreSQL writes as before.
//!
//! Safe because a SQLite import holds the write lock from its first statement: every person with an id from
//! the first one created after the turn is this import's (see db::ids).

use super::importer::Importer;
use super::writer::Writer;
use crate::db::deferred_indexes::DeferredIndexes;
use crate::db::Dialect;
use crate::error::Result;
use crate::registry::search_keys;

/// Rows written before an import may turn big.
pub const BIG_AFTER: i64 = 10_000;

/// The indexes that stay while a big import writes.
const KEEP: &[&str] = &["persons_household", "residence_periods_person"];

/// The importer's side: when to turn big.
#[derive(Debug)]
pub(super) struct BigWrite {
    /// The people sent to the writer so far.
    pub(super) sent: i64,
    /// The sent count at which to look again whether the import is big (doubles each time).
    next_look: i64,
    /// Whether the import has turned big.
    pub(super) on: bool,
}

impl BigWrite {
    pub(super) fn new() -> BigWrite {
        BigWrite {
            sent: 0,
            next_look: BIG_AFTER,
            on: false,
        }
    }
}

impl Importer<'_> {
    /// Before a chunk goes to the writer: whether the import turns big with it — it has grown large against
    /// the people stored (those committed, and those it wrote).
    pub(super) async fn turns_big(&mut self) -> Result<bool> {
        let sent = self.big.sent;
        if self.db.dialect != Dialect::Sqlite || self.big.on || sent < self.big.next_look {
            return Ok(false);
        }
        self.big.next_look = sent * 2;
        let (committed,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM persons")
            .fetch_one(&self.db.pool)
            .await?;
        if sent * 5 < committed + sent {
            return Ok(false);
        }
        self.big.on = true;
        tracing::info!(
            sent,
            committed,
            "big import: indexes set aside until the commit"
        );
        Ok(true)
    }
}

impl Writer {
    /// Sets the indexes aside; every person written from here on gets their ID grams at the end.
    pub(super) async fn go_big(&mut self) -> Result<()> {
        let deferred = DeferredIndexes::drop(
            &mut self.tx,
            Dialect::Sqlite,
            &["persons", "person_id_grams", "residence_periods"],
            KEEP,
        )
        .await?;
        let (first,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(id), 0) + 1 FROM persons")
            .fetch_one(&mut *self.tx)
            .await?;
        self.first_person = first;
        // With the random insertions gone a small page cache does as well, and SQLite's sorts (the grams, the
        // indexes) go faster in small runs, two threads merging (300,000 rows: 64 MB 23.7 s, 458 MB peak;
        // 16 MB 22.1 s, 289 MB; 4 MB 20.4 s, 275 MB — the end of it 7.7 → 6.5 s; 128 MB 24.6 s, 660 MB).
        sqlx::query("PRAGMA cache_size = -4096")
            .execute(&mut *self.tx)
            .await?;
        sqlx::query("PRAGMA threads = 2")
            .execute(&mut *self.tx)
            .await?;
        tracing::info!(indexes = deferred.len(), "big import: indexes dropped");
        self.deferred = Some(deferred);
        Ok(())
    }

    /// Before the commit of a big import: the ID grams in key order, then the indexes built again.
    pub(super) async fn finish_big(&mut self) -> Result<()> {
        let Some(deferred) = self.deferred.take() else {
            return Ok(());
        };
        let started = std::time::Instant::now();
        sqlx::query(&search_keys::id_grams_insert_sql(
            "p.id >= $1",
            Dialect::Sqlite,
            true,
        ))
        .bind(self.first_person)
        .execute(&mut *self.tx)
        .await?;
        let grams = started.elapsed();
        deferred.restore(&mut self.tx).await?;
        tracing::info!(?grams, total = ?started.elapsed(), "big import: grams written, indexes built");
        Ok(())
    }
}
