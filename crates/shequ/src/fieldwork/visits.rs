//! 走访: visits done to households (date, worker, kind — 日常走访 or 四必访 with its reason 病 / 困 / 矛盾 /
//! 婚丧 — and a note), and the visit rules that say how often each household must be seen: "every household
//! once a year", "独居老人 every 30 days". Rules are data (a special group or all households, and a number of
//! days) per street. The overdue lists and the coverage figures are in [`super::visit_stats`].

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::accounts::{Actor, Role};
use crate::audit;
use crate::cases::{fmt_ts, now_utc, require_worker, text};
use crate::db::filter::Filter;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::registry::{households, validate};

pub const KINDS: [&str; 2] = ["日常走访", "四必访"];
/// 四必访: 病 (ill), 困 (in difficulty), 矛盾 (troubled), 婚丧 (wedding or funeral).
pub const REASONS: [&str; 4] = ["病", "困", "矛盾", "婚丧"];

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Visit {
    pub id: i64,
    pub household_id: i64,
    pub household_number: String,
    pub address: String,
    pub visited_on: String,
    pub worker_id: Option<i64>,
    pub worker_name: String,
    /// 日常走访 / 四必访
    pub kind: String,
    /// 病 / 困 / 矛盾 / 婚丧 (四必访)
    pub reason: Option<String>,
    pub note: String,
    pub grid_id: i64,
    pub grid_name: String,
    pub created_at: String,
}

pub(crate) const SELECT: &str = "SELECT v.id, v.household_id, h.number AS household_number, h.address, \
    v.visited_on, v.worker_id, v.worker_name, v.kind, v.reason, v.note, v.grid_id, g.name AS grid_name, \
    v.created_at FROM visits v JOIN households h ON h.id = v.household_id JOIN nodes g ON g.id = v.grid_id";

#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct VisitInput {
    pub household_id: i64,
    /// Today when empty.
    pub visited_on: String,
    /// 日常走访 / 四必访
    pub kind: String,
    /// Required for 四必访: 病 / 困 / 矛盾 / 婚丧
    pub reason: String,
    pub note: String,
    /// A key the phone made for a visit recorded offline (letters, digits, '-', up to 64): the same key again
    /// returns the visit already recorded instead of recording it twice.
    pub client_key: String,
}

/// The visit already recorded by this worker under a phone's key, if any.
async fn by_client_key(db: &Db, actor: &Actor, key: &str) -> Result<Option<Visit>> {
    let id: Option<i64> =
        sqlx::query_scalar("SELECT id FROM visits WHERE client_key = $1 AND worker_id = $2")
            .bind(key)
            .bind(actor.user_id)
            .fetch_optional(&db.pool)
            .await?;
    match id {
        Some(id) => Ok(Some(get(db, actor, id).await?)),
        None => Ok(None),
    }
}

/// Records a visit by the actor to a household in scope.
pub async fn record(db: &Db, actor: &Actor, input: &VisitInput) -> Result<Visit> {
    require_worker(actor)?;
    let key = crate::cases::client_key(&input.client_key)?;
    if let Some(k) = key {
        if let Some(v) = by_client_key(db, actor, k).await? {
            return Ok(v);
        }
    }
    let h = households::get(db, actor, input.household_id)
        .await
        .map_err(|_| Error::invalid("走访对象", "该户不存在或不在您的管辖范围内"))?;
    if h.archived != 0 {
        return Err(Error::invalid("走访对象", "该户已归档"));
    }
    let kind = input.kind.trim();
    let kind = if kind.is_empty() {
        "日常走访"
    } else {
        kind
    };
    if !KINDS.contains(&kind) {
        return Err(Error::invalid(
            "走访类型",
            format!("走访类型应为:{}", KINDS.join("、")),
        ));
    }
    let reason = input.reason.trim();
    let reason = match (kind, reason) {
        ("四必访", r) if REASONS.contains(&r) => Some(r.to_string()),
        ("四必访", _) => {
            return Err(Error::invalid(
                "走访事由",
                format!("四必访请选择事由:{}", REASONS.join("、")),
            ))
        }
        (_, "") => None,
        (_, _) => return Err(Error::invalid("走访事由", "日常走访不填事由")),
    };
    let today = crate::db::today();
    let on = if input.visited_on.trim().is_empty() {
        today
    } else {
        validate::parse_date(&input.visited_on)
            .ok_or_else(|| Error::invalid("走访日期", "走访日期格式不正确,请按2024-01-31填写"))?
    };
    if on > today {
        return Err(Error::invalid("走访日期", "走访日期不能晚于今天"));
    }
    let note = text("走访情况", &input.note, 5000)?;
    let worker = if actor.display_name.is_empty() {
        actor.username.clone()
    } else {
        actor.display_name.clone()
    };
    let mut tx = db.begin().await?;
    let id: std::result::Result<i64, sqlx::Error> = sqlx::query_scalar(
        "INSERT INTO visits (household_id, visited_on, worker_id, worker_name, kind, reason, note, street_id, \
         community_id, grid_id, building_id, created_at, client_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(h.id)
    .bind(on.to_string())
    .bind((actor.user_id != 0).then_some(actor.user_id))
    .bind(&worker)
    .bind(kind)
    .bind(reason.clone())
    .bind(&note)
    .bind(h.street_id)
    .bind(h.community_id)
    .bind(h.grid_id)
    .bind(h.building_id)
    .bind(fmt_ts(now_utc()))
    .bind(key)
    .fetch_one(&mut *tx)
    .await;
    // Two arrivals of the same key at once: the index refuses the second; it gets the first one's visit.
    let id = match (id, key) {
        (Err(e), Some(k)) => {
            drop(tx);
            return match by_client_key(db, actor, k).await? {
                Some(v) => Ok(v),
                None => Err(e.into()),
            };
        }
        (id, _) => id?,
    };
    audit::record(
        &mut *tx,
        actor,
        "create",
        "visit",
        Some(id),
        None,
        Some(&json!({"household_id": h.id, "visited_on": on.to_string(), "kind": kind, "reason": reason})),
    )
    .await?;
    tx.commit().await?;
    get(db, actor, id).await
}

/// A visit inside the actor's scope, or NotFound.
pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<Visit> {
    sqlx::query_as::<_, Visit>(&format!(
        "{SELECT} WHERE v.id = $1 AND {}",
        actor.scope.sql("v")
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(Error::NotFound)
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct VisitQuery {
    pub household_id: Option<i64>,
    pub grid_id: Option<i64>,
    pub worker_id: Option<i64>,
    /// First day, e.g. 2026-01-01
    pub from: Option<String>,
    /// Last day, included
    pub to: Option<String>,
    pub page: Option<i64>,
    /// Default 50, at most 5000.
    pub per_page: Option<i64>,
}

/// Visits in the actor's scope, newest first.
pub async fn list(db: &Db, actor: &Actor, q: &VisitQuery) -> Result<Vec<Visit>> {
    filter(actor, q)?
        .rows(
            db,
            SELECT,
            "v.visited_on DESC, v.id DESC",
            q.page.unwrap_or(1),
            q.per_page.unwrap_or(50),
        )
        .await
}

/// One page of [`list`] with the count of all visits the query matches, for the pager.
pub async fn page(
    db: &Db,
    actor: &Actor,
    q: &VisitQuery,
) -> Result<crate::db::filter::Page<Visit>> {
    filter(actor, q)?
        .page(
            db,
            "FROM visits v",
            SELECT,
            "v.visited_on DESC, v.id DESC",
            q.page.unwrap_or(1),
            q.per_page.unwrap_or(50),
        )
        .await
}

fn filter(actor: &Actor, q: &VisitQuery) -> Result<Filter> {
    let mut filter = Filter::scoped(actor, "v")
        .opt_int("v.household_id = ?", q.household_id)
        .opt_int("v.grid_id = ?", q.grid_id)
        .opt_int("v.worker_id = ?", q.worker_id);
    for (field, sql, v) in [
        ("开始日期", "v.visited_on >= ?", &q.from),
        ("结束日期", "v.visited_on <= ?", &q.to),
    ] {
        if let Some(v) = v.as_deref().filter(|s| !s.is_empty()) {
            let d = validate::parse_date(v)
                .ok_or_else(|| Error::invalid(field, "日期格式不正确,请按2024-01-31填写"))?;
            filter = filter.text(sql, d.to_string());
        }
    }
    Ok(filter)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Rule {
    pub id: i64,
    pub name: String,
    /// The special group (e.g. 独居老人), or none for every household.
    pub tag_type_id: Option<i64>,
    pub tag_name: Option<String>,
    pub every_days: i64,
    pub street_id: i64,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct RuleInput {
    /// e.g. 全部住户每年走访一次
    pub name: String,
    /// A special group, or none for every household.
    pub tag_type_id: Option<i64>,
    /// At least every N days (1–3660).
    pub every_days: i64,
}

/// The visit rules of the actor's street. A rule on a special group the role may not see (a sensitive
/// group, for grid workers and building leaders) is not there for them, like the group's own list.
pub async fn rules(db: &Db, actor: &Actor) -> Result<Vec<Rule>> {
    let Some(street) = actor.scope.street() else {
        return Ok(vec![]);
    };
    let visible: Vec<i64> = crate::registry::tags::types(db, actor)
        .await?
        .iter()
        .map(|t| t.id)
        .collect();
    Ok(sqlx::query_as::<_, Rule>(
        "SELECT r.id, r.name, r.tag_type_id, t.name AS tag_name, r.every_days, r.street_id FROM visit_rules r \
         LEFT JOIN tag_types t ON t.id = r.tag_type_id WHERE r.street_id = $1 AND r.archived = 0 ORDER BY r.id",
    )
    .bind(street)
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .filter(|r| r.tag_type_id.is_none_or(|t| visible.contains(&t)))
    .collect())
}

/// Whether a rule is on a sensitive group (its overdue list is then a sensitive read, audited).
pub async fn is_sensitive(db: &Db, rule: &Rule) -> Result<bool> {
    let Some(t) = rule.tag_type_id else {
        return Ok(false);
    };
    Ok(crate::registry::tags::get_type(db, &Actor::system(), t)
        .await
        .map(|t| t.sensitive)
        .unwrap_or(false))
}

/// One rule of the actor's street, or NotFound.
pub async fn rule(db: &Db, actor: &Actor, id: i64) -> Result<Rule> {
    rules(db, actor)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or(Error::NotFound)
}

/// A new visit rule for the actor's street (street administrators and community heads).
pub async fn create_rule(db: &Db, actor: &Actor, input: &RuleInput) -> Result<Rule> {
    if !matches!(actor.role, Role::StreetAdmin | Role::CommunityHead) {
        return Err(Error::Forbidden(
            "只有街道管理员或社区书记/主任可以设定走访规则".into(),
        ));
    }
    let street = actor
        .scope
        .street()
        .ok_or_else(|| Error::Forbidden("您的账号不属于任何街道".into()))?;
    let name = text("规则名称", &input.name, 100)?;
    if name.is_empty() {
        return Err(Error::invalid("规则名称", "规则名称不能为空"));
    }
    if !(1..=3660).contains(&input.every_days) {
        return Err(Error::invalid("走访周期", "走访周期应为1到3660天"));
    }
    if let Some(t) = input.tag_type_id {
        let visible = crate::registry::tags::types(db, actor).await?;
        if !visible.iter().any(|x| x.id == t) {
            return Err(Error::invalid("特殊群体", "没有这个特殊群体类型"));
        }
    }
    let at = fmt_ts(now_utc());
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO visit_rules (name, tag_type_id, every_days, street_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(&name)
    .bind(input.tag_type_id)
    .bind(input.every_days)
    .bind(street)
    .bind(&at)
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        actor,
        "create",
        "visit_rule",
        Some(id),
        None,
        Some(&json!({"name": name, "tag_type_id": input.tag_type_id, "every_days": input.every_days})),
    )
    .await?;
    tx.commit().await?;
    rule(db, actor, id).await
}
