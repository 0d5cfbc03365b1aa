//! 减负: each community's load as the street sees it — tasks admitted and refused (the street's decisions),
//! per community the tasks dispatched, returns due / submitted / accepted / overdue, and the work of a period:
//! governance meetings held, ledgers returned and materials (files) returned. And the overdue returns a
//! community user sees on their 工作台.

use serde::Serialize;
use sqlx::Row;

use super::returns::{self, Return};
use crate::accounts::{Actor, Role};
use crate::db::{self, Db};
use crate::error::Result;
use crate::reports::catalog::Period;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CommunityLoad {
    pub community_id: i64,
    pub community: String,
    /// Tasks dispatched to it (entered in the period).
    pub tasks: i64,
    pub returns_due: i64,
    pub returns_submitted: i64,
    pub returns_accepted: i64,
    pub returns_overdue: i64,
    /// Governance meetings held in the period.
    pub meetings: i64,
    /// Ledger returns submitted in the period.
    pub ledgers: i64,
    /// File returns (materials) submitted in the period.
    pub materials: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Load {
    pub period: Period,
    /// Tasks entered in the period: all, admitted, refused, waiting for a decision.
    pub tasks: i64,
    pub admitted: i64,
    pub refused: i64,
    pub waiting: i64,
    pub communities: Vec<CommunityLoad>,
}

/// The load of every community in the actor's scope for a period (tasks by their entry date).
pub async fn of(db: &Db, actor: &Actor, period: &Period) -> Result<Load> {
    let (from, to) = period.utc_bounds();
    let (dfrom, dto) = (period.from.to_string(), period.to.to_string());
    let today = db::today().to_string();
    let t = sqlx::query(&format!(
        "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN t.state = 'admitted' THEN 1 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN t.state = 'refused' THEN 1 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN t.state = 'received' THEN 1 ELSE 0 END), 0) AS BIGINT) \
         FROM admission_tasks t WHERE t.created_at >= $1 AND t.created_at < $2 AND {}",
        if actor.role == Role::StreetAdmin {
            actor.scope.sql("t")
        } else {
            "1=0".to_string()
        }
    ))
    .bind(&from)
    .bind(&to)
    .fetch_one(&db.pool)
    .await?;
    let (tasks, admitted, refused, waiting): (i64, i64, i64, i64) =
        (t.get(0), t.get(1), t.get(2), t.get(3));
    let sql = format!(
        "SELECT c.id, c.name, \
         (SELECT COUNT(*) FROM admission_dispatches d JOIN admission_tasks t ON t.id = d.task_id \
            WHERE d.community_id = c.id AND t.created_at >= $1 AND t.created_at < $2), \
         (SELECT COUNT(*) FROM admission_returns r WHERE r.community_id = c.id AND r.state IN ('due','returned')), \
         (SELECT COUNT(*) FROM admission_returns r WHERE r.community_id = c.id AND r.state = 'submitted'), \
         (SELECT COUNT(*) FROM admission_returns r WHERE r.community_id = c.id AND r.state = 'accepted'), \
         (SELECT COUNT(*) FROM admission_returns r WHERE r.community_id = c.id AND r.state IN ('due','returned') \
            AND r.due_on < $3), \
         (SELECT COUNT(*) FROM meetings m WHERE m.community_id = c.id AND m.held_on >= $4 AND m.held_on <= $5), \
         (SELECT COUNT(*) FROM admission_returns r JOIN admission_requirements q ON q.id = r.requirement_id \
            WHERE r.community_id = c.id AND q.kind = 'ledger' AND r.state IN ('submitted','accepted') \
            AND r.submitted_at >= $1 AND r.submitted_at < $2), \
         (SELECT COUNT(*) FROM admission_returns r JOIN admission_requirements q ON q.id = r.requirement_id \
            WHERE r.community_id = c.id AND q.kind = 'file' AND r.state IN ('submitted','accepted') \
            AND r.submitted_at >= $1 AND r.submitted_at < $2) \
         FROM nodes c WHERE c.kind = 'community' AND c.archived = 0 AND {} ORDER BY c.name",
        community_scope(actor)
    );
    let communities = sqlx::query(&sql)
        .bind(&from)
        .bind(&to)
        .bind(&today)
        .bind(&dfrom)
        .bind(&dto)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| CommunityLoad {
            community_id: r.get(0),
            community: r.get(1),
            tasks: r.get(2),
            returns_due: r.get(3),
            returns_submitted: r.get(4),
            returns_accepted: r.get(5),
            returns_overdue: r.get(6),
            meetings: r.get(7),
            ledgers: r.get(8),
            materials: r.get(9),
        })
        .collect();
    Ok(Load {
        period: period.clone(),
        tasks,
        admitted,
        refused,
        waiting,
        communities,
    })
}

/// The community nodes a user may see the load of: a street's communities, or the user's own.
fn community_scope(actor: &Actor) -> String {
    match &actor.scope {
        crate::accounts::Scope::Community { community, .. } => format!("c.id = {community}"),
        crate::accounts::Scope::Grids { .. } | crate::accounts::Scope::Buildings { .. } => {
            "1=0".into()
        }
        s => s.sql("c"),
    }
}

/// Overdue returns of the user's community (the 工作台 of 书记 and 社工; the street administrator sees all of
/// the street's).
pub async fn overdue(db: &Db, actor: &Actor) -> Result<Vec<Return>> {
    if !matches!(
        actor.role,
        Role::StreetAdmin | Role::CommunityHead | Role::SocialWorker
    ) {
        return Ok(vec![]);
    }
    returns::list(
        db,
        actor,
        &returns::Filter {
            task_id: None,
            state: Some("overdue".into()),
        },
    )
    .await
}
