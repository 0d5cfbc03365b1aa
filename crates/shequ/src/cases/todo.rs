//! What is waiting for a user (the 工作台): the cases whose next step is theirs by the loop of
//! [`super::flow`] — who acts next, not the last step done — the cases they reported that nobody accepted
//! yet, and the hazards whose rectification falls due. Every query is scoped through the actor.

use serde::Serialize;

use crate::accounts::{Actor, Role};
use crate::db::Db;
use crate::error::Result;

/// How many rows of each list the 工作台 shows (the count is of all).
pub const SHOWN: i64 = 10;

/// The next step of an open case and who takes it, as SQL over `cases c` with the user's id as `$1`:
/// 立案 by any case worker of the case's community or grid (首问负责: whoever accepts owns it); 派遣 by the
/// owner; 处置 by the user it was sent to, else the owner (who follows up a department or the community
/// office); after a handling note, 核查 by the owner unless the owner wrote it (核查 is never by the
/// handler); back to the handler when 核查 fails or the resident is not satisfied; 结案 and the rating by the
/// owner.
const NEXT: &str = "CASE \
    WHEN c.state = 'reported' THEN 'accept' \
    WHEN c.state = 'accepted' AND c.owner_id = $1 THEN 'dispatch' \
    WHEN c.state = 'dispatched' AND ((c.assignee_kind = 'user' AND c.assignee_user_id = $1) \
         OR (COALESCE(c.assignee_kind, '') <> 'user' AND c.owner_id = $1)) THEN 'handle' \
    WHEN c.state = 'handling' AND (SELECT e.kind FROM case_events e WHERE e.case_id = c.id \
         AND e.kind IN ('handle', 'verify_failed', 'reopen', 'dispatch') ORDER BY e.id DESC LIMIT 1) <> 'handle' \
         AND (c.handler_id = $1 OR (c.handler_id IS NULL AND c.owner_id = $1)) THEN 'handle' \
    WHEN c.state = 'handling' AND (SELECT e.kind FROM case_events e WHERE e.case_id = c.id \
         AND e.kind IN ('handle', 'verify_failed', 'reopen', 'dispatch') ORDER BY e.id DESC LIMIT 1) = 'handle' \
         AND c.owner_id = $1 AND COALESCE(c.handler_id, 0) <> $1 THEN 'verify' \
    WHEN c.state = 'verified' AND c.owner_id = $1 THEN 'close' \
    WHEN c.state = 'closed' AND c.owner_id = $1 THEN 'rate' \
    END";

/// A case waiting for the user, with the step that is theirs.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct CaseTodo {
    pub id: i64,
    pub number: String,
    pub title: String,
    pub grid_name: String,
    /// The step code: accept, dispatch, handle, verify, close, rate.
    pub step: String,
    pub deadline_status: String,
    pub stage_due_at: Option<String>,
}

impl CaseTodo {
    /// 待立案, 待派遣 …
    pub fn step_label(step: &str) -> &'static str {
        match step {
            "accept" => "待立案",
            "dispatch" => "待派遣",
            "handle" => "待处置",
            "verify" => "待核查",
            "close" => "待结案",
            "rate" => "待评价",
            _ => "待办",
        }
    }
}

/// A list of the 工作台: the first rows and the count of all.
#[derive(Clone, Debug, Serialize)]
pub struct Todos<T> {
    pub total: i64,
    pub items: Vec<T>,
}

/// Open cases whose next step is the user's, overdue first, then by the stage's due time.
pub async fn my_cases(db: &Db, actor: &Actor) -> Result<Todos<CaseTodo>> {
    if !actor.role.can_write_registry() {
        return Ok(Todos {
            total: 0,
            items: vec![],
        });
    }
    // 立案 is the work of the community and its grids, not of the street office.
    let accepts = !matches!(actor.role, Role::StreetAdmin);
    let inner = format!(
        "SELECT c.id, c.number, c.title, g.name AS grid_name, {NEXT} AS step, c.deadline_status, c.stage_due_at \
         FROM cases c JOIN nodes g ON g.id = c.grid_id \
         WHERE c.state IN ('reported','accepted','dispatched','handling','verified','closed') AND {} \
         AND ({} c.owner_id = $1 OR c.assignee_user_id = $1 OR c.handler_id = $1)",
        actor.scope.sql("c"),
        if accepts { "c.state = 'reported' OR" } else { "" },
    );
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM ({inner}) t WHERE t.step IS NOT NULL"
    ))
    .bind(actor.user_id)
    .fetch_one(&db.pool)
    .await?;
    let items = sqlx::query_as::<_, CaseTodo>(&format!(
        "SELECT * FROM ({inner}) t WHERE t.step IS NOT NULL \
         ORDER BY CASE t.deadline_status WHEN 'overdue' THEN 0 WHEN 'due_soon' THEN 1 ELSE 2 END, \
         t.stage_due_at, t.id LIMIT $2"
    ))
    .bind(actor.user_id)
    .bind(SHOWN)
    .fetch_all(&db.pool)
    .await?;
    Ok(Todos { total, items })
}

/// A case the user reported, not accepted yet by anyone.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Reported {
    pub id: i64,
    pub number: String,
    pub title: String,
    pub grid_name: String,
    pub created_at: String,
}

/// Cases the user reported that are still waiting for 立案, oldest first.
pub async fn reported_by_me(db: &Db, actor: &Actor) -> Result<Todos<Reported>> {
    let cond = format!(
        "FROM cases c JOIN nodes g ON g.id = c.grid_id WHERE c.state = 'reported' AND c.created_by = $1 AND {}",
        actor.scope.sql("c")
    );
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) {cond}"))
        .bind(actor.user_id)
        .fetch_one(&db.pool)
        .await?;
    let items = sqlx::query_as::<_, Reported>(&format!(
        "SELECT c.id, c.number, c.title, g.name AS grid_name, c.created_at {cond} ORDER BY c.created_at, c.id LIMIT $2"
    ))
    .bind(actor.user_id)
    .bind(SHOWN)
    .fetch_all(&db.pool)
    .await?;
    Ok(Todos { total, items })
}

/// A hazard whose rectification is due.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct HazardDue {
    pub id: i64,
    pub number: String,
    pub title: String,
    pub grid_name: String,
    pub rectify_by: String,
}

/// Hazards in scope not rectified yet whose deadline is past or within `days` of `today`, the earliest first.
pub async fn hazards_due(
    db: &Db,
    actor: &Actor,
    today: chrono::NaiveDate,
    days: i64,
) -> Result<Todos<HazardDue>> {
    let until = (today + chrono::Duration::days(days)).to_string();
    let cond = format!(
        "FROM hazards h JOIN nodes g ON g.id = h.grid_id WHERE h.state <> 'rectified' AND h.rectify_by <= $1 AND {}",
        actor.scope.sql("h")
    );
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) {cond}"))
        .bind(&until)
        .fetch_one(&db.pool)
        .await?;
    let items = sqlx::query_as::<_, HazardDue>(&format!(
        "SELECT h.id, h.number, h.title, g.name AS grid_name, h.rectify_by {cond} ORDER BY h.rectify_by, h.id LIMIT $2"
    ))
    .bind(&until)
    .bind(SHOWN)
    .fetch_all(&db.pool)
    .await?;
    Ok(Todos { total, items })
}
