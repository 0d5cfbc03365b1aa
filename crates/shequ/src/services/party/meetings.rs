//! Party meetings (三会一课 and the others): every active member expected, absences with their reasons;
//! 参学率 per organisation and member over a period; the organisations without a meeting in a month.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{members, org, orgs, MEETING_KINDS};
use crate::accounts::Actor;
use crate::audit;
use crate::cases::{require_worker, text};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::services::{date, one_of, required, scope_sql, who};

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
