//! The street compares its communities on a standard and a year: each community's total score, items met,
//! rectifications open and overdue, and progress (rectified or verified ÷ all). A community's staff see
//! their own row.

use serde::Serialize;
use sqlx::Row;

use crate::accounts::Actor;
use crate::db::{self, Db};
use crate::error::Result;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CommunityRow {
    pub community_id: i64,
    pub community_name: String,
    /// None when the community has not started this self-inspection.
    pub inspection_id: Option<i64>,
    pub total_points: i64,
    pub score: i64,
    pub checked: i64,
    pub items_met: i64,
    pub rectifications: i64,
    pub open: i64,
    pub overdue: i64,
    pub done: i64,
    /// Rectified or verified ÷ all rectifications, in per cent (100 when there are none).
    pub progress: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Comparison {
    pub standard_id: i64,
    pub standard_title: String,
    pub year: i64,
    pub total_points: i64,
    pub rows: Vec<CommunityRow>,
}

/// The communities in the actor's scope against one standard for a year, best score first.
pub async fn compare(db: &Db, actor: &Actor, standard: i64, year: i64) -> Result<Comparison> {
    let s = super::get(db, actor, standard).await?;
    let sql = format!(
        "SELECT c.id, c.name, s.id FROM nodes c LEFT JOIN inspections s ON s.community_id = c.id \
         AND s.standard_id = $1 AND s.year = $2 WHERE c.kind = 'community' AND c.archived = 0 AND {} ORDER BY c.name",
        actor.scope.sql("c")
    );
    let now = db::now();
    let mut rows = Vec::new();
    for r in sqlx::query(&sql)
        .bind(standard)
        .bind(year)
        .fetch_all(&db.pool)
        .await?
    {
        let inspection: Option<i64> = r.get(2);
        let mut row = CommunityRow {
            community_id: r.get(0),
            community_name: r.get(1),
            inspection_id: inspection,
            total_points: s.total_points,
            score: 0,
            checked: 0,
            items_met: 0,
            rectifications: 0,
            open: 0,
            overdue: 0,
            done: 0,
            progress: 100,
        };
        if let Some(id) = inspection {
            let x = sqlx::query(
                "SELECT CAST(COALESCE(SUM(x.score), 0) AS BIGINT), COUNT(*), \
                 CAST(COALESCE(SUM(CASE WHEN x.score >= i.points THEN 1 ELSE 0 END), 0) AS BIGINT) \
                 FROM inspection_scores x JOIN standard_items i ON i.id = x.item_id WHERE x.inspection_id = $1",
            )
            .bind(id)
            .fetch_one(&db.pool)
            .await?;
            row.score = x.get(0);
            row.checked = x.get(1);
            row.items_met = x.get(2);
            let k = sqlx::query(
                "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN state = 'open' THEN 1 ELSE 0 END), 0) AS BIGINT), \
                 CAST(COALESCE(SUM(CASE WHEN state = 'open' AND due_at < $2 THEN 1 ELSE 0 END), 0) AS BIGINT) \
                 FROM rectifications WHERE inspection_id = $1",
            )
            .bind(id)
            .bind(&now)
            .fetch_one(&db.pool)
            .await?;
            row.rectifications = k.get(0);
            row.open = k.get(1);
            row.overdue = k.get(2);
            row.done = row.rectifications - row.open;
            if row.rectifications > 0 {
                row.progress = row.done * 100 / row.rectifications;
            }
        }
        rows.push(row);
    }
    rows.sort_by(|a, b| {
        b.inspection_id
            .is_some()
            .cmp(&a.inspection_id.is_some())
            .then(b.score.cmp(&a.score))
    });
    Ok(Comparison {
        standard_id: s.id,
        standard_title: s.title,
        year,
        total_points: s.total_points,
        rows,
    })
}
