//! The number of cases of each street, community and grid (`case_scope_counts`, migration 0009), kept with
//! the case writes: [`added`] runs in the transaction that inserts a case, [`rebuild`] after a bulk write
//! (the demo and benchmark generators). The unfiltered case list of a scope reads its total here instead of
//! counting the scope's cases on every request. Cases are never deleted and keep the street, community and
//! grid they were reported in, so these three numbers are all that changes.

use crate::accounts::{Actor, Scope};
use crate::db::{Db, Tx};
use crate::error::Result;

/// One more case in this street, community and grid (inside the inserting transaction). The rows are
/// locked in the same order by every writer (street, community, grid), so concurrent inserts wait, never
/// deadlock.
pub(crate) async fn added(tx: &mut Tx<'_>, street: i64, community: i64, grid: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO case_scope_counts (node_id, cases) VALUES ($1, 1), ($2, 1), ($3, 1) \
         ON CONFLICT (node_id) DO UPDATE SET cases = case_scope_counts.cases + 1",
    )
    .bind(street)
    .bind(community)
    .bind(grid)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Counts every scope's cases again from the records (after bulk inserts that bypass [`added`]).
pub async fn rebuild(db: &Db) -> Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM case_scope_counts")
        .execute(&mut *tx)
        .await?;
    for col in ["street_id", "community_id", "grid_id"] {
        sqlx::query(&format!(
            "INSERT INTO case_scope_counts (node_id, cases) SELECT {col}, COUNT(*) FROM cases GROUP BY {col}"
        ))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The query of all cases in the actor's scope, when the kept numbers answer it (street, community, grids),
/// for use as a scalar subquery of the list's statement; None for the other scopes, which count their rows.
pub(crate) fn in_scope_sql(actor: &Actor) -> Option<String> {
    let ids = match &actor.scope {
        Scope::Street(s) => vec![*s],
        Scope::Community { community, .. } => vec![*community],
        Scope::Grids { grids, .. } if !grids.is_empty() => grids.clone(),
        _ => return None,
    };
    let list = ids
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",");
    Some(format!(
        "SELECT CAST(COALESCE(SUM(cases), 0) AS BIGINT) FROM case_scope_counts WHERE node_id IN ({list})"
    ))
}
