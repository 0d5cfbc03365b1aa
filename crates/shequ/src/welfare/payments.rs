//! 发放: monthly payment lists per programme and community generated from the active grants (the amounts are
//! the grants', computed, never typed), approved by the street, exported for the bank as .xlsx; and in-kind
//! distributions (米、面、油, 慰问金): one row per household and occasion — a second distribution of the same
//! occasion to a household is refused (unique constraint, message in [`crate::db::constraints`]).

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{amount, audit_read, fmt_ts, now_utc, past_date, programmes, require_sees, text, who};
use crate::accounts::{Actor, Role};
use crate::audit;
use crate::db::filter::Filter;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::exports::sheet::{Cell, Column, Sheet};
use crate::registry::households;

pub const DUPLICATE_LIST: &str = "该项目本月的发放名单已生成";
pub const DUPLICATE_DISTRIBUTION: &str = "该户已领取过本次慰问,不能重复发放";

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PaymentList {
    pub id: i64,
    pub programme_id: i64,
    pub programme_name: String,
    /// 2026-05
    pub month: String,
    /// draft | approved
    pub status: String,
    pub households: i64,
    pub persons: i64,
    /// 合计金额 (元): the sum of the rows.
    pub total: i64,
    pub community_id: i64,
    pub community_name: String,
    pub created_by: String,
    pub approved_by: Option<String>,
    pub created_at: String,
}

const LIST_SELECT: &str = "SELECT l.id, l.programme_id, p.name AS programme_name, l.month, l.status, l.households, \
    l.persons, l.total, l.community_id, c.name AS community_name, l.created_by, l.approved_by, l.created_at \
    FROM welfare_payment_lists l JOIN welfare_programmes p ON p.id = l.programme_id JOIN nodes c ON c.id = l.community_id";

#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct GenerateInput {
    pub programme_id: i64,
    /// 2026-05
    pub month: String,
}

fn month_end(month: &str) -> Result<String> {
    let bad = || Error::invalid("发放月份", "发放月份格式不正确,请按2026-05填写");
    let first = chrono::NaiveDate::parse_from_str(&format!("{}-01", month.trim()), "%Y-%m-%d")
        .map_err(|_| bad())?;
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .ok_or_else(bad)?;
    Ok((next - chrono::Duration::days(1)).to_string())
}

/// Generates the month's payment list of a programme for each community in scope with active grants.
pub async fn generate(db: &Db, actor: &Actor, input: &GenerateInput) -> Result<Vec<PaymentList>> {
    require_sees(actor)?;
    if !matches!(actor.role, Role::StreetAdmin | Role::CommunityHead) {
        return Err(Error::Forbidden(
            "只有街道管理员或社区书记/主任可以生成发放名单".into(),
        ));
    }
    let p = programmes::get(db, actor, input.programme_id)
        .await
        .map_err(|_| Error::invalid("救助项目", "请选择救助项目"))?;
    if p.rule == "in_kind" {
        return Err(Error::invalid(
            "救助项目",
            "实物救助请登记发放记录,不生成资金发放名单",
        ));
    }
    let month = input.month.trim().to_string();
    let end = month_end(&month)?;
    let scope = actor.scope.sql("g");
    let communities: Vec<i64> = sqlx::query_scalar(&format!(
        "SELECT DISTINCT g.community_id FROM welfare_grants g WHERE g.programme_id = $1 AND g.status = 'active' \
         AND g.since <= $2 AND {scope} ORDER BY g.community_id"
    ))
    .bind(p.id)
    .bind(&end)
    .fetch_all(&db.pool)
    .await?;
    if communities.is_empty() {
        return Err(Error::invalid(
            "救助项目",
            format!("{month}没有{}在保对象", p.name),
        ));
    }
    let done: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM welfare_payment_lists g WHERE g.programme_id = $1 AND g.month = $2 AND {}",
        actor.scope.sql("g")
    ))
    .bind(p.id)
    .bind(&month)
    .fetch_one(&db.pool)
    .await?;
    if done > 0 {
        return Err(Error::conflict("发放月份", DUPLICATE_LIST));
    }
    let at = fmt_ts(now_utc());
    let mut tx = db.begin().await?;
    let mut ids = vec![];
    for c in communities {
        let street: i64 = sqlx::query_scalar("SELECT street_id FROM nodes WHERE id = $1")
            .bind(c)
            .fetch_one(&mut *tx)
            .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO welfare_payment_lists (programme_id, month, status, households, persons, total, street_id, \
             community_id, created_by, created_at) VALUES ($1, $2, 'draft', 0, 0, 0, $3, $4, $5, $6) RETURNING id",
        )
        .bind(p.id)
        .bind(&month)
        .bind(street)
        .bind(c)
        .bind(who(actor))
        .bind(&at)
        .fetch_one(&mut *tx)
        .await
        .map_err(crate::db::constraints::map)?;
        sqlx::query(&format!(
            "INSERT INTO welfare_payments (list_id, grant_id, household_id, persons, amount, street_id, community_id, \
             grid_id, building_id) SELECT $1, g.id, g.household_id, g.persons, g.amount, g.street_id, g.community_id, \
             g.grid_id, g.building_id FROM welfare_grants g WHERE g.programme_id = $2 AND g.status = 'active' \
             AND g.since <= $3 AND g.community_id = $4 AND {scope}"
        ))
        .bind(id)
        .bind(p.id)
        .bind(&end)
        .bind(c)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE welfare_payment_lists SET households = (SELECT COUNT(*) FROM welfare_payments WHERE list_id = $1), \
             persons = (SELECT COALESCE(SUM(persons), 0) FROM welfare_payments WHERE list_id = $1), \
             total = (SELECT COALESCE(SUM(amount), 0) FROM welfare_payments WHERE list_id = $1) WHERE id = $1",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut *tx,
            actor,
            "create",
            "welfare_payment_list",
            Some(id),
            None,
            Some(&json!({"programme": p.name, "month": month, "community_id": c})),
        )
        .await?;
        ids.push(id);
    }
    tx.commit().await?;
    let mut out = vec![];
    for id in ids {
        out.push(get(db, actor, id).await?);
    }
    Ok(out)
}

/// A payment list in scope, or NotFound.
pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<PaymentList> {
    require_sees(actor)?;
    sqlx::query_as::<_, PaymentList>(&format!(
        "{LIST_SELECT} WHERE l.id = $1 AND {}",
        actor.scope.sql("l")
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(Error::NotFound)
}

/// Payment lists in scope, newest month first.
pub async fn lists(db: &Db, actor: &Actor) -> Result<Vec<PaymentList>> {
    require_sees(actor)?;
    Ok(sqlx::query_as::<_, PaymentList>(&format!(
        "{LIST_SELECT} WHERE {} ORDER BY l.month DESC, l.id DESC LIMIT 500",
        actor.scope.sql("l")
    ))
    .fetch_all(&db.pool)
    .await?)
}

/// Approves a draft list (street administrators).
pub async fn approve(db: &Db, actor: &Actor, id: i64) -> Result<PaymentList> {
    let l = get(db, actor, id).await?;
    if actor.role != Role::StreetAdmin {
        return Err(Error::Forbidden("只有街道管理员可以审批发放名单".into()));
    }
    if l.status != "draft" {
        return Err(Error::invalid("状态", "该发放名单已审批"));
    }
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE welfare_payment_lists SET status = 'approved', approved_by = $1 WHERE id = $2 AND status = 'draft'")
        .bind(who(actor))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut *tx,
        actor,
        "approve",
        "welfare_payment_list",
        Some(id),
        Some(&json!({"status": "draft"})),
        Some(&json!({"status": "approved", "total": l.total})),
    )
    .await?;
    tx.commit().await?;
    get(db, actor, id).await
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Payment {
    pub household_id: i64,
    pub household_number: String,
    /// 户主 (or the first member on the programme)
    pub head: String,
    pub persons: i64,
    pub amount: i64,
}

/// The rows of a list (audited sensitive read).
pub async fn rows(db: &Db, actor: &Actor, id: i64) -> Result<Vec<Payment>> {
    get(db, actor, id).await?;
    audit_read(db, actor, "welfare_payment_list", Some(id), "payments").await?;
    Ok(sqlx::query_as::<_, Payment>(
        "SELECT w.household_id, h.number AS household_number, COALESCE((SELECT x.name FROM welfare_members m \
         JOIN persons x ON x.id = m.person_id WHERE m.grant_id = w.grant_id ORDER BY CASE WHEN x.relation = '户主' \
         THEN 0 ELSE 1 END, x.id LIMIT 1), '') AS head, w.persons, w.amount FROM welfare_payments w \
         JOIN households h ON h.id = w.household_id WHERE w.list_id = $1 ORDER BY h.number, w.id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?)
}

/// The approved list as .xlsx for the bank: 序号, 户号, 户主, 保障人数, 金额, with the total in the last row.
pub async fn export(db: &Db, actor: &Actor, id: i64) -> Result<Vec<u8>> {
    let l = get(db, actor, id).await?;
    if l.status != "approved" {
        return Err(Error::invalid("状态", "发放名单审批后方可导出"));
    }
    let rows = rows(db, actor, id).await?;
    let mut sheet = Sheet::new(
        "发放名单",
        &[
            Column {
                header: "序号",
                width: 6.0,
            },
            Column {
                header: "户号",
                width: 16.0,
            },
            Column {
                header: "户主",
                width: 12.0,
            },
            Column {
                header: "保障人数",
                width: 10.0,
            },
            Column {
                header: "发放金额(元)",
                width: 14.0,
            },
            Column {
                header: "发放月份",
                width: 10.0,
            },
            Column {
                header: "项目",
                width: 14.0,
            },
        ],
    )?;
    for (i, r) in rows.iter().enumerate() {
        sheet.push(vec![
            Cell::Number((i + 1) as f64),
            Cell::Text(r.household_number.clone()),
            Cell::Text(r.head.clone()),
            Cell::Number(r.persons as f64),
            Cell::Number(r.amount as f64),
            Cell::Text(l.month.clone()),
            Cell::Text(l.programme_name.clone()),
        ])?;
    }
    sheet.push(vec![
        Cell::Text("合计".into()),
        Cell::Empty,
        Cell::Text(format!("{}户", l.households)),
        Cell::Number(l.persons as f64),
        Cell::Number(l.total as f64),
        Cell::Empty,
        Cell::Empty,
    ])?;
    audit::record(
        &db.pool,
        actor,
        "export",
        "welfare_payment_list",
        Some(id),
        None,
        Some(&json!({"rows": rows.len(), "total": l.total})),
    )
    .await?;
    Ok(sheet.finish()?)
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct DistributionInput {
    /// The programme (节日慰问 or another in-kind one); the street's 节日慰问 when 0.
    pub programme_id: i64,
    /// e.g. 2026年春节慰问
    pub occasion: String,
    pub household_id: i64,
    /// e.g. 米10斤、面10斤、油1桶
    pub items: String,
    /// 慰问金 (元)
    pub amount: i64,
    pub on_date: String,
    /// The recipient's signature (name signed) or empty with the worker's note.
    pub signature: String,
    pub note: String,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Distribution {
    pub id: i64,
    pub programme_name: String,
    pub occasion: String,
    pub household_id: i64,
    pub household_number: String,
    pub items: String,
    pub amount: i64,
    pub on_date: String,
    pub signature: String,
    pub note: String,
    pub worker_name: String,
}

const DIST_SELECT: &str = "SELECT d.id, p.name AS programme_name, d.occasion, d.household_id, h.number AS household_number, \
    d.items, d.amount, d.on_date, d.signature, d.note, d.worker_name FROM welfare_distributions d \
    JOIN welfare_programmes p ON p.id = d.programme_id JOIN households h ON h.id = d.household_id";

/// Records an in-kind distribution to a household in scope.
pub async fn distribute(db: &Db, actor: &Actor, input: &DistributionInput) -> Result<Distribution> {
    require_sees(actor)?;
    let p = if input.programme_id == 0 {
        programmes::by_code(db, actor.scope.street().unwrap_or(-1), "holiday").await?
    } else {
        programmes::get(db, actor, input.programme_id)
            .await
            .map_err(|_| Error::invalid("救助项目", "请选择救助项目"))?
    };
    let h = households::get(db, actor, input.household_id)
        .await
        .map_err(|_| Error::invalid("慰问对象", "该户不存在或不在您的管辖范围内"))?;
    let occasion = text("慰问名称", &input.occasion, 100)?;
    if occasion.is_empty() {
        return Err(Error::invalid(
            "慰问名称",
            "请填写慰问名称,如2026年春节慰问",
        ));
    }
    let items = text("慰问物品", &input.items, 500)?;
    let amount = amount("慰问金", input.amount)?;
    if items.is_empty() && amount == 0 {
        return Err(Error::invalid("慰问物品", "请填写慰问物品或慰问金"));
    }
    let on = past_date("发放日期", &input.on_date)?;
    let signature = text("领取人签字", &input.signature, 50)?;
    let note = text("备注", &input.note, 1000)?;
    if signature.is_empty() && note.is_empty() {
        return Err(Error::invalid(
            "领取人签字",
            "请填写领取人签字,或由经办人注明情况",
        ));
    }
    let dup = sqlx::query(
        "SELECT 1 FROM welfare_distributions WHERE occasion = $1 AND household_id = $2",
    )
    .bind(&occasion)
    .bind(h.id)
    .fetch_optional(&db.pool)
    .await?;
    if dup.is_some() {
        return Err(Error::conflict("慰问对象", DUPLICATE_DISTRIBUTION));
    }
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO welfare_distributions (programme_id, occasion, household_id, items, amount, on_date, signature, note, \
         worker_name, street_id, community_id, grid_id, building_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
    )
    .bind(p.id)
    .bind(&occasion)
    .bind(h.id)
    .bind(&items)
    .bind(amount)
    .bind(on.to_string())
    .bind(&signature)
    .bind(&note)
    .bind(who(actor))
    .bind(h.street_id)
    .bind(h.community_id)
    .bind(h.grid_id)
    .bind(h.building_id)
    .bind(fmt_ts(now_utc()))
    .fetch_one(&mut *tx)
    .await
    .map_err(crate::db::constraints::map)?;
    audit::record(
        &mut *tx,
        actor,
        "create",
        "welfare_distribution",
        Some(id),
        None,
        Some(
            &json!({"occasion": occasion, "household_id": h.id, "items": items, "amount": amount}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(
        sqlx::query_as::<_, Distribution>(&format!("{DIST_SELECT} WHERE d.id = $1"))
            .bind(id)
            .fetch_one(&db.pool)
            .await?,
    )
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct DistributionQuery {
    pub occasion: Option<String>,
    pub household_id: Option<i64>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// Distributions in scope, newest first.
pub async fn distributions(
    db: &Db,
    actor: &Actor,
    q: &DistributionQuery,
) -> Result<Vec<Distribution>> {
    require_sees(actor)?;
    Filter::scoped(actor, "d")
        .opt_text(
            "d.occasion = ?",
            q.occasion.clone().filter(|s| !s.is_empty()),
        )
        .opt_int("d.household_id = ?", q.household_id)
        .rows(
            db,
            DIST_SELECT,
            "d.on_date DESC, d.id DESC",
            q.page.unwrap_or(1),
            q.per_page.unwrap_or(50),
        )
        .await
}
