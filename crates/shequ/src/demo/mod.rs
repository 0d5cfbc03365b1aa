//! Demo data (placeholder until the generator lands): see the `demo` branch.
use crate::db::Db;

pub const DEMO_PASSWORD: &str = "shequ-demo-2026";

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Scale {
    Tiny,
    Community,
    Street,
    District,
}

pub struct Summary {
    pub communities: i64,
    pub grids: i64,
    pub households: i64,
    pub persons: i64,
    pub users: Vec<(String, String, String)>,
    pub seconds: f64,
}

pub async fn is_empty(db: &Db) -> anyhow::Result<bool> {
    use sqlx::Row;
    let n: i64 = sqlx::query("SELECT COUNT(*) FROM nodes")
        .fetch_one(&db.pool)
        .await?
        .get(0);
    Ok(n == 0)
}

pub async fn generate(
    _db: &Db,
    _scale: Scale,
    _progress: &dyn Fn(&str),
) -> anyhow::Result<Summary> {
    anyhow::bail!("demo generator not merged yet")
}
