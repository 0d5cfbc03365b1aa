//! Patrol logs (start, end, area, who, findings) and their findings, each of which becomes a hazard or a case
//! in one step: the new record and the finding's link commit in one transaction.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::accounts::Actor;
use crate::audit;
use crate::cases::hazards::{self, NewHazard};
use crate::cases::intake::{self, NewCase};
use crate::cases::{fmt_ts, now_utc, require_worker, text};
use crate::db::filter::Filter;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::registry::validate;

use super::{roster, team};

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
    /// A key the phone made for a log recorded offline (letters, digits, '-', up to 64): the same key again
    /// returns the log already recorded instead of recording it twice.
    pub client_key: String,
}

/// The log this user recorded under a phone's key, if any.
async fn by_client_key(db: &Db, actor: &Actor, key: &str) -> Result<Option<PatrolLog>> {
    let id: Option<i64> =
        sqlx::query_scalar("SELECT id FROM patrol_logs WHERE client_key = $1 AND recorded_by = $2")
            .bind(key)
            .bind(actor.user_id)
            .fetch_optional(&db.pool)
            .await?;
    match id {
        Some(id) => Ok(Some(log(db, actor, id).await?)),
        None => Ok(None),
    }
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
    let key = crate::cases::client_key(&input.client_key)?;
    if let Some(k) = key {
        if let Some(l) = by_client_key(db, actor, k).await? {
            return Ok(l);
        }
    }
    let t = team(db, actor, input.team_id)
        .await
        .map_err(|_| Error::invalid("巡逻队伍", "巡逻队伍不存在或不在您的管辖范围内"))?;
    let (area, (street, community, grid)) =
        crate::registry::place::place(db, actor, "巡逻区域", input.area_id).await?;
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
            Some(l) => crate::registry::place::place(db, actor, "问题地点", l).await?,
            None => (area.clone(), (street, community, grid)),
        };
        findings.push((d, place));
    }
    let fmt = |t: chrono::NaiveDateTime| t.format("%Y-%m-%d %H:%M").to_string();
    let at = fmt_ts(now_utc());
    let mut tx = db.begin().await?;
    let id: std::result::Result<i64, sqlx::Error> = sqlx::query_scalar(
        "INSERT INTO patrol_logs (team_id, shift_id, area_node_id, street_id, community_id, grid_id, building_id, \
         started_at, ended_at, patrollers, summary, recorded_by, created_at, client_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
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
    .bind(key)
    .fetch_one(&mut *tx)
    .await;
    // Two arrivals of the same key at once: the index refuses the second; it gets the first one's log.
    let id = match (id, key) {
        (Err(e), Some(k)) => {
            drop(tx);
            return match by_client_key(db, actor, k).await? {
                Some(l) => Ok(l),
                None => Err(e.into()),
            };
        }
        (id, _) => id?,
    };
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
    let mut filter = Filter::scoped(actor, "l")
        .opt_int("l.team_id = ?", q.team_id)
        .opt_int("l.grid_id = ?", q.grid_id);
    if let Some(f) = q.from.as_deref().filter(|s| !s.is_empty()) {
        let d = validate::parse_date(f)
            .ok_or_else(|| Error::invalid("开始日期", "日期格式不正确,请按2024-01-31填写"))?;
        filter = filter.text("l.started_at >= ?", d.to_string());
    }
    if let Some(t) = q.to.as_deref().filter(|s| !s.is_empty()) {
        let d = validate::parse_date(t)
            .ok_or_else(|| Error::invalid("结束日期", "日期格式不正确,请按2024-01-31填写"))?;
        filter = filter.text(
            "l.started_at < ?",
            (d + chrono::Duration::days(1)).to_string(),
        );
    }
    filter
        .rows(
            db,
            LOG_SELECT,
            "l.started_at DESC, l.id DESC",
            q.page.unwrap_or(1),
            q.per_page.unwrap_or(50),
        )
        .await
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
) -> Result<crate::cases::Case> {
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
    crate::cases::queries::get(db, actor, case).await
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
