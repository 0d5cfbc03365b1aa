//! Patrols (巡逻): teams (治安联防队, 志愿者巡逻队) of a community or of one grid, their members, the duty
//! roster (shifts: date, hours, area, members); patrol logs and their findings are in `logs`.
//!
//! Scope: a team of a grid is seen by that grid's workers; a community-wide team by everyone working in the
//! community. Shifts, logs and findings carry the scope columns of their area.

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use crate::accounts::{Actor, Scope};
use crate::audit;
use crate::cases::{fmt_ts, intake, now_utc, text};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::registry::nodes::{self, Kind};
use crate::registry::validate;

mod logs;
pub use logs::*;

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

/// The 队长 shown is the member whose 职务 is 队长 (the latest named), else the name given at creation: the
/// heading and the member list never disagree.
const TEAM_COLS: &str = "t.id, t.name, t.kind, t.street_id, t.community_id, t.grid_id, \
    COALESCE((SELECT m.name FROM patrol_members m WHERE m.team_id = t.id AND m.role = '队长' \
    ORDER BY m.id DESC LIMIT 1), t.leader) AS leader, t.created_at";

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
    #[serde(serialize_with = "crate::privacy::ser::phone")]
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
    if role == "队长" {
        // One 队长 per team: the one before stays on as a 队员, and the team names the new one.
        sqlx::query("UPDATE patrol_members SET role = '队员' WHERE team_id = $1 AND role = '队长'")
            .bind(team_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE patrol_teams SET leader = $1, updated_at = $2 WHERE id = $3")
            .bind(&name)
            .bind(fmt_ts(now_utc()))
            .bind(team_id)
            .execute(&mut *tx)
            .await?;
    }
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
        crate::registry::place::place(db, actor, "巡逻区域", s.area_id).await?;
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
