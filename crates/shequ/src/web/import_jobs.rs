//! Imports running in the background of the server: each upload becomes a job (first a dry run, then, when
//! the user chooses, a real run over the same file) whose progress the page polls. Jobs live in memory,
//! belong to the user who started them, and are forgotten after two hours.
//!
//! The uploaded file lives as long as it can still be used: a real run removes it when it ends, a failed
//! dry run at once, a finished dry run hands it to the real run started from it or removes it when the job
//! is forgotten. Upload files are named after the server's process ([`upload_file`]); at start the server
//! removes those of processes that no longer run ([`remove_leftovers`]) — a killed server's uploads.

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
    /// Whether unregistered estates and buildings are created (ticked at the upload or at a re-check).
    pub create_places: bool,
    /// The uploaded file, until it is no longer needed (then removed from disk).
    pub file: Mutex<Option<Arc<TempPath>>>,
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
    pub create_places: bool,
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
            create_places: new.create_places,
            file: Mutex::new(Some(new.file)),
            progress: Arc::new(Progress::default()),
            result: Mutex::new(None),
            started: Instant::now(),
            follow_up: Mutex::new(None),
        });
        self.sweep();
        self.jobs.lock().expect("jobs lock").insert(id, job.clone());
        let (db, actor, running) = (db.clone(), actor.clone(), job.clone());
        tokio::spawn(async move {
            let opts = Options {
                grid_id: running.grid_id,
                mode: running.mode,
                file_name: running.file_name.clone(),
                create_places: running.create_places,
            };
            let path = running
                .file
                .lock()
                .expect("file lock")
                .as_ref()
                .map(|f| f.to_path_buf())
                .unwrap_or_default();
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
            if running.mode != Mode::DryRun || result.is_err() {
                // Nothing more will read the file: a real run does not run twice, a failed check is not
                // imported.
                running.file.lock().expect("file lock").take();
            }
            *running.result.lock().expect("result lock") = Some(result);
        });
        job
    }

    /// Forgets finished jobs older than two hours, with their files.
    fn sweep(&self) {
        let old: Vec<Arc<Job>> = {
            let mut jobs = self.jobs.lock().expect("jobs lock");
            let old: Vec<u64> = jobs
                .iter()
                .filter(|(_, j)| {
                    j.started.elapsed() >= KEEP
                        && j.result.lock().map(|r| r.is_some()).unwrap_or(true)
                })
                .map(|(id, _)| *id)
                .collect();
            old.iter().filter_map(|id| jobs.remove(id)).collect()
        };
        for j in old {
            j.file.lock().expect("file lock").take();
        }
    }

    /// The job if it belongs to this user (otherwise, as for records out of scope: not found).
    pub fn get(&self, actor: &Actor, id: u64) -> Option<Arc<Job>> {
        self.sweep();
        self.jobs
            .lock()
            .expect("jobs lock")
            .get(&id)
            .filter(|j| j.user_id == actor.user_id)
            .cloned()
    }

    /// This user's jobs, newest first.
    pub fn mine(&self, actor: &Actor) -> Vec<Arc<Job>> {
        self.sweep();
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

/// The start of every upload file's name; the process id and a dash follow.
const UPLOAD_PREFIX: &str = "shequ-import-";

/// A new upload file in the system's temp folder, named after this process (`shequ-import-<pid>-…`) and
/// keeping the upload's extension (the reader tells CSV from it).
pub fn upload_file(ext: &str) -> std::io::Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix(&format!("{UPLOAD_PREFIX}{}-", std::process::id()))
        .suffix(&format!(".{ext}"))
        .tempfile()
}

/// Whether process `pid` runs (Linux: /proc; elsewhere every process counts as running).
fn running(pid: u32) -> bool {
    let proc = std::path::Path::new("/proc");
    !proc.is_dir() || proc.join(pid.to_string()).exists()
}

/// Removes the upload files in `dir` left by servers that no longer run (killed, or crashed, with jobs in
/// memory: those jobs ended with them), and unnamed ones (before names carried the process) older than two
/// hours. Returns how many were removed.
pub fn remove_leftovers(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(UPLOAD_PREFIX)) else {
            continue;
        };
        let pid = rest
            .split_once('-')
            .and_then(|(p, _)| p.parse::<u32>().ok());
        let leftover = match pid {
            Some(pid) => !running(pid),
            None => e
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age >= KEEP),
        };
        if leftover && e.file_type().map(|t| t.is_file()).unwrap_or(false) {
            match std::fs::remove_file(e.path()) {
                Ok(()) => removed += 1,
                Err(err) => tracing::warn!("removing {}: {err}", e.path().display()),
            }
        }
    }
    removed
}
