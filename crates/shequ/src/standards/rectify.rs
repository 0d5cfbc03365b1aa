//! Rectification tasks (逐项对照整改): a gap (an item scored below its points) becomes a task with an owner —
//! a worker of the community — and a deadline in working days (`calendar::Limit::WorkingDays`), tracked
//! 待整改 (open) → 已整改 (rectified, with a note; by the owner or the committee) → 已核查 (verified, by the
//! committee or the street). Open tasks show on their owner's 工作台, overdue ones marked.

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use crate::accounts::Actor;
use crate::audit;
use crate::calendar::Limit;
use crate::db::{self, Db};
use crate::error::{Error, Result};
use crate::governance::{require_committee, text};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Rectification {
    pub id: i64,
    pub inspection_id: i64,
    pub item_id: i64,
    pub item_number: String,
    pub community_name: String,
    pub standard_title: String,
    pub title: String,
    pub owner_id: i64,
    pub owner_name: String,
    pub due_at: String,
    /// open / rectified / verified
    pub state: String,
    pub state_label: String,
    pub overdue: bool,
    pub rectified_at: Option<String>,
    pub rectified_note: String,
    pub verified_at: Option<String>,
}

pub fn state_label(s: &str) -> &'static str {
    match s {
        "open" => "待整改",
        "rectified" => "已整改",
        _ => "已核查",
    }
}

async fn rows(db: &Db, cond: &str, bind: i64) -> Result<Vec<Rectification>> {
    let now = db::now();
    let sql = format!(
        "SELECT k.id, k.inspection_id, k.item_id, i.number, c.name, t.title, k.title, k.owner_id, u.display_name, \
         k.due_at, k.state, k.rectified_at, k.rectified_note, k.verified_at FROM rectifications k \
         JOIN standard_items i ON i.id = k.item_id JOIN inspections s ON s.id = k.inspection_id \
         JOIN standards t ON t.id = s.standard_id JOIN nodes c ON c.id = k.community_id \
         JOIN users u ON u.id = k.owner_id WHERE {cond} ORDER BY k.due_at, k.id LIMIT 500"
    );
    Ok(sqlx::query(&sql)
        .bind(bind)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| {
            let state: String = r.get(10);
            let due: String = r.get(9);
            Rectification {
                id: r.get(0),
                inspection_id: r.get(1),
                item_id: r.get(2),
                item_number: r.get(3),
                community_name: r.get(4),
                standard_title: r.get(5),
                title: r.get(6),
                owner_id: r.get(7),
                owner_name: r.get(8),
                overdue: state == "open" && due < now,
                due_at: due,
                state_label: state_label(&state).into(),
                state,
                rectified_at: r.get(11),
                rectified_note: r.get(12),
                verified_at: r.get(13),
            }
        })
        .collect())
}

pub(crate) async fn of_inspection(db: &Db, id: i64) -> Result<Vec<Rectification>> {
    rows(db, "k.inspection_id = $1", id).await
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewRectification {
    /// The item with a gap.
    pub item_id: i64,
    /// What is to be done (the item's content when empty).
    pub title: String,
    /// A worker of the community.
    pub owner_id: i64,
    /// 整改时限: working days from tomorrow.
    pub working_days: i64,
}

/// A rectification task for a gap of an inspection, due at the end of the n-th working day.
pub async fn create(
    db: &Db,
    actor: &Actor,
    inspection: i64,
    n: &NewRectification,
) -> Result<Rectification> {
    require_committee(actor)?;
    let (_, street, community) = super::inspections::head(db, actor, inspection).await?;
    let gap = sqlx::query(
        "SELECT i.content FROM inspection_scores x JOIN standard_items i ON i.id = x.item_id \
         WHERE x.inspection_id = $1 AND x.item_id = $2 AND x.score < i.points",
    )
    .bind(inspection)
    .bind(n.item_id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or_else(|| Error::invalid("项目", "只有自查得分低于分值的项目才需要整改"))?;
    let title = match text("整改任务", &n.title, 200)? {
        t if t.is_empty() => gap.get::<String, _>(0).chars().take(200).collect(),
        t => t,
    };
    if !(1..=250).contains(&n.working_days) {
        return Err(Error::invalid("整改时限", "整改时限应为1至250个工作日"));
    }
    let owners = owners(db, community).await?;
    if !owners.iter().any(|(id, _)| *id == n.owner_id) {
        return Err(Error::invalid("责任人", "请选择本社区的工作人员作为责任人"));
    }
    let cal = crate::calendar::store::load(db).await?;
    let (_, due) = Limit::WorkingDays(n.working_days).times(chrono::Utc::now().naive_utc(), &cal);
    let due = due.format("%Y-%m-%d %H:%M:%S").to_string();
    let mut tx = db.begin().await?;
    let dup = sqlx::query("SELECT 1 FROM rectifications WHERE inspection_id = $1 AND item_id = $2")
        .bind(inspection)
        .bind(n.item_id)
        .fetch_optional(&mut *tx)
        .await?;
    if dup.is_some() {
        return Err(Error::conflict("项目", "该项目已有整改任务"));
    }
    let id: i64 = sqlx::query(
        "INSERT INTO rectifications (inspection_id, item_id, street_id, community_id, title, owner_id, due_at, state, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $9) RETURNING id",
    )
    .bind(inspection)
    .bind(n.item_id)
    .bind(street)
    .bind(community)
    .bind(&title)
    .bind(n.owner_id)
    .bind(&due)
    .bind(actor.user_id)
    .bind(db::now())
    .fetch_one(&mut *tx)
    .await?
    .get(0);
    audit::record(
        &mut *tx,
        actor,
        "create",
        "rectification",
        Some(id),
        None,
        Some(&json!({"inspection_id": inspection, "item_id": n.item_id, "title": title, "owner_id": n.owner_id,
            "working_days": n.working_days, "due_at": due})),
    )
    .await?;
    tx.commit().await?;
    Ok(rows(db, "k.id = $1", id).await?.remove(0))
}

/// A rectification the actor may see: in their scope, or their own.
async fn visible(db: &Db, actor: &Actor, id: i64) -> Result<Rectification> {
    let sql = format!(
        "SELECT k.id FROM rectifications k WHERE k.id = $1 AND (k.owner_id = $2 OR {})",
        actor.scope.sql("k")
    );
    sqlx::query(&sql)
        .bind(id)
        .bind(actor.user_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(rows(db, "k.id = $1", id).await?.remove(0))
}

/// 已整改: the owner or the committee reports the gap put right, with a note.
pub async fn rectified(db: &Db, actor: &Actor, id: i64, note: &str) -> Result<Rectification> {
    let r = visible(db, actor, id).await?;
    if r.owner_id != actor.user_id {
        require_committee(actor)?;
    }
    if r.state != "open" {
        return Err(Error::conflict("状态", "只能对待整改的任务报告整改完成"));
    }
    let note = text("整改情况", note, 2000)?;
    if note.is_empty() {
        return Err(Error::invalid("整改情况", "请填写整改情况"));
    }
    let mut tx = db.begin().await?;
    let moved = sqlx::query(
        "UPDATE rectifications SET state = 'rectified', rectified_at = $1, rectified_note = $2 WHERE id = $3 AND state = 'open'",
    )
    .bind(db::now())
    .bind(&note)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if moved.rows_affected() != 1 {
        return Err(Error::conflict("状态", "任务状态已变化,请刷新"));
    }
    audit::record(
        &mut *tx,
        actor,
        "rectified",
        "rectification",
        Some(id),
        Some(&json!({"state": "open"})),
        Some(&json!({"state": "rectified", "note": note})),
    )
    .await?;
    tx.commit().await?;
    visible(db, actor, id).await
}

/// 已核查: the committee or the street checks a rectified gap.
pub async fn verify(db: &Db, actor: &Actor, id: i64) -> Result<Rectification> {
    require_committee(actor)?;
    let r = visible(db, actor, id).await?;
    super::inspections::head(db, actor, r.inspection_id).await?;
    if r.state != "rectified" {
        return Err(Error::conflict("状态", "只能核查已整改的任务"));
    }
    let mut tx = db.begin().await?;
    let moved = sqlx::query(
        "UPDATE rectifications SET state = 'verified', verified_at = $1, verified_by = $2 WHERE id = $3 AND state = 'rectified'",
    )
    .bind(db::now())
    .bind(actor.user_id)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if moved.rows_affected() != 1 {
        return Err(Error::conflict("状态", "任务状态已变化,请刷新"));
    }
    audit::record(
        &mut *tx,
        actor,
        "verify",
        "rectification",
        Some(id),
        Some(&json!({"state": "rectified"})),
        Some(&json!({"state": "verified"})),
    )
    .await?;
    tx.commit().await?;
    visible(db, actor, id).await
}

/// The rectifications in the actor's scope and those they own.
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<Rectification>> {
    rows(
        db,
        &format!("(k.owner_id = $1 OR {})", actor.scope.sql("k")),
        actor.user_id,
    )
    .await
}

/// The open rectifications a user owns (their worklist), soonest due first.
pub async fn my_open(db: &Db, actor: &Actor) -> Result<Vec<Rectification>> {
    rows(db, "k.owner_id = $1 AND k.state = 'open'", actor.user_id).await
}

/// The workers who may own a rectification of a community: its committee and its grids' workers (by name).
pub async fn owners(db: &Db, community: i64) -> Result<Vec<(i64, String)>> {
    Ok(sqlx::query(
        "SELECT u.id, u.display_name FROM users u WHERE u.archived = 0 AND u.role <> 'resident' \
         AND u.role <> 'street_admin' AND (u.community_id = $1 OR EXISTS (SELECT 1 FROM user_grids g JOIN nodes n \
         ON n.id = g.grid_id WHERE g.user_id = u.id AND n.community_id = $1)) ORDER BY u.display_name",
    )
    .bind(community)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect())
}
