//! The import's writer: a task that owns the import's one transaction and writes the batches the importer
//! hands it over a channel, so that checking the next rows and writing the last ones overlap (on SQLite the
//! statements run on sqlx's worker thread, the binding on this task, the checks on the importer's). It also
//! opens the transaction (write lock, page cache, ids) and ends it: the big-import steps (see `big`), the
//! run's audit entry, the commit or the rollback. A failed write ends the task with the error; the transaction
//! is dropped, so nothing of the run stays.

use std::sync::Arc;

use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::importer::Update;
use super::tables::{Tables, Who};
use super::Progress;
use crate::accounts::Actor;
use crate::audit;
use crate::db::deferred_indexes::DeferredIndexes;
use crate::db::ids::IdAlloc;
use crate::db::{Db, Dialect, Tx};
use crate::error::{Error, Result};

/// Batches waiting for the writer: the importer checks at most this many chunks ahead.
const QUEUE: usize = 2;

/// What one chunk writes.
pub(super) struct Batch {
    pub(super) tables: Tables,
    pub(super) updates: Vec<Update>,
}

pub(super) enum Job {
    /// From here on the import is big: set indexes aside, leave the ID grams to the end (see `big`).
    GoBig,
    Batch(Box<Batch>),
}

pub(super) struct Writer {
    pub(super) tx: Tx<'static>,
    pub(super) dialect: Dialect,
    pub(super) who: Who,
    pub(super) progress: Arc<Progress>,
    /// The indexes a big import set aside.
    pub(super) deferred: Option<DeferredIndexes>,
    /// The first person created once the import turned big.
    pub(super) first_person: i64,
}

impl Writer {
    /// Opens the import's transaction and reserves the first ids.
    pub(super) async fn begin(
        db: &Db,
        target: i64,
        who: Who,
        ids: &mut IdAlloc,
        progress: Arc<Progress>,
    ) -> Result<Writer> {
        let mut tx = db.begin().await?;
        // The first statement writes, so that on SQLite this transaction holds the write lock from here on
        // and ids can continue from MAX(id) (see db::ids).
        sqlx::query("UPDATE nodes SET updated_at = updated_at WHERE id = $1")
            .bind(target)
            .execute(&mut *tx)
            .await?;
        if db.dialect == Dialect::Sqlite {
            // A big import touches many index pages: a 64 MB page cache instead of 2 MB (256 MB was no faster
            // once statement journals were gone — 200,000 rows 19.9 s vs 19.1 s — and cost 250 MB of memory).
            // Reset before the connection goes back to the pool.
            sqlx::query("PRAGMA cache_size = -65536")
                .execute(&mut *tx)
                .await?;
            // Foreign keys checked at the commit instead of per statement: with immediate checks every
            // multi-row INSERT could fail half-way and SQLite would keep a statement journal for it.
            sqlx::query("PRAGMA defer_foreign_keys = ON")
                .execute(&mut *tx)
                .await?;
            for table in ["persons", "households", "nodes"] {
                ids.ensure(Some(&mut *tx), table, 0).await?;
            }
        }
        Ok(Writer {
            tx,
            dialect: db.dialect,
            who,
            progress,
            deferred: None,
            first_person: 0,
        })
    }

    /// Starts the task; the importer sends jobs, and gets the writer back (to commit) when it closes the
    /// channel.
    pub(super) fn spawn(self) -> (mpsc::Sender<Job>, JoinHandle<Result<Writer>>) {
        let (send, recv) = mpsc::channel(QUEUE);
        (send, tokio::spawn(self.run(recv)))
    }

    async fn run(mut self, mut jobs: mpsc::Receiver<Job>) -> Result<Writer> {
        while let Some(job) = jobs.recv().await {
            let done = match job {
                Job::GoBig => self.go_big().await,
                Job::Batch(b) => self.write(*b).await,
            };
            if let Err(e) = done {
                let _ = self.reset().await;
                return Err(e);
            }
        }
        Ok(self)
    }

    /// Ends a run that writes: the big import's last steps, the run's own audit entry, the commit.
    pub(super) async fn commit(mut self, actor: &Actor, detail: &Value) -> Result<()> {
        self.finish_big().await?;
        audit::record(
            &mut *self.tx,
            actor,
            "import",
            "import",
            None,
            None,
            Some(detail),
        )
        .await?;
        self.reset().await?;
        self.tx.commit().await?;
        Ok(())
    }

    pub(super) async fn rollback(mut self) -> Result<()> {
        self.reset().await?;
        self.tx.rollback().await?;
        Ok(())
    }

    /// Back to the default page cache (2 MB) and a sorter without helper threads before the connection
    /// returns to the pool.
    async fn reset(&mut self) -> Result<()> {
        if self.dialect == Dialect::Sqlite {
            sqlx::query("PRAGMA cache_size = -2000")
                .execute(&mut *self.tx)
                .await?;
            sqlx::query("PRAGMA threads = 0")
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }
}

/// The writer's result once the importer has stopped sending: the writer, or the error that stopped it.
pub(super) async fn join(handle: JoinHandle<Result<Writer>>) -> Result<Writer> {
    handle
        .await
        .map_err(|e| Error::Other(anyhow::anyhow!("写入数据库的任务失败:{e}")))?
}

/// Ends a run that stopped half-way with `error`: the writer's batches are rolled back. Returns the error to
/// report — the writer's own, if it is what stopped (it has the better account of what went wrong).
pub(super) async fn abandon(writer: Option<JoinHandle<Result<Writer>>>, error: Error) -> Error {
    let Some(handle) = writer else {
        return error;
    };
    match join(handle).await {
        Ok(w) => {
            let _ = w.rollback().await;
            error
        }
        Err(e) => e,
    }
}
