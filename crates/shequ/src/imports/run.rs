//! The pipeline: a blocking thread reads the file (sheetimport) and hands rows over a bounded channel to the
//! importer, which checks them chunk by chunk and hands each checked chunk to the writer task; the writer
//! writes inside one transaction, committed only at the end. Reading, checking and writing overlap.

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use serde_json::json;
use sheetimport::{Problem, Row, Severity};
use tokio::sync::mpsc;

use super::importer::Importer;
use super::writer::{self, Writer};
use super::{Mode, Options, Outcome, Progress};
use crate::accounts::Actor;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::registry::nodes::{self, Kind};

/// Rows checked and written together.
const CHUNK: usize = 2000;

/// Imports (or, in [`Mode::DryRun`], checks) the persons in `path`.
pub async fn run(
    db: &Db,
    actor: &Actor,
    path: PathBuf,
    opts: &Options,
    progress: &Arc<Progress>,
) -> Result<Outcome> {
    actor.require_write()?;
    let target = nodes::get(db, actor, opts.grid_id)
        .await
        .map_err(|_| Error::invalid("网格", "所选网格不存在或不在您的管辖范围内"))?;
    if target.kind() != Kind::Grid || target.archived != 0 {
        return Err(Error::invalid("网格", "请选择一个未归档的网格作为导入目标"));
    }
    let writing = opts.mode != Mode::DryRun;
    let mut imp = Importer::new(
        db,
        actor,
        target.clone(),
        opts.mode,
        writing,
        opts.create_places,
        progress,
    )
    .await?;
    let mut writer = None;
    if writing {
        let w = Writer::begin(
            db,
            target.id,
            imp.who.clone(),
            &mut imp.ids,
            progress.clone(),
        )
        .await?;
        let (jobs, handle) = w.spawn();
        imp.jobs = Some(jobs);
        writer = Some(handle);
    }

    let (send, mut recv) = mpsc::channel::<(Row, Vec<Problem>)>(CHUNK * 2);
    let read_counter = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counter = read_counter.clone();
    let reader = tokio::task::spawn_blocking(move || {
        sheetimport::read_path(&path, &mut |row, problems| {
            counter.fetch_add(1, Ordering::Relaxed);
            match send.blocking_send((row, problems)) {
                Ok(()) => std::ops::ControlFlow::Continue(()),
                Err(_) => std::ops::ControlFlow::Break(()),
            }
        })
    });

    let mut chunk = Vec::with_capacity(CHUNK);
    loop {
        let room = CHUNK - chunk.len();
        let more = recv.recv_many(&mut chunk, room).await;
        progress
            .read
            .store(read_counter.load(Ordering::Relaxed), Ordering::Relaxed);
        if more > 0 && chunk.len() < CHUNK {
            continue;
        }
        if chunk.is_empty() {
            break;
        }
        let items = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
        if let Err(e) = imp.chunk(items).await {
            drop(recv);
            let _ = reader.await;
            imp.jobs = None;
            return Err(writer::abandon(writer, e).await);
        }
        if more == 0 {
            break;
        }
    }
    let read = reader
        .await
        .map_err(|e| Error::Other(anyhow::anyhow!("读取文件的线程失败:{e}")))
        .and_then(|r| r.map_err(|e| Error::invalid("文件", e.to_string())));
    let summary = match read {
        Ok(summary) => summary,
        Err(e) => {
            imp.jobs = None;
            return Err(writer::abandon(writer, e).await);
        }
    };
    progress.read.store(summary.rows as u64, Ordering::Relaxed);

    // File-level problems (columns, sheets) go first in the report.
    let mut all = Vec::new();
    let mut file_error = None;
    for p in summary.problems {
        if p.severity == Severity::Error && file_error.is_none() {
            file_error = Some(format!("文件有错误:{}", p.message));
        }
        imp.count_problem(&p);
        all.push(p);
    }
    if imp.counts.no_move_in > 0 {
        let n = imp.counts.no_move_in;
        let p = Problem {
            sheet: String::new(),
            row: 0,
            column: Some(sheetimport::Field::MoveIn.header_zh().into()),
            value: String::new(),
            message: format!(
                "{n}人未填写迁入日期:不会按迁出、死亡日期判错;其居住记录自迁出/死亡日(仍在住的自导入日)起登记,请日后补充实际迁入日期"
            ),
            severity: Severity::Warning,
            code: "no_move_in",
        };
        imp.count_problem(&p);
        all.push(p);
    }
    imp.counts.places_missing = imp
        .places
        .missing
        .values()
        .map(|b| b.len().max(1) as u64)
        .sum();
    for p in places_notices(&imp.places.missing, &imp.places.created.named) {
        imp.count_problem(&p);
        all.push(p);
    }
    all.extend(std::mem::take(&mut imp.problems));
    all.truncate(super::MAX_PROBLEMS);
    let counts = imp.counts_with_places();
    let refused = if opts.mode == Mode::DryRun {
        None
    } else if let Some(e) = file_error {
        Some(e)
    } else if opts.mode == Mode::AllOrNothing && counts.error_rows > 0 {
        Some(format!(
            "有{}行存在错误,按“全部无误才导入”的选择,本次没有导入任何数据",
            counts.error_rows
        ))
    } else {
        None
    };
    // The last batches are written; the writer is back for the commit or the rollback. The importer's maps
    // (places, ID numbers met) go first: a big import's commit sorts and wants the memory.
    let still_writing = imp.writing;
    drop(imp);
    let mut committed = false;
    if let Some(handle) = writer {
        let w = writer::join(handle).await?;
        if refused.is_none() && still_writing {
            progress.committing.store(true, Ordering::Relaxed);
            let detail = json!({"file": opts.file_name, "grid_id": opts.grid_id, "mode": opts.mode, "counts": counts});
            w.commit(actor, &detail).await?;
            committed = true;
        } else {
            w.rollback().await?;
        }
    }
    progress.done.store(true, Ordering::Relaxed);
    Ok(Outcome {
        mode: opts.mode,
        counts,
        problems: all,
        committed,
        refused,
        format: summary.format.to_string(),
    })
}

/// "小区A(1号楼、2号楼);小区B": estates with their buildings, at most 30 estates and 20 buildings each named.
fn place_list(
    names: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
) -> String {
    let mut parts: Vec<String> = names
        .iter()
        .take(30)
        .map(|(estate, buildings)| {
            let named: Vec<&str> = buildings
                .iter()
                .map(String::as_str)
                .filter(|b| !b.is_empty())
                .collect();
            let mut b: Vec<String> = named.iter().take(20).map(|s| s.to_string()).collect();
            if named.len() > 20 {
                b.push(format!("等{}栋", named.len()));
            }
            if b.is_empty() {
                estate.clone()
            } else {
                format!("{estate}({})", b.join("、"))
            }
        })
        .collect();
    if names.len() > 30 {
        parts.push(format!("等{}个小区", names.len()));
    }
    parts.join(";")
}

/// The file-level notices on places: what the rows name that is not registered (their rows were refused),
/// and what the run creates (or, in a dry run, would create) because the user allowed it.
fn places_notices(
    missing: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
    created: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
) -> Vec<Problem> {
    let notice = |message: String, code: &'static str| Problem {
        sheet: String::new(),
        row: 0,
        column: Some("现住地址".into()),
        value: String::new(),
        message,
        severity: Severity::Warning,
        code,
    };
    let mut out = Vec::new();
    if !missing.is_empty() {
        out.push(notice(
            format!(
                "文件中有尚未登记的小区或楼栋,相关行未导入:{}。确认无误后勾选“新建文件中尚未登记的小区和楼栋”重新预检,即可一并新建",
                place_list(missing)
            ),
            "places_missing",
        ));
    }
    if !created.is_empty() {
        out.push(notice(
            format!("将新建以下小区和楼栋:{}", place_list(created)),
            "places_created",
        ));
    }
    out
}
