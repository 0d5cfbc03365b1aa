//! 议题: proposals submitted by residents (portal) or entered by the committee for a representative, screened
//! on a workflow table — 受理, 合并 (into another proposal, with a reason), 不予采纳 (with a reason) — then put to
//! a vote or decided at a meeting. Each step is on the proposal's trail and in the audit log.

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use super::{community_for, number, required, text};
use crate::accounts::{Actor, Role};
use crate::audit;
use crate::db::{self, Db, Tx};
use crate::error::{Error, Result};
use crate::workflow::{Flow, FlowState, Reason, Stage, Step, Who};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PState {
    Submitted,
    Accepted,
    Merged,
    Declined,
    Voting,
    Decided,
}

impl FlowState for PState {
    fn code(self) -> &'static str {
        match self {
            PState::Submitted => "submitted",
            PState::Accepted => "accepted",
            PState::Merged => "merged",
            PState::Declined => "declined",
            PState::Voting => "voting",
            PState::Decided => "decided",
        }
    }
    fn label_zh(self) -> &'static str {
        match self {
            PState::Submitted => "待审议",
            PState::Accepted => "已受理",
            PState::Merged => "已合并",
            PState::Declined => "不予采纳",
            PState::Voting => "表决中",
            PState::Decided => "已决定",
        }
    }
}

impl PState {
    pub const ALL: [PState; 6] = [
        PState::Submitted,
        PState::Accepted,
        PState::Merged,
        PState::Declined,
        PState::Voting,
        PState::Decided,
    ];
    pub fn from_code(s: &str) -> Option<PState> {
        PState::ALL.into_iter().find(|p| p.code() == s)
    }
}

const COMMITTEE: &[Role] = &[Role::StreetAdmin, Role::CommunityHead, Role::SocialWorker];
use PState::*;

pub const PROPOSAL_FLOW: Flow<PState> = Flow {
    subject: "议题",
    steps: &[
        Step {
            code: "accept",
            label: "受理",
            from: &[Submitted],
            to: Some(Accepted),
            who: Who::Roles(COMMITTEE),
            reason: Reason::Optional,
        },
        Step {
            code: "merge",
            label: "合并",
            from: &[Submitted],
            to: Some(Merged),
            who: Who::Roles(COMMITTEE),
            reason: Reason::Required {
                field: "合并说明",
                message: "合并议题时请说明理由",
            },
        },
        Step {
            code: "decline",
            label: "不予采纳",
            from: &[Submitted],
            to: Some(Declined),
            who: Who::Roles(COMMITTEE),
            reason: Reason::Required {
                field: "不予采纳理由",
                message: "不予采纳时请写明理由,理由将告知提议人",
            },
        },
        Step {
            code: "to_vote",
            label: "提交表决",
            from: &[Accepted],
            to: Some(Voting),
            who: Who::Roles(COMMITTEE),
            reason: Reason::Optional,
        },
        Step {
            code: "decide",
            label: "形成决定",
            from: &[Accepted, Voting],
            to: Some(Decided),
            who: Who::Roles(COMMITTEE),
            reason: Reason::Optional,
        },
    ],
    stages: &[Stage {
        name: "审议",
        states: &[Submitted],
    }],
};

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Proposal {
    pub id: i64,
    /// YT2026-00012
    pub number: String,
    pub community_id: i64,
    pub title: String,
    pub body: String,
    pub state: String,
    #[sqlx(default)]
    pub state_label: String,
    pub reason: Option<String>,
    pub merged_into: Option<i64>,
    pub submitter_name: String,
    pub created_at: String,
}

const COLS: &str =
    "p.id, p.number, p.community_id, p.title, p.body, p.state, p.reason, p.merged_into, \
                    p.submitter_name, p.created_at";

fn labelled(mut p: Proposal) -> Proposal {
    p.state_label = PState::from_code(&p.state)
        .map(|s| s.label_zh())
        .unwrap_or("")
        .to_string();
    p
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewProposal {
    /// The community (street administrators; others act in their own).
    pub community_id: Option<i64>,
    pub title: String,
    pub body: String,
    /// Who proposes it (a representative's name, when the committee enters it).
    pub submitter_name: String,
}

async fn insert(
    tx: &mut Tx<'_>,
    actor: &Actor,
    (street, community): (i64, i64),
    title: &str,
    body: &str,
    person: Option<i64>,
    name: &str,
) -> Result<i64> {
    let now = db::now();
    let id: i64 = sqlx::query(
        "INSERT INTO proposals (number, street_id, community_id, title, body, state, submitted_by, \
         submitter_person_id, submitter_name, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 'submitted', $6, $7, $8, $9, $9) RETURNING id",
    )
    .bind(crate::accounts::sessions::random_token())
    .bind(street)
    .bind(community)
    .bind(title)
    .bind(body)
    .bind(actor.user_id)
    .bind(person)
    .bind(name)
    .bind(&now)
    .fetch_one(&mut **tx)
    .await?
    .get(0);
    sqlx::query("UPDATE proposals SET number = $1 WHERE id = $2")
        .bind(number("YT", id))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    event(tx, actor, id, "submit", None, Submitted, "").await?;
    audit::record(
        &mut **tx,
        actor,
        "create",
        "proposal",
        Some(id),
        None,
        Some(&json!({"title": title, "body": body, "submitter": name})),
    )
    .await?;
    Ok(id)
}

async fn event(
    tx: &mut Tx<'_>,
    actor: &Actor,
    id: i64,
    kind: &str,
    from: Option<PState>,
    to: PState,
    note: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO proposal_events (proposal_id, kind, from_state, to_state, user_id, who, note, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(kind)
    .bind(from.map(|s| s.code()))
    .bind(to.code())
    .bind(actor.user_id)
    .bind(if actor.display_name.is_empty() {
        actor.username.clone()
    } else {
        actor.display_name.clone()
    })
    .bind(note)
    .bind(db::now())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A proposal entered by the committee.
pub async fn create(db: &Db, actor: &Actor, input: &NewProposal) -> Result<Proposal> {
    let at = community_for(db, actor, input.community_id).await?;
    let title = required("议题标题", &input.title, 100)?;
    let body = text("议题内容", &input.body, 5000)?;
    let name = required("提议人", &input.submitter_name, 50)?;
    let mut tx = db.begin().await?;
    let id = insert(&mut tx, actor, at, &title, &body, None, &name).await?;
    tx.commit().await?;
    get(db, actor, id).await
}

/// A proposal of a verified resident, in their community.
pub async fn submit_as_resident(
    db: &Db,
    actor: &Actor,
    title: &str,
    body: &str,
) -> Result<Proposal> {
    let r = crate::portal::verified(db, actor).await?;
    let title = required("议题标题", title, 100)?;
    let body = text("议题内容", body, 5000)?;
    let mut tx = db.begin().await?;
    let id = insert(
        &mut tx,
        actor,
        (r.street_id, r.community_id),
        &title,
        &body,
        Some(r.person_id),
        &r.name,
    )
    .await?;
    tx.commit().await?;
    let p =
        sqlx::query_as::<_, Proposal>(&format!("SELECT {COLS} FROM proposals p WHERE p.id = $1"))
            .bind(id)
            .fetch_one(&db.pool)
            .await?;
    Ok(labelled(p))
}

/// The resident's own proposals, newest first.
pub async fn of_resident(db: &Db, actor: &Actor) -> Result<Vec<Proposal>> {
    let r = crate::portal::verified(db, actor).await?;
    let rows = sqlx::query_as::<_, Proposal>(&format!(
        "SELECT {COLS} FROM proposals p WHERE p.submitter_person_id = $1 ORDER BY p.id DESC LIMIT 100"
    ))
    .bind(r.person_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(labelled).collect())
}

/// One proposal in the actor's scope.
pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<Proposal> {
    let sql = format!(
        "SELECT {COLS} FROM proposals p WHERE p.id = $1 AND {}",
        actor.scope.sql("p")
    );
    sqlx::query_as::<_, Proposal>(&sql)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .map(labelled)
        .ok_or(Error::NotFound)
}

/// The proposals in the actor's scope, newest first (optionally of one state).
pub async fn list(db: &Db, actor: &Actor, state: Option<&str>) -> Result<Vec<Proposal>> {
    let filter = match state.and_then(PState::from_code) {
        Some(s) => format!("AND p.state = '{}'", s.code()),
        None => String::new(),
    };
    let sql = format!(
        "SELECT {COLS} FROM proposals p WHERE {} {filter} ORDER BY p.id DESC LIMIT 500",
        actor.scope.sql("p")
    );
    Ok(sqlx::query_as::<_, Proposal>(&sql)
        .fetch_all(&db.pool)
        .await?
        .into_iter()
        .map(labelled)
        .collect())
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Screen {
    /// accept / merge / decline
    pub action: String,
    pub reason: String,
    /// For merge: the proposal it joins (same community).
    pub merged_into: Option<i64>,
}

/// 受理 / 合并 / 不予采纳.
pub async fn screen(db: &Db, actor: &Actor, id: i64, s: &Screen) -> Result<Proposal> {
    let p = get(db, actor, id).await?;
    if !matches!(s.action.as_str(), "accept" | "merge" | "decline") {
        return Err(Error::invalid("操作", "操作应为受理、合并或不予采纳"));
    }
    let from = PState::from_code(&p.state).unwrap_or(Submitted);
    let (step, to) = PROPOSAL_FLOW.check(&s.action, from, actor.role)?;
    let reason = text("理由", &s.reason, 1000)?;
    PROPOSAL_FLOW.check_reason(step, &reason)?;
    let into = if s.action == "merge" {
        let target = s
            .merged_into
            .ok_or_else(|| Error::invalid("合并到", "请选择要合并到的议题"))?;
        let t = get(db, actor, target)
            .await
            .map_err(|_| Error::invalid("合并到", "要合并到的议题不存在"))?;
        if t.id == p.id || t.community_id != p.community_id {
            return Err(Error::invalid("合并到", "只能合并到本社区的另一个议题"));
        }
        Some(t.id)
    } else {
        None
    };
    let mut tx = db.begin().await?;
    move_to(&mut tx, actor, &p, from, to, step.code, &reason, into).await?;
    tx.commit().await?;
    get(db, actor, id).await
}

/// Moves a proposal (its state checked by the caller) and records the step.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn move_to(
    tx: &mut Tx<'_>,
    actor: &Actor,
    p: &Proposal,
    from: PState,
    to: PState,
    kind: &str,
    reason: &str,
    merged_into: Option<i64>,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE proposals SET state = $1, reason = COALESCE($2, reason), merged_into = COALESCE($3, merged_into), \
         updated_at = $4 WHERE id = $5 AND state = $6",
    )
    .bind(to.code())
    .bind(if reason.is_empty() { None } else { Some(reason) })
    .bind(merged_into)
    .bind(db::now())
    .bind(p.id)
    .bind(from.code())
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(Error::conflict("状态", "议题已被他人办理,请刷新后重试"));
    }
    event(tx, actor, p.id, kind, Some(from), to, reason).await?;
    audit::record(
        &mut **tx,
        actor,
        kind,
        "proposal",
        Some(p.id),
        Some(&json!({"state": from.code()})),
        Some(&json!({"state": to.code(), "reason": reason, "merged_into": merged_into})),
    )
    .await
}
