//! `shequ report`: generate a work report from a template for the whole database (or one street, community or
//! grid of it) and a period, without storing it, as .docx, .md or .html — for scripts and the benchmark
//! (bench/reports.sh). `--as` generates within a user's scope.

use std::path::PathBuf;
use std::time::Instant;

use crate::db::Db;
use crate::reports::catalog::Period;
use crate::reports::{document, word, work};

pub struct Args {
    pub template: String,
    pub period: String,
    pub node: Option<i64>,
    pub out: PathBuf,
    pub as_user: Option<String>,
}

pub async fn run(db: &Db, a: Args) -> anyhow::Result<()> {
    let actor = super::import::actor_for(db, &a.as_user).await?;
    let period = Period::parse(&a.period).map_err(|e| anyhow::anyhow!("{e}"))?;
    let started = Instant::now();
    let doc = work::preview(db, &actor, &a.template, a.node, &period)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let computed = started.elapsed();
    let ext = a
        .out
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let bytes = match ext.as_str() {
        "docx" => word::docx(&doc)?,
        "md" => document::markdown(&doc).into_bytes(),
        _ => anyhow::bail!("输出文件应为 .docx 或 .md / the output must be .docx or .md"),
    };
    std::fs::write(&a.out, bytes)?;
    eprintln!(
        "{}: {} 个指标, 计算 {:.0} ms, 共 {:.0} ms → {}",
        doc.title,
        doc.figures.len(),
        computed.as_secs_f64() * 1000.0,
        started.elapsed().as_secs_f64() * 1000.0,
        a.out.display()
    );
    Ok(())
}
