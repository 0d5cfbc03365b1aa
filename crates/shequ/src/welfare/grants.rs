//! Grants (在保): what an approved application starts — the household, its members on the programme, the
//! monthly amount — and its dated change events (新办, 取消, 降标, 提标, 增人, 减人, 停发, 恢复), each with the
//! reason, the amount and persons before and after, and who decided. The registry's 低保 tag follows the events
//! of the 城市低保 programme: members get it when they come on, lose it when they go off. 定期复核 (keep, lower,
//! raise, cancel) records a review and, when it changes something, the event.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::applications::Application;
use super::programmes::{self, Programme};
use super::{amount, audit_read, fmt_ts, now_utc, past_date, require_sees, text, who};
use crate::accounts::Actor;
use crate::audit;
use crate::db::filter::Filter;
use crate::db::{self, Db, Tx};
use crate::error::{Error, Result};
use crate::registry::persons;

pub const KINDS: [&str; 8] = [
    "新办", "取消", "降标", "提标", "增人", "减人", "停发", "恢复",
];

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Grant {
    pub id: i64,
    pub programme_id: i64,
    pub programme_name: String,
    pub programme_code: String,
    pub household_id: i64,
    pub household_number: String,
    pub application_id: Option<i64>,
    /// active | stopped | cancelled
    pub status: String,
    pub persons: i64,
    /// 家庭月收入 (元), sensitive.
    pub income: i64,
    /// 月发放金额 (元)
    pub amount: i64,
    pub since: String,
    pub ended_on: Option<String>,
    pub next_review_on: String,
    pub community_id: i64,
    pub grid_id: i64,
}

const SELECT: &str = "SELECT g.id, g.programme_id, p.name AS programme_name, p.code AS programme_code, g.household_id, \
    h.number AS household_number, g.application_id, g.status, g.persons, g.income, g.amount, g.since, g.ended_on, \
    g.next_review_on, g.community_id, g.grid_id FROM welfare_grants g \
    JOIN welfare_programmes p ON p.id = g.programme_id JOIN households h ON h.id = g.household_id";

/// The first review date after `from` (none, far away, when the programme has no reviews).
pub fn next_review(p: &Programme, from: NaiveDate) -> String {
    if p.review_months <= 0 {
        return "9999-12-31".into();
    }
    from.checked_add_months(Months::new(p.review_months as u32))
        .unwrap_or(from)
        .to_string()
}

/// Starts the grant of an approved application (in the approval's transaction): members, 新办, the tag.
pub(crate) async fn start(
    tx: &mut Tx<'_>,
    actor: &Actor,
    a: &Application,
    p: &Programme,
    on: NaiveDate,
) -> Result<i64> {
    let members = a.member_ids();
    let persons = members.len() as i64;
    let monthly = programmes::monthly_amount(p, persons, a.income);
    let h: (i64, i64, i64, Option<i64>) = sqlx::query_as(
        "SELECT street_id, community_id, grid_id, building_id FROM households WHERE id = $1",
    )
    .bind(a.household_id)
    .fetch_one(&mut **tx)
    .await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO welfare_grants (programme_id, household_id, application_id, status, persons, income, amount, since, \
         next_review_on, street_id, community_id, grid_id, building_id, updated_at) \
         VALUES ($1, $2, $3, 'active', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(p.id)
    .bind(a.household_id)
    .bind(a.id)
    .bind(persons)
    .bind(a.income)
    .bind(monthly)
    .bind(on.to_string())
    .bind(next_review(p, on))
    .bind(h.0)
    .bind(h.1)
    .bind(h.2)
    .bind(h.3)
    .bind(db::now())
    .fetch_one(&mut **tx)
    .await?;
    for m in &members {
        sqlx::query("INSERT INTO welfare_members (grant_id, person_id) VALUES ($1, $2)")
            .bind(id)
            .bind(m)
            .execute(&mut **tx)
            .await?;
    }
    let g = Change {
        grant_id: id,
        programme_id: p.id,
        household_id: a.household_id,
        scope: h,
    };
    event_row(
        tx,
        actor,
        &g,
        "新办",
        on,
        "审批通过",
        (0, monthly),
        (0, persons),
    )
    .await?;
    super::tag::sync(tx, actor, p, id, on).await?;
    audit::record(
        &mut **tx,
        actor,
        "create",
        "welfare_grant",
        Some(id),
        None,
        Some(&json!({"household_id": a.household_id, "programme": p.name, "persons": persons, "amount": monthly})),
    )
    .await?;
    Ok(id)
}

struct Change {
    grant_id: i64,
    programme_id: i64,
    household_id: i64,
    scope: (i64, i64, i64, Option<i64>),
}

#[allow(clippy::too_many_arguments)]
async fn event_row(
    tx: &mut Tx<'_>,
    actor: &Actor,
    g: &Change,
    kind: &str,
    on: NaiveDate,
    reason: &str,
    (amount_before, amount_after): (i64, i64),
    (persons_before, persons_after): (i64, i64),
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO welfare_events (grant_id, programme_id, household_id, kind, on_date, reason, amount_before, \
         amount_after, persons_before, persons_after, decided_by, street_id, community_id, grid_id, building_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id",
    )
    .bind(g.grant_id)
    .bind(g.programme_id)
    .bind(g.household_id)
    .bind(kind)
    .bind(on.to_string())
    .bind(reason)
    .bind(amount_before)
    .bind(amount_after)
    .bind(persons_before)
    .bind(persons_after)
    .bind(who(actor))
    .bind(g.scope.0)
    .bind(g.scope.1)
    .bind(g.scope.2)
    .bind(g.scope.3)
    .bind(fmt_ts(now_utc()))
    .fetch_one(&mut **tx)
    .await?)
}

pub(crate) async fn find(db: &Db, actor: &Actor, id: i64) -> Result<Grant> {
    require_sees(actor)?;
    sqlx::query_as::<_, Grant>(&format!(
        "{SELECT} WHERE g.id = $1 AND {}",
        actor.scope.sql("g")
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(Error::NotFound)
}

/// A grant in scope (audited sensitive read).
pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<Grant> {
    let g = find(db, actor, id).await?;
    audit_read(db, actor, "welfare_grant", Some(id), "grant").await?;
    Ok(g)
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct GrantQuery {
    pub programme_id: Option<i64>,
    pub household_id: Option<i64>,
    /// active | stopped | cancelled
    pub status: Option<String>,
    /// Reviews due on or before this day (e.g. 2026-12-31).
    pub review_by: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// Grants in scope (audited sensitive read).
pub async fn list(db: &Db, actor: &Actor, q: &GrantQuery) -> Result<Vec<Grant>> {
    require_sees(actor)?;
    let rows = Filter::scoped(actor, "g")
        .opt_int("g.programme_id = ?", q.programme_id)
        .opt_int("g.household_id = ?", q.household_id)
        .opt_text("g.status = ?", q.status.clone().filter(|s| !s.is_empty()))
        .opt_text(
            "g.next_review_on <= ?",
            q.review_by.clone().filter(|s| !s.is_empty()),
        )
        .when(q.review_by.is_some(), "g.status <> 'cancelled'")
        .rows(
            db,
            SELECT,
            "g.next_review_on, g.id",
            q.page.unwrap_or(1),
            q.per_page.unwrap_or(50),
        )
        .await?;
    audit_read(db, actor, "welfare_grant", None, "grants").await?;
    Ok(rows)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Event {
    pub id: i64,
    pub grant_id: i64,
    pub kind: String,
    pub on_date: String,
    pub reason: String,
    pub amount_before: i64,
    pub amount_after: i64,
    pub persons_before: i64,
    pub persons_after: i64,
    pub decided_by: String,
}

/// The change events of a grant, oldest first.
pub async fn events(db: &Db, actor: &Actor, grant_id: i64) -> Result<Vec<Event>> {
    find(db, actor, grant_id).await?;
    Ok(sqlx::query_as::<_, Event>(
        "SELECT id, grant_id, kind, on_date, reason, amount_before, amount_after, persons_before, persons_after, \
         decided_by FROM welfare_events WHERE grant_id = $1 ORDER BY on_date, id",
    )
    .bind(grant_id)
    .fetch_all(&db.pool)
    .await?)
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct EventInput {
    /// 取消 降标 提标 增人 减人 停发 恢复
    pub kind: String,
    /// Today when empty.
    pub on_date: String,
    pub reason: String,
    /// 增人 / 减人: the members on the programme after the change.
    pub member_ids: Vec<i64>,
    /// 降标 / 提标 (and 增人 / 减人): the household's new monthly income; the amount is recomputed.
    pub income: Option<i64>,
    /// 降标 / 提标 of a fixed-sum programme: the new monthly amount.
    pub amount_after: Option<i64>,
}

/// Records a change event on a grant and applies it.
pub async fn change(db: &Db, actor: &Actor, grant_id: i64, input: &EventInput) -> Result<Event> {
    let g = find(db, actor, grant_id).await?;
    if !matches!(
        actor.role,
        crate::accounts::Role::StreetAdmin | crate::accounts::Role::CommunityHead
    ) {
        return Err(Error::Forbidden(
            "只有街道管理员或社区书记/主任可以办理救助变更".into(),
        ));
    }
    let p = programmes::get(db, actor, g.programme_id).await?;
    let kind = input.kind.trim();
    if !KINDS[1..].contains(&kind) {
        return Err(Error::invalid(
            "变更类型",
            format!("变更类型应为:{}", KINDS[1..].join("、")),
        ));
    }
    let reason = text("变更原因", &input.reason, 1000)?;
    if reason.is_empty() {
        return Err(Error::invalid("变更原因", "请填写变更原因"));
    }
    let on = past_date("变更日期", &input.on_date)?;
    match (g.status.as_str(), kind) {
        ("cancelled", _) => return Err(Error::invalid("变更类型", "该户已取消救助,请重新申请")),
        ("stopped", k) if k != "恢复" && k != "取消" => {
            return Err(Error::invalid("变更类型", "该户已停发,请先恢复"))
        }
        ("active", "恢复") => return Err(Error::invalid("变更类型", "该户正在发放,无需恢复")),
        _ => {}
    }
    let current: Vec<i64> = sqlx::query_scalar(
        "SELECT person_id FROM welfare_members WHERE grant_id = $1 ORDER BY person_id",
    )
    .bind(grant_id)
    .fetch_all(&db.pool)
    .await?;
    let mut members = current.clone();
    let mut income = g.income;
    if let Some(i) = input.income {
        income = amount("家庭月收入", i)?;
    }
    if matches!(kind, "增人" | "减人") {
        let mut m = input.member_ids.clone();
        m.sort_unstable();
        m.dedup();
        if m.is_empty() {
            return Err(Error::invalid(
                "保障人员",
                "该户保障人员不能为空;如不再符合条件,请办理取消",
            ));
        }
        let household = persons::in_household(db, actor, g.household_id).await?;
        if let Some(bad) = m.iter().find(|id| !household.iter().any(|p| p.id == **id)) {
            return Err(Error::invalid("保障人员", format!("人员{bad}不是该户成员")));
        }
        if kind == "增人" && (m.len() <= current.len() || !current.iter().all(|c| m.contains(c)))
        {
            return Err(Error::invalid(
                "保障人员",
                "增人应在现有保障人员之外增加人员",
            ));
        }
        if kind == "减人" && (m.len() >= current.len() || !m.iter().all(|c| current.contains(c)))
        {
            return Err(Error::invalid("保障人员", "减人应从现有保障人员中减少人员"));
        }
        members = m;
    }
    let persons_after = members.len() as i64;
    let computed = programmes::monthly_amount(&p, persons_after, income);
    let amount_after = match kind {
        "取消" | "停发" => 0,
        "恢复" => computed,
        "降标" | "提标" => match input.amount_after {
            Some(a) => amount("调整后金额", a)?,
            None => computed,
        },
        _ => computed,
    };
    let before = if g.status == "stopped" { 0 } else { g.amount };
    if kind == "降标" && amount_after >= g.amount {
        return Err(Error::invalid(
            "调整后金额",
            format!("降标后金额应低于现发{}元", g.amount),
        ));
    }
    if kind == "提标" && amount_after <= g.amount {
        return Err(Error::invalid(
            "调整后金额",
            format!("提标后金额应高于现发{}元", g.amount),
        ));
    }
    let (status, kept_amount) = match kind {
        "取消" => ("cancelled", g.amount),
        "停发" => ("stopped", g.amount),
        _ => ("active", amount_after),
    };
    let scope: (i64, i64, i64, Option<i64>) = sqlx::query_as(
        "SELECT street_id, community_id, grid_id, building_id FROM welfare_grants WHERE id = $1",
    )
    .bind(grant_id)
    .fetch_one(&db.pool)
    .await?;
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE welfare_grants SET status = $1, persons = $2, income = $3, amount = $4, ended_on = $5, updated_at = $6 \
         WHERE id = $7",
    )
    .bind(status)
    .bind(persons_after)
    .bind(income)
    .bind(kept_amount)
    .bind((kind == "取消").then(|| on.to_string()))
    .bind(db::now())
    .bind(grant_id)
    .execute(&mut *tx)
    .await?;
    if members != current {
        sqlx::query("DELETE FROM welfare_members WHERE grant_id = $1")
            .bind(grant_id)
            .execute(&mut *tx)
            .await?;
        for m in &members {
            sqlx::query("INSERT INTO welfare_members (grant_id, person_id) VALUES ($1, $2)")
                .bind(grant_id)
                .bind(m)
                .execute(&mut *tx)
                .await?;
        }
    }
    let c = Change {
        grant_id,
        programme_id: g.programme_id,
        household_id: g.household_id,
        scope,
    };
    let persons_before = g.persons;
    let persons_after_event = if kind == "取消" { 0 } else { persons_after };
    let id = event_row(
        &mut tx,
        actor,
        &c,
        kind,
        on,
        &reason,
        (before, amount_after),
        (persons_before, persons_after_event),
    )
    .await?;
    super::tag::sync(&mut tx, actor, &p, grant_id, on).await?;
    audit::record(
        &mut *tx,
        actor,
        "change",
        "welfare_grant",
        Some(grant_id),
        Some(&json!({"status": g.status, "amount": g.amount, "persons": g.persons, "members": current})),
        Some(&json!({"kind": kind, "status": status, "amount": amount_after, "persons": persons_after, "members": members, "reason": reason})),
    )
    .await?;
    tx.commit().await?;
    events(db, actor, grant_id)
        .await?
        .into_iter()
        .find(|e| e.id == id)
        .ok_or(Error::NotFound)
}
