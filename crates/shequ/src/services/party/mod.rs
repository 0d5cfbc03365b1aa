//! 党建: party organisations as a tree (党委 / 党总支 / 党支部 / 党小组) of a community or grid; members linked to
//! registry persons with category, join date, employer (在职党员社区报到), transfers in and out; meetings
//! (三会一课: 党员大会, 支委会, 党小组会, 党课; 主题党日, 民主评议党员) with the members expected and each absence
//! with its reason; 参学率 = attendances ÷ expected, per member and organisation over a period; the
//! organisations that held no meeting in a month.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{area, date, one_of, required, scope_sql};
use crate::accounts::Actor;
use crate::audit;
use crate::cases::text;
use crate::db::Db;
use crate::error::{Error, Result};

pub const ORG_KINDS: [&str; 4] = ["党委", "党总支", "党支部", "党小组"];
pub const CATEGORIES: [&str; 6] = ["在职", "离退休", "无职", "流动", "非公企业", "其他"];
mod meetings;
pub use meetings::*;

pub const MEETING_KINDS: [&str; 6] = [
    "党员大会",
    "支委会",
    "党小组会",
    "党课",
    "主题党日",
    "民主评议党员",
];

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Org {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub parent_id: Option<i64>,
    pub community_id: i64,
    pub community_name: String,
    pub grid_id: Option<i64>,
    pub members: i64,
}

const ORG: &str = "SELECT o.id, o.name, o.kind, o.parent_id, o.community_id, c.name AS community_name, o.grid_id, \
    (SELECT COUNT(*) FROM party_members m WHERE m.org_id = o.id AND m.active = 1) AS members \
    FROM party_orgs o JOIN nodes c ON c.id = o.community_id";

#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct OrgInput {
    pub name: String,
    pub kind: String,
    /// The organisation above (a 党小组's 党支部 …).
    pub parent_id: Option<i64>,
    /// The community or grid it is of.
    pub area_id: i64,
}

fn require_manager(actor: &Actor) -> Result<()> {
    if matches!(
        actor.role,
        crate::accounts::Role::StreetAdmin
            | crate::accounts::Role::CommunityHead
            | crate::accounts::Role::SocialWorker
    ) {
        Ok(())
    } else {
        Err(Error::Forbidden("只有社区工作人员可以管理党组织".into()))
    }
}

fn rank(kind: &str) -> usize {
    ORG_KINDS
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(ORG_KINDS.len())
}

pub async fn create_org(db: &Db, actor: &Actor, input: &OrgInput) -> Result<Org> {
    require_manager(actor)?;
    let name = required("组织名称", &input.name, 100)?;
    let kind = one_of("组织类型", &input.kind, &ORG_KINDS)?;
    let at = area(db, actor, input.area_id, "所属区域").await?;
    if let Some(p) = input.parent_id {
        let parent = org(db, actor, p)
            .await
            .map_err(|_| Error::invalid("上级组织", "上级组织不存在或不在您的管辖范围内"))?;
        if rank(&parent.kind) >= rank(kind) {
            return Err(Error::invalid(
                "上级组织",
                format!("{kind}的上级组织不能是{}", parent.kind),
            ));
        }
    }
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO party_orgs (name, kind, parent_id, street_id, community_id, grid_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(&name)
    .bind(kind)
    .bind(input.parent_id)
    .bind(at.street)
    .bind(at.community)
    .bind(at.grid)
    .bind(crate::db::now())
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        actor,
        "create",
        "party_org",
        Some(id),
        None,
        Some(&json!({"name": name, "kind": kind, "parent_id": input.parent_id})),
    )
    .await?;
    tx.commit().await?;
    org(db, actor, id).await
}

pub async fn org(db: &Db, actor: &Actor, id: i64) -> Result<Org> {
    let scope = scope_sql(db, actor, "o").await?;
    sqlx::query_as::<_, Org>(&format!(
        "{ORG} WHERE o.id = $1 AND o.archived = 0 AND {scope}"
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(Error::NotFound)
}

/// The organisations in scope as a tree: each after its parent, with its depth.
pub async fn orgs(db: &Db, actor: &Actor) -> Result<Vec<(usize, Org)>> {
    let scope = scope_sql(db, actor, "o").await?;
    let all = sqlx::query_as::<_, Org>(&format!(
        "{ORG} WHERE o.archived = 0 AND {scope} ORDER BY o.id"
    ))
    .fetch_all(&db.pool)
    .await?;
    let ids: Vec<i64> = all.iter().map(|o| o.id).collect();
    let mut out = Vec::new();
    fn walk(
        all: &[Org],
        parent: Option<i64>,
        depth: usize,
        ids: &[i64],
        out: &mut Vec<(usize, Org)>,
    ) {
        for o in all.iter().filter(|o| match parent {
            None => o.parent_id.is_none_or(|p| !ids.contains(&p)),
            Some(p) => o.parent_id == Some(p),
        }) {
            out.push((depth, o.clone()));
            walk(all, Some(o.id), depth + 1, ids, out);
        }
    }
    walk(&all, None, 0, &ids, &mut out);
    Ok(out)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Member {
    pub id: i64,
    pub org_id: i64,
    pub person_id: i64,
    pub name: String,
    pub household_number: String,
    pub category: String,
    pub joined_on: String,
    pub employer: String,
    pub active: i64,
}

const MEMBER: &str =
    "SELECT m.id, m.org_id, m.person_id, p.name, h.number AS household_number, m.category, \
    m.joined_on, m.employer, m.active FROM party_members m JOIN persons p ON p.id = m.person_id \
    JOIN households h ON h.id = p.household_id";

#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct MemberInput {
    pub person_id: i64,
    /// 在职 / 离退休 / 无职 / 流动 / 非公企业 / 其他
    pub category: String,
    /// 入党日期
    pub joined_on: String,
    /// 在职党员: the employer they report from (社区报到).
    pub employer: String,
    /// Transferred in from another organisation: its name.
    pub transferred_from: String,
}

pub async fn add_member(
    db: &Db,
    actor: &Actor,
    org_id: i64,
    input: &MemberInput,
) -> Result<Member> {
    // Out of scope answers NotFound before the role is asked.
    let o = org(db, actor, org_id).await?;
    require_manager(actor)?;
    let p = crate::registry::persons::get(db, actor, input.person_id)
        .await
        .map_err(|_| Error::invalid("党员", "该人员不存在或不在您的管辖范围内"))?;
    let category = one_of("党员类别", &input.category, &CATEGORIES)?;
    let joined = date("入党日期", &input.joined_on)?;
    if joined > crate::db::today() {
        return Err(Error::invalid("入党日期", "入党日期不能晚于今天"));
    }
    let employer = text("工作单位", &input.employer, 100)?;
    let from = text("转入自", &input.transferred_from, 100)?;
    let dup: Option<i64> =
        sqlx::query_scalar("SELECT id FROM party_members WHERE person_id = $1 AND active = 1")
            .bind(p.id)
            .fetch_optional(&db.pool)
            .await?;
    if dup.is_some() {
        return Err(Error::conflict(
            "党员",
            format!("{}已在党组织中登记", p.name),
        ));
    }
    let scope: (i64, i64, Option<i64>) =
        sqlx::query_as("SELECT street_id, community_id, grid_id FROM party_orgs WHERE id = $1")
            .bind(o.id)
            .fetch_one(&db.pool)
            .await?;
    let now = crate::db::now();
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO party_members (org_id, person_id, category, joined_on, employer, street_id, community_id, grid_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(o.id)
    .bind(p.id)
    .bind(category)
    .bind(joined.to_string())
    .bind(&employer)
    .bind(scope.0)
    .bind(scope.1)
    .bind(scope.2)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?;
    if !from.is_empty() {
        sqlx::query(
            "INSERT INTO party_transfers (member_id, direction, from_org, to_org, on_date, created_at) \
             VALUES ($1, 'in', $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(&from)
        .bind(&o.name)
        .bind(crate::db::today().to_string())
        .bind(&now)
        .execute(&mut *tx)
        .await?;
    }
    audit::record(&mut *tx, actor, "create", "party_member", Some(id), None,
        Some(&json!({"org_id": o.id, "person_id": p.id, "category": category, "joined_on": joined.to_string(), "from": from}))).await?;
    tx.commit().await?;
    member(db, actor, id).await
}

pub async fn member(db: &Db, actor: &Actor, id: i64) -> Result<Member> {
    let scope = scope_sql(db, actor, "m").await?;
    sqlx::query_as::<_, Member>(&format!("{MEMBER} WHERE m.id = $1 AND {scope}"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(Error::NotFound)
}

/// The active members of an organisation in scope.
pub async fn members(db: &Db, actor: &Actor, org_id: i64) -> Result<Vec<Member>> {
    let o = org(db, actor, org_id).await?;
    Ok(sqlx::query_as::<_, Member>(&format!(
        "{MEMBER} WHERE m.org_id = $1 AND m.active = 1 ORDER BY m.id"
    ))
    .bind(o.id)
    .fetch_all(&db.pool)
    .await?)
}

/// A member transfers out (组织关系转出): no longer expected at meetings from then on.
pub async fn transfer_out(db: &Db, actor: &Actor, member_id: i64, to: &str) -> Result<()> {
    let m = member(db, actor, member_id).await?;
    require_manager(actor)?;
    if m.active == 0 {
        return Err(Error::invalid("党员", "该党员已转出"));
    }
    let to = required("转往组织", to, 100)?;
    let o = org(db, actor, m.org_id).await?;
    let now = crate::db::now();
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE party_members SET active = 0 WHERE id = $1")
        .bind(m.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO party_transfers (member_id, direction, from_org, to_org, on_date, created_at) \
         VALUES ($1, 'out', $2, $3, $4, $5)",
    )
    .bind(m.id)
    .bind(&o.name)
    .bind(&to)
    .bind(crate::db::today().to_string())
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        actor,
        "transfer_out",
        "party_member",
        Some(m.id),
        Some(&json!({"active": 1})),
        Some(&json!({"active": 0, "to": to})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
