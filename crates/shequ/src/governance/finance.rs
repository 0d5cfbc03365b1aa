//! 居财街管: a community's budget, income (quarterly transfers from the street, other sources) and expenses
//! with category, date, payee and document, in fen; a month's statement (totals by category, computed from
//! the entries) is published once to the public board and read by the street as its audit view.

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use super::{community_for, required, text};
use crate::accounts::Actor;
use crate::audit;
use crate::db::{self, Db};
use crate::error::{Error, Result};

pub const KINDS: [(&str, &str); 3] = [("budget", "预算"), ("income", "收入"), ("expense", "支出")];

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewEntry {
    pub community_id: Option<i64>,
    /// budget / income / expense
    pub kind: String,
    /// 办公经费, 活动经费, 街道拨款 …
    pub category: String,
    pub on_date: String,
    /// Yuan with up to two decimals ("1234.50").
    pub amount: String,
    pub payee: String,
    /// The voucher or invoice number.
    pub document: String,
    /// The meeting that approved a budget.
    pub meeting_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Entry {
    pub id: i64,
    pub kind: String,
    pub category: String,
    pub on_date: String,
    pub amount_fen: i64,
    /// "1,234.50"
    pub amount: String,
    pub payee: String,
    pub document: String,
}

/// Fen from a typed yuan amount; negative, empty and over-precise amounts are refused.
pub fn parse_yuan(v: &str) -> Result<i64> {
    let bad = || Error::invalid("金额", "金额应为不小于0的数,最多两位小数,如 1234.50");
    let v = v.trim().replace([',', '，', '¥', '元'], "");
    let (int, frac) = v.split_once('.').unwrap_or((&v, ""));
    if int.is_empty()
        || !int.chars().all(|c| c.is_ascii_digit())
        || frac.len() > 2
        || !frac.chars().all(|c| c.is_ascii_digit())
        || int.len() > 12
    {
        return Err(bad());
    }
    let frac = format!("{frac:0<2}");
    Ok(int.parse::<i64>().map_err(|_| bad())? * 100 + frac.parse::<i64>().map_err(|_| bad())?)
}

pub fn yuan(fen: i64) -> String {
    let int = (fen / 100).to_string();
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("{out}.{:02}", fen % 100)
}

pub async fn add(db: &Db, actor: &Actor, e: &NewEntry) -> Result<Entry> {
    let (street, community) = community_for(db, actor, e.community_id).await?;
    let kind = e.kind.trim();
    if !KINDS.iter().any(|(c, _)| *c == kind) {
        return Err(Error::invalid("类别", "收支类别应为预算、收入或支出"));
    }
    let category = required("科目", &e.category, 50)?;
    let date = crate::registry::validate::parse_date(&e.on_date)
        .ok_or_else(|| Error::invalid("日期", "日期格式不正确,请按2024-01-31填写"))?;
    let fen = parse_yuan(&e.amount)?;
    let payee = text("收付款单位", &e.payee, 100)?;
    let document = text("凭证号", &e.document, 50)?;
    if kind == "expense" && payee.is_empty() {
        return Err(Error::invalid("收付款单位", "支出请填写收款单位或个人"));
    }
    if let Some(m) = e.meeting_id {
        super::meetings::get(db, actor, m)
            .await
            .map_err(|_| Error::invalid("会议", "批准预算的会议不存在"))?;
    }
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO finance_entries (street_id, community_id, kind, category, on_date, amount_fen, payee, document, \
         meeting_id, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(street)
    .bind(community)
    .bind(kind)
    .bind(&category)
    .bind(date.to_string())
    .bind(fen)
    .bind(&payee)
    .bind(&document)
    .bind(e.meeting_id)
    .bind(actor.user_id)
    .bind(db::now())
    .fetch_one(&mut *tx)
    .await?
    .get(0);
    audit::record(&mut *tx, actor, "create", "finance_entry", Some(id), None,
        Some(&json!({"kind": kind, "category": category, "on_date": date.to_string(), "amount_fen": fen, "payee": payee})))
        .await?;
    tx.commit().await?;
    Ok(Entry {
        id,
        kind: kind.into(),
        category,
        on_date: date.to_string(),
        amount_fen: fen,
        amount: yuan(fen),
        payee,
        document,
    })
}

/// A month's statement: entries, totals by kind and category.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Statement {
    pub community_id: i64,
    pub community: String,
    /// 2026-11
    pub month: String,
    pub entries: Vec<Entry>,
    /// (kind, category, fen, shown amount)
    pub by_category: Vec<(String, String, i64, String)>,
    pub income_fen: i64,
    pub expense_fen: i64,
    pub income: String,
    pub expense: String,
    pub published_at: Option<String>,
}

fn month_bounds(month: &str) -> Result<(String, String)> {
    let d = chrono::NaiveDate::parse_from_str(&format!("{}-01", month.trim()), "%Y-%m-%d")
        .map_err(|_| Error::invalid("月份", "月份格式应为 2026-11"))?;
    let next = d.checked_add_months(chrono::Months::new(1)).expect("month");
    Ok((d.to_string(), next.to_string()))
}

async fn build(db: &Db, community: i64, name: String, month: &str) -> Result<Statement> {
    let (from, to) = month_bounds(month)?;
    let rows = sqlx::query(
        "SELECT id, kind, category, on_date, amount_fen, payee, document FROM finance_entries \
         WHERE community_id = $1 AND on_date >= $2 AND on_date < $3 AND kind <> 'budget' ORDER BY on_date, id",
    )
    .bind(community)
    .bind(&from)
    .bind(&to)
    .fetch_all(&db.pool)
    .await?;
    let entries: Vec<Entry> = rows
        .iter()
        .map(|r| {
            let fen: i64 = r.get(4);
            Entry {
                id: r.get(0),
                kind: r.get(1),
                category: r.get(2),
                on_date: r.get(3),
                amount_fen: fen,
                amount: yuan(fen),
                payee: r.get(5),
                document: r.get(6),
            }
        })
        .collect();
    let mut by: Vec<(String, String, i64, String)> = Vec::new();
    for e in &entries {
        match by
            .iter_mut()
            .find(|(k, c, _, _)| *k == e.kind && *c == e.category)
        {
            Some(x) => x.2 += e.amount_fen,
            None => by.push((
                e.kind.clone(),
                e.category.clone(),
                e.amount_fen,
                String::new(),
            )),
        }
    }
    for x in by.iter_mut() {
        x.3 = yuan(x.2);
    }
    let sum = |k: &str| {
        entries
            .iter()
            .filter(|e| e.kind == k)
            .map(|e| e.amount_fen)
            .sum::<i64>()
    };
    let published_at = sqlx::query(
        "SELECT published_at FROM finance_statements WHERE community_id = $1 AND month = $2",
    )
    .bind(community)
    .bind(month.trim())
    .fetch_optional(&db.pool)
    .await?
    .map(|r| r.get::<String, _>(0));
    let (income_fen, expense_fen) = (sum("income"), sum("expense"));
    Ok(Statement {
        community_id: community,
        community: name,
        month: month.trim().into(),
        entries,
        by_category: by,
        income_fen,
        expense_fen,
        income: yuan(income_fen),
        expense: yuan(expense_fen),
        published_at,
    })
}

/// The statement of a community in the actor's scope.
pub async fn statement(db: &Db, actor: &Actor, community: i64, month: &str) -> Result<Statement> {
    let sql = format!(
        "SELECT name FROM nodes WHERE id = $1 AND kind = 'community' AND {}",
        actor.scope.sql("")
    );
    let name: String = sqlx::query(&sql)
        .bind(community)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(Error::NotFound)?
        .get(0);
    build(db, community, name, month).await
}

/// Publishes a month's statement (once).
pub async fn publish(
    db: &Db,
    actor: &Actor,
    community: Option<i64>,
    month: &str,
) -> Result<Statement> {
    let (street, community) = community_for(db, actor, community).await?;
    month_bounds(month)?;
    let mut tx = db.begin().await?;
    let done = sqlx::query(&format!(
        "INSERT INTO finance_statements (community_id, street_id, month, published_at, published_by) \
         VALUES ($1, $2, $3, $4, $5) {}", db.dialect.insert_ignore()))
        .bind(community)
        .bind(street)
        .bind(month.trim())
        .bind(db::now())
        .bind(actor.user_id)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() != 1 {
        return Err(Error::conflict("月份", "该月收支情况已经公布"));
    }
    audit::record(
        &mut *tx,
        actor,
        "publish",
        "finance_statement",
        Some(community),
        None,
        Some(&json!({"month": month.trim()})),
    )
    .await?;
    tx.commit().await?;
    statement(db, actor, community, month).await
}

/// The published statements of a community, for the board.
pub async fn published(db: &Db, community: i64, name: &str) -> Result<Vec<Statement>> {
    let months: Vec<String> = sqlx::query(
        "SELECT month FROM finance_statements WHERE community_id = $1 ORDER BY month DESC LIMIT 12",
    )
    .bind(community)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| r.get(0))
    .collect();
    let mut out = Vec::new();
    for m in months {
        out.push(build(db, community, name.to_string(), &m).await?);
    }
    Ok(out)
}
