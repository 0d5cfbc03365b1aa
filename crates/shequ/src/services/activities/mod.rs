//! 活动: an activity or campaign (theme, type, dates, place, organisers and partner units, target groups),
//! its result figures (each with unit and qualifier 约/余/近/超过; "其中" parts never above their total),
//! sign-ups of registry persons and attendance — ticked by the organiser or confirmed at the door with the
//! activity's check-in code (a signed-in worker, or the person by name and the last four digits of their
//! phone, on the activity's days only).

use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{area, date, one_of, required, scope_sql, who};
use crate::accounts::Actor;
use crate::audit;
use crate::cases::{require_worker, text};
use crate::db::Db;
use crate::error::{Error, Result};

pub const KINDS: [&str; 9] = [
    "宣传",
    "文体",
    "培训",
    "慰问",
    "义诊",
    "招聘会",
    "远程教育",
    "志愿服务",
    "其他",
];
mod door;
pub use door::*;

pub const QUALIFIERS: [&str; 5] = ["", "约", "余", "近", "超过"];
/// Result figures: code, what reports call it, unit.
pub const METRICS: [(&str, &str, &str); 5] = [
    ("participants", "参加人数", "人"),
    ("materials", "发放宣传资料", "份"),
    ("consultations", "接受咨询", "人次"),
    ("questionnaires", "问卷", "份"),
    ("items", "发放物品", "件"),
];

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Activity {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub starts_on: String,
    pub ends_on: String,
    pub place: String,
    pub organisers: String,
    pub partners: String,
    pub target_groups: String,
    pub note: String,
    /// The code shown at the door (`/checkin/{code}`).
    pub checkin_code: String,
    pub community_id: i64,
    pub community_name: String,
    pub grid_id: Option<i64>,
    pub signed_up: i64,
    pub attended: i64,
    pub created_at: String,
}

const SELECT: &str = "SELECT a.id, a.title, a.kind, a.starts_on, a.ends_on, a.place, a.organisers, a.partners, \
    a.target_groups, a.note, a.checkin_code, a.community_id, c.name AS community_name, a.grid_id, \
    (SELECT COUNT(*) FROM activity_signups s WHERE s.activity_id = a.id) AS signed_up, \
    (SELECT COUNT(*) FROM activity_signups s WHERE s.activity_id = a.id AND s.attended_at IS NOT NULL) AS attended, \
    a.created_at FROM activities a JOIN nodes c ON c.id = a.community_id";

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Figure {
    pub id: i64,
    pub metric: String,
    pub label: String,
    pub unit: String,
    /// 约 / 余 / 近 / 超过, or empty for an exact figure.
    pub qualifier: String,
    pub value: i64,
    /// The figure this one is "其中" of.
    pub parent_id: Option<i64>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct FigureInput {
    /// participants / materials / consultations / questionnaires / items
    pub metric: String,
    /// What is counted, e.g. 外出务工返乡妇女 for a 其中 line; the metric's name when empty.
    pub label: String,
    pub qualifier: String,
    pub value: i64,
    /// For a 其中 line: the index (in this list) of the total it is part of.
    pub part_of: Option<usize>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ActivityInput {
    pub title: String,
    pub kind: String,
    pub starts_on: String,
    /// The first day when empty.
    pub ends_on: String,
    pub place: String,
    pub organisers: String,
    pub partners: String,
    pub target_groups: String,
    pub note: String,
    /// The community (or grid) holding the activity.
    pub area_id: i64,
    pub figures: Vec<FigureInput>,
}

struct CheckedFigure {
    metric: &'static str,
    label: String,
    unit: &'static str,
    qualifier: &'static str,
    value: i64,
    part_of: Option<usize>,
}

/// Checks the figures: known metrics and qualifiers, no negative values, a 其中 line of an earlier total
/// of the same metric and never above it.
fn check_figures(list: &[FigureInput]) -> Result<Vec<CheckedFigure>> {
    let mut out: Vec<CheckedFigure> = Vec::new();
    for (i, f) in list.iter().enumerate() {
        let Some(&(metric, name, unit)) = METRICS.iter().find(|m| m.0 == f.metric.trim()) else {
            return Err(Error::invalid(
                "成效数据",
                format!("第{}项的类别不正确", i + 1),
            ));
        };
        let qualifier = one_of("约数", &f.qualifier, &QUALIFIERS)?;
        let label = text("成效数据", &f.label, 50)?;
        let label = if label.is_empty() {
            name.to_string()
        } else {
            label
        };
        if f.value < 0 {
            return Err(Error::invalid("成效数据", format!("“{label}”不能为负数")));
        }
        if let Some(p) = f.part_of {
            let Some(total) = out.get(p).filter(|_| p < i) else {
                return Err(Error::invalid("成效数据", format!("“{label}”的总数不存在")));
            };
            if total.metric != metric || total.part_of.is_some() {
                return Err(Error::invalid(
                    "成效数据",
                    format!("“{label}”应是“{}”的其中项", total.label),
                ));
            }
            if f.value > total.value {
                return Err(Error::invalid(
                    "成效数据",
                    format!(
                        "其中“{label}”{}{unit}不能超过总数“{}”{}{unit}",
                        f.value, total.label, total.value
                    ),
                ));
            }
        }
        out.push(CheckedFigure {
            metric,
            label,
            unit,
            qualifier,
            value: f.value,
            part_of: f.part_of,
        });
    }
    Ok(out)
}

/// An unambiguous short code (no 0/O, 1/I).
fn new_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut r = rand::thread_rng();
    (0..6)
        .map(|_| ALPHABET[r.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Records an activity with its figures (workers; the area in scope).
pub async fn create(db: &Db, actor: &Actor, input: &ActivityInput) -> Result<Activity> {
    require_worker(actor)?;
    let title = required("活动主题", &input.title, 100)?;
    let kind = one_of("活动类型", &input.kind, &KINDS)?;
    let starts = date("开始日期", &input.starts_on)?;
    let ends = if input.ends_on.trim().is_empty() {
        starts
    } else {
        date("结束日期", &input.ends_on)?
    };
    if ends < starts {
        return Err(Error::invalid("结束日期", "结束日期不能早于开始日期"));
    }
    let place = text("活动地点", &input.place, 100)?;
    let organisers = text("主办单位", &input.organisers, 200)?;
    let partners = text("协办单位", &input.partners, 200)?;
    let targets = text("参加对象", &input.target_groups, 200)?;
    let note = text("活动内容", &input.note, 5000)?;
    let figures = check_figures(&input.figures)?;
    let at = area(db, actor, input.area_id, "所属区域").await?;
    let now = crate::db::now();
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO activities (title, kind, starts_on, ends_on, place, organisers, partners, target_groups, note, \
         checkin_code, street_id, community_id, grid_id, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING id",
    )
    .bind(&title)
    .bind(kind)
    .bind(starts.to_string())
    .bind(ends.to_string())
    .bind(&place)
    .bind(&organisers)
    .bind(&partners)
    .bind(&targets)
    .bind(&note)
    .bind(new_code())
    .bind(at.street)
    .bind(at.community)
    .bind(at.grid)
    .bind(who(actor))
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?;
    let mut ids: Vec<i64> = Vec::new();
    for f in &figures {
        let fid: i64 = sqlx::query_scalar(
            "INSERT INTO activity_figures (activity_id, metric, label, unit, qualifier, value, parent_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(id)
        .bind(f.metric)
        .bind(&f.label)
        .bind(f.unit)
        .bind(f.qualifier)
        .bind(f.value)
        .bind(f.part_of.map(|p| ids[p]))
        .fetch_one(&mut *tx)
        .await?;
        ids.push(fid);
    }
    audit::record(
        &mut *tx,
        actor,
        "create",
        "activity",
        Some(id),
        None,
        Some(&json!({"title": title, "kind": kind, "starts_on": starts.to_string(), "community_id": at.community,
            "figures": figures.iter().map(|f| json!([f.label, f.qualifier, f.value, f.unit])).collect::<Vec<_>>()})),
    )
    .await?;
    tx.commit().await?;
    get(db, actor, id).await
}

/// An activity in the actor's scope, or NotFound.
pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<Activity> {
    let scope = scope_sql(db, actor, "a").await?;
    sqlx::query_as::<_, Activity>(&format!("{SELECT} WHERE a.id = $1 AND {scope}"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(Error::NotFound)
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct ActivityQuery {
    pub kind: Option<String>,
    /// First day, e.g. 2026-01-01
    pub from: Option<String>,
    /// Last day, included
    pub to: Option<String>,
}

/// Activities in the actor's scope, newest first (at most 500).
pub async fn list(db: &Db, actor: &Actor, q: &ActivityQuery) -> Result<Vec<Activity>> {
    let scope = scope_sql(db, actor, "a").await?;
    let from = match q.from.as_deref().filter(|s| !s.is_empty()) {
        Some(v) => date("开始日期", v)?.to_string(),
        None => "0000-01-01".into(),
    };
    let to = match q.to.as_deref().filter(|s| !s.is_empty()) {
        Some(v) => date("结束日期", v)?.to_string(),
        None => "9999-12-31".into(),
    };
    let kind = q.kind.clone().filter(|s| !s.is_empty());
    Ok(sqlx::query_as::<_, Activity>(&format!(
        "{SELECT} WHERE a.starts_on >= $1 AND a.starts_on <= $2 AND ($3 = '' OR a.kind = $3) AND {scope} \
         ORDER BY a.starts_on DESC, a.id DESC LIMIT 500"
    ))
    .bind(from)
    .bind(to)
    .bind(kind.unwrap_or_default())
    .fetch_all(&db.pool)
    .await?)
}

/// The figures of an activity in scope, totals before their 其中 lines.
pub async fn figures(db: &Db, actor: &Actor, id: i64) -> Result<Vec<Figure>> {
    get(db, actor, id).await?;
    Ok(sqlx::query_as::<_, Figure>(
        "SELECT id, metric, label, unit, qualifier, value, parent_id FROM activity_figures \
         WHERE activity_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?)
}

/// A figure as reports state it: `约2000份`, `300余人`.
pub fn stated(f: &Figure) -> String {
    match f.qualifier.as_str() {
        "余" => format!("{}余{}", f.value, f.unit),
        "" => format!("{}{}", f.value, f.unit),
        q => format!("{q}{}{}", f.value, f.unit),
    }
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Signup {
    pub id: i64,
    pub person_id: i64,
    pub name: String,
    pub household_number: String,
    pub signed_up_at: String,
    pub attended_at: Option<String>,
    /// Who confirmed the attendance (the organiser, or 本人签到).
    pub checked_in_by: Option<String>,
}

/// The sign-ups of an activity in scope.
pub async fn signups(db: &Db, actor: &Actor, id: i64) -> Result<Vec<Signup>> {
    get(db, actor, id).await?;
    Ok(sqlx::query_as::<_, Signup>(
        "SELECT s.id, s.person_id, p.name, h.number AS household_number, s.signed_up_at, s.attended_at, \
         s.checked_in_by FROM activity_signups s JOIN persons p ON p.id = s.person_id \
         JOIN households h ON h.id = p.household_id WHERE s.activity_id = $1 ORDER BY s.id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?)
}

/// Signs a registry person (in the actor's scope) up for an activity.
pub async fn sign_up(db: &Db, actor: &Actor, id: i64, person_id: i64) -> Result<Signup> {
    let a = get(db, actor, id).await?;
    require_worker(actor)?;
    let p = crate::registry::persons::get(db, actor, person_id)
        .await
        .map_err(|_| Error::invalid("报名人员", "该人员不存在或不在您的管辖范围内"))?;
    let exists: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM activity_signups WHERE activity_id = $1 AND person_id = $2",
    )
    .bind(a.id)
    .bind(p.id)
    .fetch_optional(&db.pool)
    .await?;
    if exists.is_some() {
        return Err(Error::conflict("报名人员", format!("{}已报名", p.name)));
    }
    let mut tx = db.begin().await?;
    let sid: i64 = sqlx::query_scalar(
        "INSERT INTO activity_signups (activity_id, person_id, signed_up_at, signed_up_by) \
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(a.id)
    .bind(p.id)
    .bind(crate::db::now())
    .bind(who(actor))
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        actor,
        "create",
        "activity_signup",
        Some(sid),
        None,
        Some(&json!({"activity_id": a.id, "person_id": p.id})),
    )
    .await?;
    tx.commit().await?;
    signups(db, actor, a.id)
        .await?
        .into_iter()
        .find(|s| s.id == sid)
        .ok_or(Error::NotFound)
}

/// The organiser ticks (or unticks) a sign-up's attendance.
pub async fn tick(db: &Db, actor: &Actor, id: i64, signup_id: i64, present: bool) -> Result<()> {
    let a = get(db, actor, id).await?;
    require_worker(actor)?;
    let by = who(actor);
    mark(db, actor, a.id, signup_id, present, &by).await
}

pub(super) async fn mark(
    db: &Db,
    actor: &Actor,
    activity: i64,
    signup: i64,
    present: bool,
    by: &str,
) -> Result<()> {
    let mut tx = db.begin().await?;
    let n = sqlx::query(
        "UPDATE activity_signups SET attended_at = $1, checked_in_by = $2 WHERE id = $3 AND activity_id = $4",
    )
    .bind(present.then(crate::db::now))
    .bind(present.then_some(by))
    .bind(signup)
    .bind(activity)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(Error::NotFound);
    }
    audit::record(
        &mut *tx,
        actor,
        "update",
        "activity_signup",
        Some(signup),
        None,
        Some(&json!({"attended": present, "by": by})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
