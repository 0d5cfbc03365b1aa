//! 党建: party organisations as a tree (党委 / 党总支 / 党支部 / 党小组) of a community or grid; members linked to
//! registry persons with category, join date, employer (在职党员社区报到), transfers in and out; meetings
//! (三会一课: 党员大会, 支委会, 党小组会, 党课; 主题党日, 民主评议党员) with the members expected and each absence
//! with its reason; 参学率 = attendances ÷ expected, per member and organisation over a period; the
//! organisations that held no meeting in a month.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{area, date, one_of, required, scope_sql, who};
use crate::accounts::Actor;
use crate::audit;
use crate::cases::{require_worker, text};
use crate::db::Db;
use crate::error::{Error, Result};

pub const ORG_KINDS: [&str; 4] = ["党委", "党总支", "党支部", "党小组"];
pub const CATEGORIES: [&str; 6] = ["在职", "离退休", "无职", "流动", "非公企业", "其他"];
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

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Meeting {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub kind: String,
    pub held_on: String,
    pub topic: String,
    pub expected: i64,
    pub attended: i64,
}

const MEETING: &str = "SELECT g.id, g.org_id, o.name AS org_name, g.kind, g.held_on, g.topic, g.expected, g.attended \
    FROM party_meetings g JOIN party_orgs o ON o.id = g.org_id";

#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Absence {
    pub member_id: i64,
    /// 请假 / 因病 / 外出 … (required)
    pub reason: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct MeetingInput {
    pub kind: String,
    pub held_on: String,
    pub topic: String,
    /// The expected members (the organisation's active members) who were absent, each with a reason.
    pub absences: Vec<Absence>,
}

/// Records a meeting: every active member of the organisation is expected; the absent ones are named with
/// their reasons; the others attended.
pub async fn record_meeting(
    db: &Db,
    actor: &Actor,
    org_id: i64,
    input: &MeetingInput,
) -> Result<Meeting> {
    let o = org(db, actor, org_id).await?;
    require_worker(actor)?;
    let kind = one_of("会议类型", &input.kind, &MEETING_KINDS)?;
    let on = date("会议日期", &input.held_on)?;
    if on > crate::db::today() {
        return Err(Error::invalid("会议日期", "会议日期不能晚于今天"));
    }
    let topic = required("会议主题", &input.topic, 200)?;
    let expected = members(db, actor, o.id).await?;
    for a in &input.absences {
        let Some(m) = expected.iter().find(|m| m.id == a.member_id) else {
            return Err(Error::invalid("缺席党员", "缺席人员不是本组织党员"));
        };
        if a.reason.trim().is_empty() {
            return Err(Error::invalid(
                "缺席原因",
                format!("请填写{}的缺席原因", m.name),
            ));
        }
        text("缺席原因", &a.reason, 100)?;
    }
    let absent = |id: i64| input.absences.iter().find(|a| a.member_id == id);
    let attended = expected.iter().filter(|m| absent(m.id).is_none()).count() as i64;
    let scope: (i64, i64, Option<i64>) =
        sqlx::query_as("SELECT street_id, community_id, grid_id FROM party_orgs WHERE id = $1")
            .bind(o.id)
            .fetch_one(&db.pool)
            .await?;
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO party_meetings (org_id, kind, held_on, topic, expected, attended, street_id, community_id, grid_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(o.id)
    .bind(kind)
    .bind(on.to_string())
    .bind(&topic)
    .bind(expected.len() as i64)
    .bind(attended)
    .bind(scope.0)
    .bind(scope.1)
    .bind(scope.2)
    .bind(crate::db::now())
    .fetch_one(&mut *tx)
    .await?;
    for m in &expected {
        let a = absent(m.id);
        sqlx::query("INSERT INTO party_attendance (meeting_id, member_id, present, reason) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(m.id)
            .bind(if a.is_some() { 0i64 } else { 1 })
            .bind(a.map(|a| a.reason.trim().to_string()).unwrap_or_default())
            .execute(&mut *tx)
            .await?;
    }
    audit::record(&mut *tx, actor, "create", "party_meeting", Some(id), None,
        Some(&json!({"org_id": o.id, "kind": kind, "held_on": on.to_string(), "expected": expected.len(),
            "attended": attended, "by": who(actor)}))).await?;
    tx.commit().await?;
    meeting(db, actor, id).await
}

pub async fn meeting(db: &Db, actor: &Actor, id: i64) -> Result<Meeting> {
    let scope = scope_sql(db, actor, "g").await?;
    sqlx::query_as::<_, Meeting>(&format!("{MEETING} WHERE g.id = $1 AND {scope}"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(Error::NotFound)
}

/// Meetings in scope in a period (dates included), newest first; of one organisation when given.
pub async fn meetings(
    db: &Db,
    actor: &Actor,
    org_id: Option<i64>,
    from: &str,
    to: &str,
) -> Result<Vec<Meeting>> {
    let scope = scope_sql(db, actor, "g").await?;
    Ok(sqlx::query_as::<_, Meeting>(&format!(
        "{MEETING} WHERE g.held_on >= $1 AND g.held_on <= $2 AND ($3 = 0 OR g.org_id = $3) AND {scope} \
         ORDER BY g.held_on DESC, g.id DESC LIMIT 1000"
    ))
    .bind(from)
    .bind(to)
    .bind(org_id.unwrap_or(0))
    .fetch_all(&db.pool)
    .await?)
}

/// 参学率 of one organisation or member over a period: attendances ÷ expected.
#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct StudyRate {
    pub id: i64,
    pub name: String,
    pub expected: i64,
    pub attended: i64,
    /// Percent with one decimal, or none without any expected attendance.
    pub rate: Option<f64>,
}

fn rate(attended: i64, expected: i64) -> Option<f64> {
    (expected > 0).then(|| (attended as f64 * 1000.0 / expected as f64).round() / 10.0)
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct StudyRates {
    pub from: String,
    pub to: String,
    pub total: StudyRate,
    pub orgs: Vec<StudyRate>,
    pub members: Vec<StudyRate>,
}

/// 参学率 in scope over a period (the dates included), in total, per organisation and per member.
pub async fn study_rates(db: &Db, actor: &Actor, from: &str, to: &str) -> Result<StudyRates> {
    let (f, t) = (
        date("开始日期", from)?.to_string(),
        date("结束日期", to)?.to_string(),
    );
    let scope = scope_sql(db, actor, "g").await?;
    let mut orgs: Vec<StudyRate> = sqlx::query_as::<_, (i64, String, i64, i64)>(&format!(
        "SELECT o.id, o.name, CAST(SUM(g.expected) AS BIGINT), CAST(SUM(g.attended) AS BIGINT) FROM party_meetings g \
         JOIN party_orgs o ON o.id = g.org_id WHERE g.held_on >= $1 AND g.held_on <= $2 AND {scope} \
         GROUP BY o.id, o.name ORDER BY o.id"
    ))
    .bind(&f)
    .bind(&t)
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .map(|(id, name, e, a)| StudyRate { id, name, expected: e, attended: a, rate: rate(a, e) })
    .collect();
    let members: Vec<StudyRate> = sqlx::query_as::<_, (i64, String, i64, i64)>(&format!(
        "SELECT m.id, p.name, COUNT(*), CAST(SUM(x.present) AS BIGINT) FROM party_attendance x \
         JOIN party_meetings g ON g.id = x.meeting_id JOIN party_members m ON m.id = x.member_id \
         JOIN persons p ON p.id = m.person_id WHERE g.held_on >= $1 AND g.held_on <= $2 AND {scope} \
         GROUP BY m.id, p.name ORDER BY m.id"
    ))
    .bind(&f)
    .bind(&t)
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .map(|(id, name, e, a)| StudyRate { id, name, expected: e, attended: a, rate: rate(a, e) })
    .collect();
    let (e, a) = orgs
        .iter()
        .fold((0, 0), |(e, a), o| (e + o.expected, a + o.attended));
    orgs.sort_by_key(|o| o.id);
    Ok(StudyRates {
        from: f,
        to: t,
        total: StudyRate {
            id: 0,
            name: "合计".into(),
            expected: e,
            attended: a,
            rate: rate(a, e),
        },
        orgs,
        members,
    })
}

/// An organisation that held no 三会一课 meeting in a month.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Missed {
    pub org_id: i64,
    pub org_name: String,
    pub kind: String,
    /// `2026-03`
    pub month: String,
}

/// 党支部 and 党小组 in scope without any meeting in a month, for each month of a year — up to the current month
/// for this year.
pub async fn missed_months(db: &Db, actor: &Actor, year: i32) -> Result<Vec<Missed>> {
    use chrono::Datelike;
    let today = crate::db::today();
    let last = match today.year().cmp(&year) {
        std::cmp::Ordering::Equal => today.month(),
        std::cmp::Ordering::Less => 0,
        std::cmp::Ordering::Greater => 12,
    };
    let scope = scope_sql(db, actor, "g").await?;
    let held: Vec<(i64, String)> = sqlx::query_as(&format!(
        "SELECT DISTINCT g.org_id, SUBSTR(g.held_on, 1, 7) FROM party_meetings g \
         WHERE g.held_on >= $1 AND g.held_on <= $2 AND {scope}"
    ))
    .bind(format!("{year}-01-01"))
    .bind(format!("{year}-12-31"))
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::new();
    for (_, o) in orgs(db, actor).await? {
        if !matches!(o.kind.as_str(), "党支部" | "党小组") {
            continue;
        }
        for m in 1..=last {
            let month = format!("{year}-{m:02}");
            if !held.iter().any(|(id, mo)| *id == o.id && *mo == month) {
                out.push(Missed {
                    org_id: o.id,
                    org_name: o.name.clone(),
                    kind: o.kind.clone(),
                    month,
                });
            }
        }
    }
    Ok(out)
}
