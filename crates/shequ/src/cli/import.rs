//! `shequ import persons FILE --grid …`: the importer from the command line, with a progress bar on a
//! terminal (indicatif) and four progress lines a second otherwise (logs, tests).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use sqlx::Row;

use crate::accounts::{users, Actor};
use crate::db::Db;
use crate::imports::{self, Mode, Options, Outcome, Progress};

pub struct Args {
    pub file: PathBuf,
    /// A grid's id, or its name (unique in the database, or written as 社区名/网格名).
    pub grid: String,
    pub dry_run: bool,
    pub valid_rows: bool,
    /// Create unregistered estates and buildings the file names.
    pub create_places: bool,
    pub report: Option<PathBuf>,
    /// Import as this user (their scope applies); default: the system.
    pub as_user: Option<String>,
}

async fn find_grid(db: &Db, grid: &str) -> anyhow::Result<i64> {
    if let Ok(id) = grid.trim().parse::<i64>() {
        return Ok(id);
    }
    let (community, name) = match grid.split_once('/') {
        Some((c, g)) => (Some(c.trim()), g.trim()),
        None => (None, grid.trim()),
    };
    let rows = sqlx::query(
        "SELECT g.id, c.name FROM nodes g JOIN nodes c ON c.id = g.community_id \
         WHERE g.kind = 'grid' AND g.archived = 0 AND g.name = $1 ORDER BY g.id",
    )
    .bind(name)
    .fetch_all(&db.pool)
    .await?;
    let matching: Vec<(i64, String)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .filter(|(_, c): &(i64, String)| community.is_none_or(|want| want == c))
        .collect();
    match matching.as_slice() {
        [(id, _)] => Ok(*id),
        [] => anyhow::bail!("找不到网格“{grid}”"),
        many => anyhow::bail!(
            "有{}个网格名为“{name}”,请写成 社区名/网格名 或用网格编号:{}",
            many.len(),
            many.iter()
                .map(|(id, c)| format!("{c}/{name} (编号 {id})"))
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}

pub(crate) async fn actor_for(db: &Db, user: &Option<String>) -> anyhow::Result<Actor> {
    let Some(name) = user else {
        return Ok(Actor::system());
    };
    let id: Option<i64> = sqlx::query("SELECT id FROM users WHERE username = $1")
        .bind(name)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| r.get(0));
    let id = id.ok_or_else(|| anyhow::anyhow!("没有用户“{name}”"))?;
    Ok(users::actor(db, id).await?)
}

fn print_outcome(o: &Outcome) {
    let c = &o.counts;
    let verb = if o.committed { "已" } else { "将" };
    println!("文件格式 {},数据行 {}", o.format, c.rows);
    println!(
        "{verb}新建 {} 人,{verb}更新 {} 人,无变化 {} 人,有错误未导入 {} 行(错误 {} 个,提示 {} 个)",
        c.created, c.updated, c.unchanged, c.error_rows, c.errors, c.warnings
    );
    println!(
        "{verb}新建 小区 {},楼栋 {},单元 {},房屋 {},户 {};重点类别 {}",
        c.estates, c.buildings, c.units, c.dwellings, c.households, c.tags
    );
    for p in o.problems.iter().take(20) {
        println!(
            "  {} 第{}行 {}:{}",
            p.sheet,
            p.row,
            p.column.as_deref().unwrap_or(""),
            p.message
        );
    }
    if o.problems.len() > 20 {
        println!("  ……共 {} 个问题,完整清单见 --report", o.problems.len());
    }
    match (&o.refused, o.committed, o.mode) {
        (Some(r), _, _) => println!("未导入:{r}"),
        (None, true, _) => println!("导入完成"),
        (None, false, _) => println!("预检完成,没有写入数据"),
    }
}

extern "C" {
    // Part of mimalloc's C library, which libmimalloc-sys links; its Rust binding sits behind a feature.
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}

/// `mi_option_purge_delay` in mimalloc.h: how many milliseconds freed memory stays with the allocator before
/// it goes back to the OS (default 10).
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

pub async fn run(db: &Db, args: Args) -> anyhow::Result<()> {
    // An import frees every chunk's rows on another thread than the one that made them; mimalloc held on to
    // about 80 MB of them. Returned at once, a 1,000,000-row import peaks at 401–414 MB instead of
    // 467–496 MB, in the same time (49–56 s either way). This process does nothing but the import.
    // SAFETY: sets one integer option, which mimalloc reads whenever it purges.
    unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    let grid_id = find_grid(db, &args.grid).await?;
    let actor = actor_for(db, &args.as_user).await?;
    let mode = match (args.dry_run, args.valid_rows) {
        (true, _) => Mode::DryRun,
        (false, true) => Mode::ValidRows,
        (false, false) => Mode::AllOrNothing,
    };
    let opts = Options {
        grid_id,
        mode,
        file_name: args
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        create_places: args.create_places,
    };
    let progress = Arc::new(Progress::default());
    let watcher = {
        let progress = progress.clone();
        tokio::spawn(async move {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {elapsed} {msg}").expect("template"),
            );
            let tty = !bar.is_hidden();
            loop {
                let (read, checked, written, committing, done) = progress.snapshot();
                let msg = if committing {
                    format!("已写入 {written} 行,正在提交……")
                } else {
                    format!("已读取 {read} 行,已检查 {checked} 行,已写入 {written} 行")
                };
                if tty {
                    bar.set_message(msg);
                    bar.tick();
                } else {
                    eprintln!("{msg}");
                }
                if done {
                    bar.finish_and_clear();
                    break;
                }
                tokio::time::sleep(Duration::from_millis(if tty { 100 } else { 250 })).await;
            }
        })
    };
    let result = imports::run(db, &actor, args.file.clone(), &opts, &progress).await;
    progress
        .done
        .store(true, std::sync::atomic::Ordering::Relaxed);
    let _ = watcher.await;
    let outcome = result.map_err(|e| anyhow::anyhow!("{e}"))?;
    print_outcome(&outcome);
    if let Some(path) = &args.report {
        std::fs::write(path, imports::report::xlsx(&outcome, &opts.file_name)?)?;
        println!("问题清单已写入 {}", path.display());
    }
    if outcome.refused.is_some() {
        anyhow::bail!("没有导入");
    }
    Ok(())
}
