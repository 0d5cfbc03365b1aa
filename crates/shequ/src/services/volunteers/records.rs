//! Volunteer service records: submitted by the volunteer (their own account), the team's leader or staff;
//! decided on [`RECORD_FLOW`] by the team's 队长 or the community head; approved hours per year and the
//! certificate of hours. A record not approved counts nowhere.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{member, team};
use crate::accounts::{Actor, Role};
use crate::audit;
use crate::cases::text;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::services::{date, required, scope_sql, who};
use crate::workflow::{Flow, FlowState, Reason, Step, Who};

/// A service record's state.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RecordState {
    Submitted,
    Approved,
    Rejected,
}

impl FlowState for RecordState {
    fn code(self) -> &'static str {
        match self {
            RecordState::Submitted => "submitted",
            RecordState::Approved => "approved",
            RecordState::Rejected => "rejected",
        }
    }
    fn label_zh(self) -> &'static str {
        match self {
            RecordState::Submitted => "待审核",
            RecordState::Approved => "已审核",
            RecordState::Rejected => "未通过",
        }
    }
}

impl RecordState {
    fn from_code(c: &str) -> RecordState {
        match c {
            "approved" => RecordState::Approved,
            "rejected" => RecordState::Rejected,
            _ => RecordState::Submitted,
        }
    }
}

const ANY: &[Role] = &[
    Role::StreetAdmin,
    Role::CommunityHead,
    Role::SocialWorker,
    Role::GridWorker,
    Role::BuildingLeader,
];

/// 提交 → 审核通过 / 退回 (with a reason). Who decides is the team's leader (checked beside the table).
pub const RECORD_FLOW: Flow<RecordState> = Flow {
    subject: "服务记录",
    steps: &[
        Step {
            code: "approve",
            label: "审核通过",
            from: &[RecordState::Submitted],
            to: Some(RecordState::Approved),
            who: Who::Roles(ANY),
            reason: Reason::Optional,
        },
        Step {
            code: "reject",
            label: "退回",
            from: &[RecordState::Submitted],
            to: Some(RecordState::Rejected),
            who: Who::Roles(ANY),
            reason: Reason::Required {
                field: "退回理由",
                message: "退回服务记录必须填写理由",
            },
        },
    ],
    stages: &[],
};

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ServiceRecord {
    pub id: i64,
    pub team_id: i64,
    pub member_id: i64,
    pub member_name: String,
    pub served_on: String,
    pub what: String,
    pub minutes: i64,
    /// submitted / approved / rejected
    pub state: String,
    pub submitted_by: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub reason: Option<String>,
}

const RECORD: &str =
    "SELECT r.id, r.team_id, r.member_id, m.name AS member_name, r.served_on, r.what, r.minutes, \
    r.state, r.submitted_by, r.decided_by, r.decided_at, r.reason FROM volunteer_records r \
    JOIN volunteer_members m ON m.id = r.member_id JOIN volunteer_teams t ON t.id = r.team_id";

#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct RecordInput {
    pub member_id: i64,
    pub served_on: String,
    pub what: String,
    /// Hours served, e.g. 2 or 1.5 (at most 24).
    pub hours: f64,
}

/// Whether the actor leads the team (its 队长's account).
async fn leads(db: &Db, actor: &Actor, team_id: i64) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM volunteer_members WHERE team_id = $1 AND role = '队长' AND user_id = $2",
    )
    .bind(team_id)
    .bind(actor.user_id)
    .fetch_one(&db.pool)
    .await?;
    Ok(n > 0)
}

/// Submits a service record: by the volunteer (their own account), the team's leader, or staff.
pub async fn submit(
    db: &Db,
    actor: &Actor,
    team_id: i64,
    input: &RecordInput,
) -> Result<ServiceRecord> {
    let t = team(db, actor, team_id).await?;
    let m = member(db, actor, input.member_id)
        .await
        .ok()
        .filter(|m| m.team_id == t.id)
        .ok_or_else(|| Error::invalid("志愿者", "该志愿者不是本队队员"))?;
    let own = m.user_id.is_some_and(|u| u == actor.user_id && u != 0);
    if !own && !actor.role.can_write_registry() && !leads(db, actor, t.id).await? {
        return Err(Error::Forbidden(
            "只有志愿者本人、队长或社区工作人员可以提交服务记录".into(),
        ));
    }
    let on = date("服务日期", &input.served_on)?;
    if on > crate::db::today() {
        return Err(Error::invalid("服务日期", "服务日期不能晚于今天"));
    }
    let what = required("服务内容", &input.what, 500)?;
    if !input.hours.is_finite() || input.hours <= 0.0 || input.hours > 24.0 {
        return Err(Error::invalid("服务时长", "服务时长应大于0且不超过24小时"));
    }
    let minutes = (input.hours * 60.0).round() as i64;
    let scope: (i64, i64, Option<i64>) = sqlx::query_as(
        "SELECT street_id, community_id, grid_id FROM volunteer_teams WHERE id = $1",
    )
    .bind(t.id)
    .fetch_one(&db.pool)
    .await?;
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO volunteer_records (team_id, member_id, served_on, what, minutes, state, submitted_by, street_id, \
         community_id, grid_id, created_at) VALUES ($1, $2, $3, $4, $5, 'submitted', $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(t.id)
    .bind(m.id)
    .bind(on.to_string())
    .bind(&what)
    .bind(minutes)
    .bind(who(actor))
    .bind(scope.0)
    .bind(scope.1)
    .bind(scope.2)
    .bind(crate::db::now())
    .fetch_one(&mut *tx)
    .await?;
    audit::record(&mut *tx, actor, "create", "volunteer_record", Some(id), None,
        Some(&json!({"team_id": t.id, "member_id": m.id, "served_on": on.to_string(), "minutes": minutes}))).await?;
    tx.commit().await?;
    record(db, actor, id).await
}

/// A service record of a team in scope, or NotFound.
pub async fn record(db: &Db, actor: &Actor, id: i64) -> Result<ServiceRecord> {
    let scope = scope_sql(db, actor, "t").await?;
    sqlx::query_as::<_, ServiceRecord>(&format!("{RECORD} WHERE r.id = $1 AND {scope}"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(Error::NotFound)
}

/// The records of a team in scope, newest first (at most 500).
pub async fn records(db: &Db, actor: &Actor, team_id: i64) -> Result<Vec<ServiceRecord>> {
    let t = team(db, actor, team_id).await?;
    Ok(sqlx::query_as::<_, ServiceRecord>(&format!(
        "{RECORD} WHERE r.team_id = $1 ORDER BY r.served_on DESC, r.id DESC LIMIT 500"
    ))
    .bind(t.id)
    .fetch_all(&db.pool)
    .await?)
}

/// The team's leader (or the community head, street administrator) approves or returns a record.
pub async fn decide(
    db: &Db,
    actor: &Actor,
    id: i64,
    step: &str,
    reason: &str,
) -> Result<ServiceRecord> {
    let r = record(db, actor, id).await?;
    let (s, to) = RECORD_FLOW.check(step, RecordState::from_code(&r.state), actor.role)?;
    RECORD_FLOW.check_reason(s, reason)?;
    if !matches!(actor.role, Role::StreetAdmin | Role::CommunityHead)
        && !leads(db, actor, r.team_id).await?
    {
        return Err(Error::Forbidden("只有本队队长可以审核服务记录".into()));
    }
    let reason = text("退回理由", reason, 500)?;
    let mut tx = db.begin().await?;
    let n = sqlx::query(
        "UPDATE volunteer_records SET state = $1, decided_by = $2, decided_at = $3, reason = $4 \
         WHERE id = $5 AND state = 'submitted'",
    )
    .bind(to.code())
    .bind(who(actor))
    .bind(crate::db::now())
    .bind(Some(reason.clone()).filter(|r| !r.is_empty()))
    .bind(r.id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(Error::invalid("状态", "该服务记录已审核"));
    }
    audit::record(
        &mut *tx,
        actor,
        step,
        "volunteer_record",
        Some(r.id),
        Some(&json!({"state": r.state})),
        Some(&json!({"state": to.code(), "reason": reason})),
    )
    .await?;
    tx.commit().await?;
    record(db, actor, id).await
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Hours {
    pub member_id: i64,
    pub name: String,
    /// Approved minutes in the year.
    pub minutes: i64,
    pub records: i64,
}

/// Approved hours per member of a team in a year, most first; the team's total is their sum.
pub async fn yearly_hours(db: &Db, actor: &Actor, team_id: i64, year: i32) -> Result<Vec<Hours>> {
    let t = team(db, actor, team_id).await?;
    Ok(sqlx::query_as::<_, Hours>(
        "SELECT m.id AS member_id, m.name, CAST(COALESCE(SUM(r.minutes), 0) AS BIGINT) AS minutes, COUNT(r.id) AS records \
         FROM volunteer_members m LEFT JOIN volunteer_records r ON r.member_id = m.id AND r.state = 'approved' \
         AND r.served_on >= $2 AND r.served_on <= $3 WHERE m.team_id = $1 GROUP BY m.id, m.name ORDER BY 3 DESC, m.id",
    )
    .bind(t.id)
    .bind(format!("{year}-01-01"))
    .bind(format!("{year}-12-31"))
    .fetch_all(&db.pool)
    .await?)
}

/// A certificate of hours (志愿服务时长证明): the volunteer's approved records of a year with the
/// community's name and who approved them.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Certificate {
    pub name: String,
    pub team: String,
    pub community: String,
    pub year: i32,
    pub minutes: i64,
    /// `12.5`
    pub hours: String,
    pub records: Vec<ServiceRecord>,
    pub approvers: Vec<String>,
    pub issued_on: String,
}

pub async fn certificate(db: &Db, actor: &Actor, member_id: i64, year: i32) -> Result<Certificate> {
    let m = member(db, actor, member_id).await?;
    let t = team(db, actor, m.team_id).await?;
    let records: Vec<ServiceRecord> = sqlx::query_as::<_, ServiceRecord>(&format!(
        "{RECORD} WHERE r.member_id = $1 AND r.state = 'approved' AND r.served_on >= $2 AND r.served_on <= $3 \
         ORDER BY r.served_on, r.id"
    ))
    .bind(m.id)
    .bind(format!("{year}-01-01"))
    .bind(format!("{year}-12-31"))
    .fetch_all(&db.pool)
    .await?;
    let minutes: i64 = records.iter().map(|r| r.minutes).sum();
    let mut approvers: Vec<String> = records
        .iter()
        .filter_map(|r| r.decided_by.clone())
        .collect();
    approvers.sort();
    approvers.dedup();
    Ok(Certificate {
        name: m.name,
        team: t.name,
        community: t.community_name,
        year,
        minutes,
        hours: hours_text(minutes),
        records,
        approvers,
        issued_on: crate::db::today().to_string(),
    })
}

/// Minutes as hours the way certificates write them: `12`, `12.5`.
pub fn hours_text(minutes: i64) -> String {
    let h = minutes as f64 / 60.0;
    let s = format!("{h:.1}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}
