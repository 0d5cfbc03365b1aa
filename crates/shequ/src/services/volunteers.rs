//! 志愿服务: volunteer teams (环保, 关爱老人, 法律咨询, 夕阳红巡逻 …) with leaders and members (registry persons
//! or outside people), skills and availability; service records (who, when, what, hours) submitted by the
//! volunteer, the leader or staff and approved by the team's leader (or the community head) — a record not
//! approved counts nowhere; yearly hours per volunteer and team; the certificate of hours.
//!
//! Patrol teams of volunteers are volunteer teams too: such a team is linked (`patrol_team_id`) to the patrol
//! team whose roster, shifts and logs stay in `fieldwork::patrols`; nothing is copied.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{area, date, one_of, required, scope_sql, who};
use crate::accounts::{Actor, Role};
use crate::audit;
use crate::cases::text;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::workflow::{Flow, FlowState, Reason, Step, Who};

pub const SERVICES: [&str; 8] = [
    "环保",
    "关爱老人",
    "法律咨询",
    "夕阳红巡逻",
    "助残",
    "文体",
    "医疗健康",
    "其他",
];
pub const ROLES: [&str; 2] = ["队长", "队员"];

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
pub struct Team {
    pub id: i64,
    pub name: String,
    pub service: String,
    /// The patrol team this volunteer team is (its roster and logs are on the patrol pages).
    pub patrol_team_id: Option<i64>,
    pub community_id: i64,
    pub community_name: String,
    pub grid_id: Option<i64>,
    pub leader: Option<String>,
    pub members: i64,
}

const TEAM: &str = "SELECT t.id, t.name, t.service, t.patrol_team_id, t.community_id, c.name AS community_name, \
    t.grid_id, (SELECT m.name FROM volunteer_members m WHERE m.team_id = t.id AND m.role = '队长' ORDER BY m.id LIMIT 1) AS leader, \
    (SELECT COUNT(*) FROM volunteer_members m WHERE m.team_id = t.id) AS members \
    FROM volunteer_teams t JOIN nodes c ON c.id = t.community_id";

#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TeamInput {
    pub name: String,
    pub service: String,
    /// The community or grid of the team.
    pub area_id: i64,
    /// A patrol team (志愿者巡逻队) this team is; its name and area are taken from it.
    pub patrol_team_id: Option<i64>,
}

fn require_manager(actor: &Actor) -> Result<()> {
    if matches!(
        actor.role,
        Role::StreetAdmin | Role::CommunityHead | Role::SocialWorker
    ) {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "只有社区工作人员可以管理志愿服务队".into(),
        ))
    }
}

/// A new team, or the volunteer team of an existing patrol team.
pub async fn create_team(db: &Db, actor: &Actor, input: &TeamInput) -> Result<Team> {
    require_manager(actor)?;
    let service = one_of("服务类别", &input.service, &SERVICES)?;
    let (name, at) = match input.patrol_team_id {
        Some(p) => {
            let t = crate::fieldwork::patrols::team(db, actor, p)
                .await
                .map_err(|_| Error::invalid("巡逻队", "该巡逻队不存在或不在您的管辖范围内"))?;
            let node = t.grid_id.unwrap_or(t.community_id);
            (t.name, area(db, actor, node, "所属区域").await?)
        }
        None => (
            required("队伍名称", &input.name, 50)?,
            area(db, actor, input.area_id, "所属区域").await?,
        ),
    };
    if let Some(p) = input.patrol_team_id {
        let linked: Option<i64> =
            sqlx::query_scalar("SELECT id FROM volunteer_teams WHERE patrol_team_id = $1")
                .bind(p)
                .fetch_optional(&db.pool)
                .await?;
        if linked.is_some() {
            return Err(Error::conflict("巡逻队", "该巡逻队已是志愿服务队"));
        }
    }
    let now = crate::db::now();
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO volunteer_teams (name, service, patrol_team_id, street_id, community_id, grid_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(&name)
    .bind(service)
    .bind(input.patrol_team_id)
    .bind(at.street)
    .bind(at.community)
    .bind(at.grid)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        actor,
        "create",
        "volunteer_team",
        Some(id),
        None,
        Some(&json!({"name": name, "service": service, "patrol_team_id": input.patrol_team_id})),
    )
    .await?;
    tx.commit().await?;
    team(db, actor, id).await
}

/// A team in scope, or NotFound.
pub async fn team(db: &Db, actor: &Actor, id: i64) -> Result<Team> {
    let scope = scope_sql(db, actor, "t").await?;
    sqlx::query_as::<_, Team>(&format!(
        "{TEAM} WHERE t.id = $1 AND t.archived = 0 AND {scope}"
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(Error::NotFound)
}

/// The teams in scope.
pub async fn teams(db: &Db, actor: &Actor) -> Result<Vec<Team>> {
    let scope = scope_sql(db, actor, "t").await?;
    Ok(sqlx::query_as::<_, Team>(&format!(
        "{TEAM} WHERE t.archived = 0 AND {scope} ORDER BY t.id"
    ))
    .fetch_all(&db.pool)
    .await?)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Member {
    pub id: i64,
    pub team_id: i64,
    pub person_id: Option<i64>,
    pub name: String,
    #[serde(serialize_with = "crate::privacy::ser::phone")]
    pub phone: Option<String>,
    pub user_id: Option<i64>,
    /// 队长 / 队员
    pub role: String,
    pub skills: String,
    pub availability: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct MemberInput {
    /// A registry person (name taken from the registry), or none for an outside volunteer.
    pub person_id: Option<i64>,
    pub name: String,
    pub phone: String,
    /// The volunteer's account, when they have one (they may then submit their own records; a leader's
    /// account approves).
    pub user_id: Option<i64>,
    pub role: String,
    pub skills: String,
    pub availability: String,
}

/// Adds a member to a team in scope.
pub async fn add_member(
    db: &Db,
    actor: &Actor,
    team_id: i64,
    input: &MemberInput,
) -> Result<Member> {
    // Out of scope answers NotFound before the role is asked.
    let t = team(db, actor, team_id).await?;
    require_manager(actor)?;
    let name = match input.person_id {
        Some(p) => {
            crate::registry::persons::get(db, actor, p)
                .await
                .map_err(|_| Error::invalid("志愿者", "该人员不存在或不在您的管辖范围内"))?
                .name
        }
        None => required("姓名", &input.name, 50)?,
    };
    let role = if input.role.trim().is_empty() {
        "队员"
    } else {
        one_of("职务", &input.role, &ROLES)?
    };
    let phone = text("联系电话", &input.phone, 30)?;
    let skills = text("技能特长", &input.skills, 200)?;
    let availability = text("服务时间", &input.availability, 200)?;
    if let Some(u) = input.user_id {
        let street: Option<Option<i64>> =
            sqlx::query_scalar("SELECT street_id FROM users WHERE id = $1 AND archived = 0")
                .bind(u)
                .fetch_optional(&db.pool)
                .await?;
        let same_street = match (street, actor.scope.street()) {
            (Some(s), Some(mine)) => s == Some(mine),
            (Some(_), None) => true,
            (None, _) => false,
        };
        if !same_street {
            return Err(Error::invalid("账号", "没有这个账号"));
        }
    }
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO volunteer_members (team_id, person_id, name, phone, user_id, role, skills, availability, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(t.id)
    .bind(input.person_id)
    .bind(&name)
    .bind(Some(phone.clone()).filter(|p| !p.is_empty()))
    .bind(input.user_id)
    .bind(role)
    .bind(&skills)
    .bind(&availability)
    .bind(crate::db::now())
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        actor,
        "create",
        "volunteer_member",
        Some(id),
        None,
        Some(&json!({"team_id": t.id, "name": name, "phone": phone, "role": role})),
    )
    .await?;
    tx.commit().await?;
    member(db, actor, id).await
}

const MEMBER: &str =
    "SELECT m.id, m.team_id, m.person_id, m.name, m.phone, m.user_id, m.role, m.skills, \
    m.availability FROM volunteer_members m JOIN volunteer_teams t ON t.id = m.team_id";

/// A member of a team in scope, or NotFound.
pub async fn member(db: &Db, actor: &Actor, id: i64) -> Result<Member> {
    let scope = scope_sql(db, actor, "t").await?;
    sqlx::query_as::<_, Member>(&format!("{MEMBER} WHERE m.id = $1 AND {scope}"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(Error::NotFound)
}

/// The members of a team in scope, leaders first.
pub async fn members(db: &Db, actor: &Actor, team_id: i64) -> Result<Vec<Member>> {
    let t = team(db, actor, team_id).await?;
    Ok(sqlx::query_as::<_, Member>(&format!(
        "{MEMBER} WHERE m.team_id = $1 ORDER BY CASE m.role WHEN '队长' THEN 0 ELSE 1 END, m.id"
    ))
    .bind(t.id)
    .fetch_all(&db.pool)
    .await?)
}

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
