//! 志愿服务: volunteer teams (环保, 关爱老人, 法律咨询, 夕阳红巡逻 …) with leaders and members (registry persons
//! or outside people), skills and availability; service records (who, when, what, hours) submitted by the
//! volunteer, the leader or staff and approved by the team's leader (or the community head) — a record not
//! approved counts nowhere; yearly hours per volunteer and team; the certificate of hours.
//!
//! Patrol teams of volunteers are volunteer teams too: such a team is linked (`patrol_team_id`) to the patrol
//! team whose roster, shifts and logs stay in `fieldwork::patrols`; nothing is copied.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{area, one_of, required, scope_sql};
use crate::accounts::{Actor, Role};
use crate::audit;
use crate::cases::text;
use crate::db::Db;
use crate::error::{Error, Result};

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

mod records;
pub use records::*;

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
