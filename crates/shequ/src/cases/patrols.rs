//! Patrols (巡逻): teams (治安联防队, 志愿者巡逻队) of a community or of one grid, their members, the duty
//! roster (shifts: date, hours, area, members) and patrol logs (start, end, area, who, findings). A finding
//! becomes a hazard or a case in one step: the new record and the finding's link commit in one transaction.
//!
//! Scope: a team of a grid is seen by that grid's workers; a community-wide team by everyone working in the
//! community. Shifts, logs and findings carry the scope columns of their area.

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use super::hazards::{self, NewHazard};
use super::intake::{self, NewCase};
use super::{fmt_ts, now_utc, require_worker, text};
use crate::accounts::{Actor, Scope};
use crate::audit;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::registry::nodes::{self, Kind};
use crate::registry::validate;

pub const TEAM_KINDS: [&str; 2] = ["治安联防队", "志愿者巡逻队"];

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Team {
    pub id: i64,
    pub name: String,
    /// 治安联防队 / 志愿者巡逻队
    pub kind: String,
    pub street_id: i64,
    pub community_id: i64,
    /// Set for a grid's own team.
    pub grid_id: Option<i64>,
    pub leader: String,
    pub created_at: String,
}

const TEAM_COLS: &str =
    "t.id, t.name, t.kind, t.street_id, t.community_id, t.grid_id, t.leader, t.created_at";

/// The condition on `patrol_teams t` for the actor: grid teams by grid, community teams by community.
async fn team_scope(db: &Db, actor: &Actor) -> Result<String> {
    let (ids, col) = match &actor.scope {
        Scope::Grids { grids, .. } => (grids, "grid_id"),
        Scope::Buildings { buildings, .. } => (buildings, "building_id"),
        other => return Ok(other.sql("t")),
    };
    if ids.is_empty() {
        return Ok("1=0".into());
    }
    let list = ids
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let rows = sqlx::query(&format!(
        "SELECT DISTINCT community_id, grid_id FROM nodes WHERE id IN ({list}) AND {col} IS NOT NULL"
    ))
    .fetch_all(&db.pool)
    .await?;
    let join = |v: Vec<i64>| {
        if v.is_empty() {
            "NULL".to_string()
        } else {
            v.iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(",")
        }
    };
    let communities = join(rows.iter().filter_map(|r| r.get(0)).collect());
    let grids = join(rows.iter().filter_map(|r| r.get(1)).collect());
    Ok(format!(
        "(t.grid_id IN ({grids}) OR (t.grid_id IS NULL AND t.community_id IN ({communities})))"
    ))
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TeamInput {
    pub name: String,
    /// 治安联防队 / 志愿者巡逻队
    pub kind: String,
    /// The community (a community-wide team) or the grid the team belongs to.
    pub area_id: i64,
    pub leader: String,
}

/// A new team (community heads and street administrators).
pub async fn create_team(db: &Db, actor: &Actor, input: &TeamInput) -> Result<Team> {
    require_manager(actor)?;
    let name = text("队伍名称", &input.name, 50)?;
    if name.is_empty() {
        return Err(Error::invalid("队伍名称", "队伍名称不能为空"));
    }
    let kind = input.kind.trim();
    if !TEAM_KINDS.contains(&kind) {
        return Err(Error::invalid(
            "队伍类型",
            format!("队伍类型应为:{}", TEAM_KINDS.join("、")),
        ));
    }
    let leader = text("队长", &input.leader, 50)?;
    let area = nodes::get(db, actor, input.area_id)
        .await
        .map_err(|_| Error::invalid("所属区域", "所属区域不存在或不在您的管辖范围内"))?;
    let grid = match area.kind() {
        Kind::Community => None,
        Kind::Grid => Some(area.id),
        _ => return Err(Error::invalid("所属区域", "所属区域请选择社区或网格")),
    };
    let (Some(street), Some(community)) = (area.street_id, area.community_id) else {
        return Err(Error::invalid("所属区域", "所属区域不在任何社区内"));
    };
    let at = fmt_ts(now_utc());
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO patrol_teams (name, kind, street_id, community_id, grid_id, leader, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(&name)
    .bind(kind)
    .bind(street)
    .bind(community)
    .bind(grid)
    .bind(&leader)
    .bind(&at)
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        actor,
        "create",
        "patrol_team",
        Some(id),
        None,
        Some(&json!({"name": name, "kind": kind, "community_id": community, "grid_id": grid, "leader": leader})),
    )
    .await?;
    tx.commit().await?;
    team(db, actor, id).await
}

fn require_manager(actor: &Actor) -> Result<()> {
    if matches!(
        actor.role,
        crate::accounts::Role::StreetAdmin | crate::accounts::Role::CommunityHead
    ) {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "只有社区书记/主任或街道管理员可以管理巡逻队伍和排班".into(),
        ))
    }
}

/// A team the actor can see, or NotFound.
pub async fn team(db: &Db, actor: &Actor, id: i64) -> Result<Team> {
    let scope = team_scope(db, actor).await?;
    sqlx::query_as::<_, Team>(&format!(
        "SELECT {TEAM_COLS} FROM patrol_teams t WHERE t.id = $1 AND t.archived = 0 AND {scope}"
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(Error::NotFound)
}

/// Teams the actor can see.
pub async fn teams(db: &Db, actor: &Actor) -> Result<Vec<Team>> {
    let scope = team_scope(db, actor).await?;
    Ok(sqlx::query_as::<_, Team>(&format!(
        "SELECT {TEAM_COLS} FROM patrol_teams t WHERE t.archived = 0 AND {scope} ORDER BY t.id"
    ))
    .fetch_all(&db.pool)
    .await?)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Member {
    pub id: i64,
    pub team_id: i64,
    pub name: String,
    pub phone: Option<String>,
    pub user_id: Option<i64>,
    /// 队长 / 队员
    pub role: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct MemberInput {
    pub name: String,
    pub phone: String,
    /// The member's account, when they have one (their patrols then appear in their diary).
    pub user_id: Option<i64>,
    /// 队长 / 队员 (default 队员)
    pub role: String,
}

/// Adds a member to a team.
pub async fn add_member(db: &Db, actor: &Actor, team_id: i64, m: &MemberInput) -> Result<Member> {
    let t = team(db, actor, team_id).await?;
    require_manager(actor)?;
    let name = text("队员姓名", &m.name, 50)?;
    if name.is_empty() {
        return Err(Error::invalid("队员姓名", "队员姓名不能为空"));
    }
    let phone = text("联系电话", &m.phone, 30)?;
    let role = text("职务", &m.role, 20)?;
    let role = if role.is_empty() {
        "队员".into()
    } else {
        role
    };
    if let Some(u) = m.user_id {
        let ok =
            sqlx::query("SELECT 1 FROM users WHERE id = $1 AND street_id = $2 AND archived = 0")
                .bind(u)
                .bind(t.street_id)
                .fetch_optional(&db.pool)
                .await?;
        if ok.is_none() {
            return Err(Error::invalid("账号", "账号不存在或不在本街道"));
        }
    }
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO patrol_members (team_id, name, phone, user_id, role, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(team_id)
    .bind(&name)
    .bind(intake::non_empty(&phone))
    .bind(m.user_id)
    .bind(&role)
    .bind(fmt_ts(now_utc()))
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        actor,
        "create",
        "patrol_member",
        Some(id),
        None,
        Some(&json!({"team_id": team_id, "name": name, "user_id": m.user_id, "role": role})),
    )
    .await?;
    tx.commit().await?;
    Ok(members(db, actor, team_id)
        .await?
        .into_iter()
        .find(|x| x.id == id)
        .expect("just added"))
}

/// The members of a team the actor can see.
pub async fn members(db: &Db, actor: &Actor, team_id: i64) -> Result<Vec<Member>> {
    team(db, actor, team_id).await?;
    Ok(sqlx::query_as::<_, Member>(
        "SELECT id, team_id, name, phone, user_id, role FROM patrol_members WHERE team_id = $1 AND archived = 0 ORDER BY id",
    )
    .bind(team_id)
    .fetch_all(&db.pool)
    .await?)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Shift {
    pub id: i64,
    pub team_id: i64,
    pub on_date: String,
    /// 08:00
    pub starts: String,
    /// 20:00 (an end before the start runs past midnight)
    pub ends: String,
    pub area_node_id: i64,
    pub area_name: String,
    pub grid_id: i64,
    /// Members on duty, separated by 、
    pub members: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ShiftInput {
    pub on_date: String,
    pub starts: String,
    pub ends: String,
    /// The grid, estate or building patrolled.
    pub area_id: i64,
    pub member_ids: Vec<i64>,
}

fn hhmm(field: &str, v: &str) -> Result<String> {
    chrono::NaiveTime::parse_from_str(v.trim(), "%H:%M")
        .map(|t| t.format("%H:%M").to_string())
        .map_err(|_| Error::invalid(field, format!("{field}格式不正确,请按08:30填写")))
}

/// Puts a shift on the roster.
pub async fn add_shift(db: &Db, actor: &Actor, team_id: i64, s: &ShiftInput) -> Result<Shift> {
    let t = team(db, actor, team_id).await?;
    require_manager(actor)?;
    let on = validate::parse_date(&s.on_date)
        .ok_or_else(|| Error::invalid("值班日期", "值班日期格式不正确,请按2024-01-31填写"))?;
    let (starts, ends) = (hhmm("开始时间", &s.starts)?, hhmm("结束时间", &s.ends)?);
    let (area, (street, community, grid)) =
        hazards::place(db, actor, "巡逻区域", s.area_id).await?;
    if community != t.community_id || t.grid_id.is_some_and(|g| g != grid) {
        return Err(Error::invalid("巡逻区域", "巡逻区域不在本队伍负责的范围内"));
    }
    if s.member_ids.is_empty() {
        return Err(Error::invalid("值班队员", "请至少安排一名队员"));
    }
    let team_members = members(db, actor, team_id).await?;
    for m in &s.member_ids {
        if !team_members.iter().any(|x| x.id == *m) {
            return Err(Error::invalid("值班队员", "值班队员不是本队队员"));
        }
    }
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO patrol_shifts (team_id, on_date, starts, ends, area_node_id, street_id, community_id, grid_id, \
         building_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(team_id)
    .bind(on.to_string())
    .bind(&starts)
    .bind(&ends)
    .bind(area.id)
    .bind(street)
    .bind(community)
    .bind(grid)
    .bind(area.building_id)
    .bind(fmt_ts(now_utc()))
    .fetch_one(&mut *tx)
    .await?;
    for m in &s.member_ids {
        sqlx::query("INSERT INTO patrol_shift_members (shift_id, member_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(id)
            .bind(*m)
            .execute(&mut *tx)
            .await?;
    }
    audit::record(
        &mut *tx,
        actor,
        "create",
        "patrol_shift",
        Some(id),
        None,
        Some(
            &json!({"team_id": team_id, "on_date": on.to_string(), "starts": starts, "ends": ends,
            "area_id": area.id, "member_ids": s.member_ids}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(roster(db, actor, team_id, on, on)
        .await?
        .into_iter()
        .find(|x| x.id == id)
        .expect("just added"))
}

/// The roster of a team between two dates (both included).
pub async fn roster(
    db: &Db,
    actor: &Actor,
    team_id: i64,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> Result<Vec<Shift>> {
    team(db, actor, team_id).await?;
    let rows = sqlx::query(
        "SELECT s.id, s.team_id, s.on_date, s.starts, s.ends, s.area_node_id, n.name, s.grid_id \
         FROM patrol_shifts s JOIN nodes n ON n.id = s.area_node_id \
         WHERE s.team_id = $1 AND s.on_date >= $2 AND s.on_date <= $3 ORDER BY s.on_date, s.starts, s.id",
    )
    .bind(team_id)
    .bind(from.to_string())
    .bind(to.to_string())
    .fetch_all(&db.pool)
    .await?;
    let mut out = vec![];
    for r in rows {
        let id: i64 = r.get(0);
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT m.name FROM patrol_shift_members sm JOIN patrol_members m ON m.id = sm.member_id \
             WHERE sm.shift_id = $1 ORDER BY m.id",
        )
        .bind(id)
        .fetch_all(&db.pool)
        .await?;
        out.push(Shift {
            id,
            team_id: r.get(1),
            on_date: r.get(2),
            starts: r.get(3),
            ends: r.get(4),
            area_node_id: r.get(5),
            area_name: r.get(6),
            grid_id: r.get(7),
            members: names.join("、"),
        });
    }
    Ok(out)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PatrolLog {
    pub id: i64,
    pub team_id: i64,
    pub team_name: String,
    pub shift_id: Option<i64>,
    pub area_node_id: i64,
    pub area_name: String,
    pub grid_id: i64,
    pub grid_name: String,
    /// China time, 2026-05-01 08:00
    pub started_at: String,
    pub ended_at: String,
    /// Who patrolled, separated by 、
    pub patrollers: String,
    pub summary: String,
    pub recorded_by: Option<i64>,
    pub created_at: String,
}

pub(crate) const LOG_SELECT: &str = "SELECT l.id, l.team_id, t.name AS team_name, l.shift_id, l.area_node_id, \
    a.name AS area_name, l.grid_id, g.name AS grid_name, l.started_at, l.ended_at, l.patrollers, l.summary, \
    l.recorded_by, l.created_at FROM patrol_logs l JOIN patrol_teams t ON t.id = l.team_id \
    JOIN nodes a ON a.id = l.area_node_id JOIN nodes g ON g.id = l.grid_id";

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Finding {
    pub id: i64,
    pub log_id: i64,
    pub description: String,
    pub location_node_id: i64,
    /// The hazard it became.
    pub hazard_id: Option<i64>,
    /// The case it became.
    pub case_id: Option<i64>,
    pub created_at: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct FindingInput {
    pub description: String,
    /// Where (defaults to the patrolled area).
    pub location_id: Option<i64>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct LogInput {
    pub team_id: i64,
    pub shift_id: Option<i64>,
    /// The grid, estate or building patrolled.
    pub area_id: i64,
    /// China time: 2026-05-01 08:00
    pub started_at: String,
    pub ended_at: String,
    /// Who patrolled (names separated by 、 or commas); from the shift when empty.
    pub patrollers: String,
    pub summary: String,
    pub findings: Vec<FindingInput>,
}

fn local_ts(field: &str, v: &str) -> Result<chrono::NaiveDateTime> {
    let v = v.trim().replace('T', " ");
    chrono::NaiveDateTime::parse_from_str(&v, "%Y-%m-%d %H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(&v, "%Y-%m-%d %H:%M:%S"))
        .map_err(|_| Error::invalid(field, format!("{field}格式不正确,请按2026-05-01 08:30填写")))
}

/// Records a patrol with its findings (one transaction).
pub async fn record(db: &Db, actor: &Actor, input: &LogInput) -> Result<PatrolLog> {
    require_worker(actor)?;
    let t = team(db, actor, input.team_id)
        .await
        .map_err(|_| Error::invalid("巡逻队伍", "巡逻队伍不存在或不在您的管辖范围内"))?;
    let (area, (street, community, grid)) =
        hazards::place(db, actor, "巡逻区域", input.area_id).await?;
    if community != t.community_id {
        return Err(Error::invalid("巡逻区域", "巡逻区域不在本队伍所在社区"));
    }
    let start = local_ts("开始时间", &input.started_at)?;
    let end = local_ts("结束时间", &input.ended_at)?;
    if end <= start {
        return Err(Error::invalid("结束时间", "结束时间应晚于开始时间"));
    }
    if end - start > chrono::Duration::hours(24) {
        return Err(Error::invalid("结束时间", "一次巡逻不能超过24小时"));
    }
    let mut patrollers = text("巡逻人员", &input.patrollers, 500)?;
    if let Some(sid) = input.shift_id {
        let shift = roster(
            db,
            actor,
            t.id,
            start.date() - chrono::Duration::days(1),
            start.date(),
        )
        .await?
        .into_iter()
        .find(|s| s.id == sid)
        .ok_or_else(|| Error::invalid("班次", "班次不存在或不是本次巡逻的日期"))?;
        if patrollers.is_empty() {
            patrollers = shift.members;
        }
    }
    if patrollers.is_empty() {
        return Err(Error::invalid("巡逻人员", "请填写巡逻人员"));
    }
    let summary = text("巡逻情况", &input.summary, 5000)?;
    let mut findings = vec![];
    for (i, f) in input.findings.iter().enumerate() {
        let d = text("发现问题", &f.description, 2000)?;
        if d.is_empty() {
            return Err(Error::invalid(
                "发现问题",
                format!("第{}条发现问题没有内容", i + 1),
            ));
        }
        let place = match f.location_id {
            Some(l) => hazards::place(db, actor, "问题地点", l).await?,
            None => (area.clone(), (street, community, grid)),
        };
        findings.push((d, place));
    }
    let fmt = |t: chrono::NaiveDateTime| t.format("%Y-%m-%d %H:%M").to_string();
    let at = fmt_ts(now_utc());
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO patrol_logs (team_id, shift_id, area_node_id, street_id, community_id, grid_id, building_id, \
         started_at, ended_at, patrollers, summary, recorded_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(t.id)
    .bind(input.shift_id)
    .bind(area.id)
    .bind(street)
    .bind(community)
    .bind(grid)
    .bind(area.building_id)
    .bind(fmt(start))
    .bind(fmt(end))
    .bind(&patrollers)
    .bind(&summary)
    .bind((actor.user_id != 0).then_some(actor.user_id))
    .bind(&at)
    .fetch_one(&mut *tx)
    .await?;
    for (d, (node, (s, c, g))) in &findings {
        sqlx::query(
            "INSERT INTO patrol_findings (log_id, description, location_node_id, street_id, community_id, grid_id, \
             building_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(d)
        .bind(node.id)
        .bind(*s)
        .bind(*c)
        .bind(*g)
        .bind(node.building_id)
        .bind(&at)
        .execute(&mut *tx)
        .await?;
    }
    audit::record(
        &mut *tx,
        actor,
        "create",
        "patrol_log",
        Some(id),
        None,
        Some(&json!({"team_id": t.id, "area_id": area.id, "started_at": fmt(start), "ended_at": fmt(end),
            "patrollers": patrollers, "findings": findings.len()})),
    )
    .await?;
    tx.commit().await?;
    log(db, actor, id).await
}

/// A patrol log inside the actor's scope, or NotFound.
pub async fn log(db: &Db, actor: &Actor, id: i64) -> Result<PatrolLog> {
    sqlx::query_as::<_, PatrolLog>(&format!(
        "{LOG_SELECT} WHERE l.id = $1 AND {}",
        actor.scope.sql("l")
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(Error::NotFound)
}

/// The findings of a log the actor can see.
pub async fn findings(db: &Db, actor: &Actor, log_id: i64) -> Result<Vec<Finding>> {
    log(db, actor, log_id).await?;
    Ok(sqlx::query_as::<_, Finding>(
        "SELECT id, log_id, description, location_node_id, hazard_id, case_id, created_at FROM patrol_findings \
         WHERE log_id = $1 ORDER BY id",
    )
    .bind(log_id)
    .fetch_all(&db.pool)
    .await?)
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct LogQuery {
    pub team_id: Option<i64>,
    pub grid_id: Option<i64>,
    /// First day (China time), e.g. 2026-01-01
    pub from: Option<String>,
    /// Last day, included
    pub to: Option<String>,
    pub page: Option<i64>,
    /// Default 50, at most 5000.
    pub per_page: Option<i64>,
}

/// Patrol logs in the actor's scope, newest first.
pub async fn logs(db: &Db, actor: &Actor, q: &LogQuery) -> Result<Vec<PatrolLog>> {
    let mut conds = vec![actor.scope.sql("l")];
    if let Some(t) = q.team_id {
        conds.push(format!("l.team_id = {t}"));
    }
    if let Some(g) = q.grid_id {
        conds.push(format!("l.grid_id = {g}"));
    }
    let mut binds = vec![];
    if let Some(f) = q.from.as_deref().filter(|s| !s.is_empty()) {
        let d = validate::parse_date(f)
            .ok_or_else(|| Error::invalid("开始日期", "日期格式不正确,请按2024-01-31填写"))?;
        binds.push(d.to_string());
        conds.push(format!("l.started_at >= ${}", binds.len()));
    }
    if let Some(t) = q.to.as_deref().filter(|s| !s.is_empty()) {
        let d = validate::parse_date(t)
            .ok_or_else(|| Error::invalid("结束日期", "日期格式不正确,请按2024-01-31填写"))?;
        binds.push((d + chrono::Duration::days(1)).to_string());
        conds.push(format!("l.started_at < ${}", binds.len()));
    }
    let per_page = q.per_page.unwrap_or(50).clamp(1, 5000);
    let page = q.page.unwrap_or(1).max(1);
    let sql = format!(
        "{LOG_SELECT} WHERE {} ORDER BY l.started_at DESC, l.id DESC LIMIT {per_page} OFFSET {}",
        conds.join(" AND "),
        (page - 1) * per_page
    );
    let mut query = sqlx::query_as::<_, PatrolLog>(&sql);
    for b in binds {
        query = query.bind(b);
    }
    Ok(query.fetch_all(&db.pool).await?)
}

async fn open_finding(db: &Db, actor: &Actor, id: i64) -> Result<Finding> {
    require_worker(actor)?;
    let f = sqlx::query_as::<_, Finding>(&format!(
        "SELECT id, log_id, description, location_node_id, hazard_id, case_id, created_at FROM patrol_findings \
         WHERE id = $1 AND {}",
        actor.scope.sql("")
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(Error::NotFound)?;
    if f.hazard_id.is_some() || f.case_id.is_some() {
        return Err(Error::invalid("发现问题", "该问题已转为隐患或案件"));
    }
    Ok(f)
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ToHazard {
    /// 消防 / 用电 / 燃气 / 房屋安全 / 治安 / 交通 / 其他
    pub kind: String,
    /// Defaults to the finding's description.
    pub title: String,
    /// 整改期限
    pub rectify_by: String,
}

/// Turns a finding into a hazard: the hazard and the finding's link in one transaction.
pub async fn to_hazard(
    db: &Db,
    actor: &Actor,
    finding_id: i64,
    input: &ToHazard,
) -> Result<hazards::Hazard> {
    let f = open_finding(db, actor, finding_id).await?;
    let log = log(db, actor, f.log_id).await?;
    let title = title_or_description(&input.title, &f.description);
    let p = hazards::prepare(
        db,
        actor,
        &NewHazard {
            kind: input.kind.clone(),
            title,
            description: f.description.clone(),
            location_id: f.location_node_id,
            found_on: log.started_at.get(..10).unwrap_or("").to_string(),
            rectify_by: input.rectify_by.clone(),
            ..Default::default()
        },
    )
    .await?;
    let mut tx = db.begin().await?;
    let hazard = hazards::insert(&mut tx, actor, &p, Some(log.id)).await?;
    link_finding(&mut tx, actor, f.id, "hazard_id", hazard).await?;
    tx.commit().await?;
    hazards::get(db, actor, hazard).await
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ToCase {
    pub category_id: i64,
    /// Defaults to the finding's description.
    pub title: String,
}

/// Turns a finding into a case (source 网格巡查): the case and the finding's link in one transaction.
pub async fn to_case(
    db: &Db,
    actor: &Actor,
    finding_id: i64,
    input: &ToCase,
) -> Result<super::Case> {
    let f = open_finding(db, actor, finding_id).await?;
    let log = log(db, actor, f.log_id).await?;
    let title = title_or_description(&input.title, &f.description);
    let p = intake::prepare(
        db,
        actor,
        &NewCase {
            category_id: input.category_id,
            source: "网格巡查".into(),
            title,
            description: format!(
                "{}({} {}巡逻发现)",
                f.description, log.team_name, log.started_at
            ),
            location_id: f.location_node_id,
            ..Default::default()
        },
    )
    .await?;
    let mut tx = db.begin().await?;
    let case = intake::insert(&mut tx, actor, &p).await?;
    link_finding(&mut tx, actor, f.id, "case_id", case).await?;
    tx.commit().await?;
    super::queries::get(db, actor, case).await
}

/// The title given, or the start of the finding's description.
fn title_or_description(title: &str, description: &str) -> String {
    if title.trim().is_empty() {
        description.chars().take(100).collect()
    } else {
        title.to_string()
    }
}

/// Links a finding to the hazard or case made from it (`column`: hazard_id or case_id), once only, and
/// records it, inside the caller's transaction.
async fn link_finding(
    tx: &mut crate::db::Tx<'_>,
    actor: &Actor,
    finding: i64,
    column: &'static str,
    id: i64,
) -> Result<()> {
    let done = sqlx::query(&format!(
        "UPDATE patrol_findings SET {column} = $1 WHERE id = $2 AND hazard_id IS NULL AND case_id IS NULL"
    ))
    .bind(id)
    .bind(finding)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(Error::invalid("发现问题", "该问题已转为隐患或案件"));
    }
    audit::record(
        &mut **tx,
        actor,
        "update",
        "patrol_finding",
        Some(finding),
        None,
        Some(&json!({ column: id })),
    )
    .await
}
