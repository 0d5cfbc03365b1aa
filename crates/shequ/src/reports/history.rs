//! Saved figures of past reports, per scope and year, for year-over-year comparison.

use reportcheck::History;
use serde_json::json;
use sqlx::Row;

use crate::accounts::{Actor, Scope};
use crate::audit;
use crate::db::{self, Db};
use crate::error::{Error, Result};

/// The key a scope's history is filed under: users with the same scope share it.
pub fn scope_key(scope: &Scope) -> String {
    let ids = |v: &[i64]| {
        v.iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    match scope {
        Scope::All => "all".into(),
        Scope::Street(s) => format!("street:{s}"),
        Scope::Community { community, .. } => format!("community:{community}"),
        Scope::Grids { grids, .. } => format!("grids:{}", ids(grids)),
        Scope::Buildings { buildings, .. } => format!("buildings:{}", ids(buildings)),
        Scope::Nothing => "none".into(),
    }
}

/// Saves (or replaces) the history of the actor's scope for a year.
pub async fn save(db: &Db, actor: &Actor, year: i32, history: &History) -> Result<()> {
    if !actor.role.can_write_registry() {
        return Err(Error::Forbidden("您的角色不能保存历史数据".into()));
    }
    let key = scope_key(&actor.scope);
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM report_history WHERE scope_key = $1 AND year = $2")
        .bind(&key)
        .bind(year as i64)
        .execute(&mut *tx)
        .await?;
    let id: i64 = sqlx::query("INSERT INTO report_history (scope_key, year, history, created_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
        .bind(&key)
        .bind(year as i64)
        .bind(history.to_json())
        .bind(&actor.username)
        .bind(db::now())
        .fetch_one(&mut *tx)
        .await?
        .get(0);
    let after = json!({"scope": key, "year": year, "figures": history.figures.len(), "source": history.source});
    audit::record(
        &mut *tx,
        actor,
        "create",
        "report_history",
        Some(id),
        None,
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The saved history of the actor's scope for a year, if any.
pub async fn load(db: &Db, actor: &Actor, year: i32) -> Result<Option<History>> {
    let row = sqlx::query("SELECT history FROM report_history WHERE scope_key = $1 AND year = $2")
        .bind(scope_key(&actor.scope))
        .bind(year as i64)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.and_then(|r| History::from_json(&r.get::<String, _>(0)).ok()))
}
