//! Imports running in the background of the server: each upload becomes a job (first a dry run, then, when
//! the user chooses, a real run over the same file) whose progress the page polls. Jobs live in memory,
//! belong to the user who started them, and are forgotten (with their uploaded file) after two hours.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tempfile::TempPath;

use crate::accounts::Actor;
use crate::db::Db;
use crate::imports::{self, Mode, Options, Outcome, Progress};

const KEEP: Duration = Duration::from_secs(2 * 3600);

pub struct Job {
    pub id: u64,
    pub user_id: i64,
    pub file_name: String,
    pub grid_id: i64,
    pub grid_name: String,
    pub mode: Mode,
    pub file: Arc<TempPath>,
    pub progress: Arc<Progress>,
    pub result: Mutex<Option<Result<Outcome, String>>>,
    pub started: Instant,
    /// The real run started from this dry run, if any.
    pub follow_up: Mutex<Option<u64>>,
}

#[derive(Default)]
pub struct Jobs {
    next: AtomicU64,
    jobs: Mutex<HashMap<u64, Arc<Job>>>,
}

pub struct NewJob {
    pub file_name: String,
    pub grid_id: i64,
    pub grid_name: String,
    pub mode: Mode,
    pub file: Arc<TempPath>,
}

impl Jobs {
    /// Starts an import in the background and returns its job.
    pub fn start(&self, db: &Db, actor: &Actor, new: NewJob) -> Arc<Job> {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let job = Arc::new(Job {
            id,
            user_id: actor.user_id,
            file_name: new.file_name,
            grid_id: new.grid_id,
            grid_name: new.grid_name,
            mode: new.mode,
            file: new.file,
            progress: Arc::new(Progress::default()),
            result: Mutex::new(None),
            started: Instant::now(),
            follow_up: Mutex::new(None),
        });
        {
            let mut jobs = self.jobs.lock().expect("jobs lock");
            jobs.retain(|_, j| {
                j.started.elapsed() < KEEP || j.result.lock().map(|r| r.is_none()).unwrap_or(false)
            });
            jobs.insert(id, job.clone());
        }
        let (db, actor, running) = (db.clone(), actor.clone(), job.clone());
        tokio::spawn(async move {
            let opts = Options {
                grid_id: running.grid_id,
                mode: running.mode,
                file_name: running.file_name.clone(),
            };
            let path = running.file.to_path_buf();
            let result = imports::run(&db, &actor, path, &opts, &running.progress)
                .await
                .map_err(|e| {
                    if matches!(
                        e,
                        crate::error::Error::Db(_) | crate::error::Error::Other(_)
                    ) {
                        tracing::error!("import {}: {e:?}", running.id);
                        "导入失败(数据库或内部错误),没有写入任何数据,请稍后重试".to_string()
                    } else {
                        e.to_string()
                    }
                });
            running.progress.done.store(true, Ordering::Relaxed);
            *running.result.lock().expect("result lock") = Some(result);
        });
        job
    }

    /// The job if it belongs to this user (otherwise, as for records out of scope: not found).
    pub fn get(&self, actor: &Actor, id: u64) -> Option<Arc<Job>> {
        self.jobs
            .lock()
            .expect("jobs lock")
            .get(&id)
            .filter(|j| j.user_id == actor.user_id)
            .cloned()
    }

    /// This user's jobs, newest first.
    pub fn mine(&self, actor: &Actor) -> Vec<Arc<Job>> {
        let mut v: Vec<Arc<Job>> = self
            .jobs
            .lock()
            .expect("jobs lock")
            .values()
            .filter(|j| j.user_id == actor.user_id)
            .cloned()
            .collect();
        v.sort_by_key(|j| std::cmp::Reverse(j.id));
        v
    }
}
