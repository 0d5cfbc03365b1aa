//! Programmes (救助项目) as data per street: the unit granted to (household or person), the amount rule
//! (a monthly standard per person minus the household's income, a fixed sum, or items in kind), the public
//! notice days and the review interval. Every street starts with the seeded nine; its administrator edits them.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{text, who};
use crate::accounts::{Actor, Role};
use crate::audit;
use crate::db::{self, Db};
use crate::error::{Error, Result};

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Programme {
    pub id: i64,
    pub street_id: i64,
    pub code: String,
    pub name: String,
    /// household | person
    pub unit: String,
    /// standard (per person per month, minus income) | fixed | in_kind
    pub rule: String,
    /// The monthly standard per person, or the fixed sum (元).
    pub amount: i64,
    pub notice_days: i64,
    pub review_months: i64,
    pub eligibility: String,
    pub archived: i64,
}

/// (code, name, unit, rule, amount, notice days, review months, eligibility)
pub type Seed = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    i64,
    i64,
    i64,
    &'static str,
);

pub const SEED: &[Seed] = &[
    (
        "dibao",
        "城市低保",
        "household",
        "standard",
        1290,
        7,
        12,
        "家庭人均月收入低于当地低保标准,且财产状况符合规定",
    ),
    (
        "dibao_edge",
        "低保边缘",
        "household",
        "standard",
        300,
        7,
        12,
        "家庭人均收入低于低保标准1.5倍",
    ),
    (
        "tekun",
        "特困供养",
        "person",
        "fixed",
        1677,
        7,
        12,
        "无劳动能力、无生活来源、无法定赡养抚养扶养义务人",
    ),
    (
        "temporary",
        "临时救助",
        "household",
        "fixed",
        1000,
        7,
        0,
        "因意外事件、突发重大疾病等导致基本生活暂时困难",
    ),
    (
        "illness",
        "大病救助",
        "person",
        "fixed",
        5000,
        7,
        0,
        "患重特大疾病,医疗费用自负部分超出家庭承受能力",
    ),
    (
        "rent",
        "廉租房补贴",
        "household",
        "fixed",
        600,
        7,
        12,
        "低保、低收入住房困难家庭",
    ),
    (
        "disability",
        "残疾人两项补贴",
        "person",
        "fixed",
        100,
        7,
        12,
        "困难残疾人生活补贴、重度残疾人护理补贴",
    ),
    (
        "elderly",
        "高龄津贴",
        "person",
        "fixed",
        100,
        7,
        12,
        "80周岁以上户籍老人",
    ),
    (
        "holiday",
        "节日慰问",
        "household",
        "in_kind",
        0,
        0,
        0,
        "低保、特困、困难家庭节日走访慰问(米、面、油,慰问金)",
    ),
];

pub const UNITS: [(&str, &str); 2] = [("household", "户"), ("person", "人")];
pub const RULES: [(&str, &str); 3] = [
    ("standard", "按标准差额"),
    ("fixed", "定额"),
    ("in_kind", "实物"),
];

const COLS: &str = "id, street_id, code, name, unit, rule, amount, notice_days, review_months, eligibility, archived";

/// Inserts the seeded programmes a street lacks (idempotent).
pub async fn ensure(db: &Db, street: i64) -> Result<()> {
    let have: Vec<String> =
        sqlx::query_scalar("SELECT code FROM welfare_programmes WHERE street_id = $1")
            .bind(street)
            .fetch_all(&db.pool)
            .await?;
    for (code, name, unit, rule, amount, notice, review, elig) in SEED {
        if have.iter().any(|c| c == code) {
            continue;
        }
        let r = sqlx::query(
            "INSERT INTO welfare_programmes (street_id, code, name, unit, rule, amount, notice_days, review_months, \
             eligibility, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(street)
        .bind(*code)
        .bind(*name)
        .bind(*unit)
        .bind(*rule)
        .bind(*amount)
        .bind(*notice)
        .bind(*review)
        .bind(*elig)
        .bind(db::now())
        .execute(&db.pool)
        .await;
        // A concurrent first visit seeded it: that is fine.
        if let Err(e) = r {
            if !matches!(crate::db::constraints::map(e), Error::Conflict { .. }) {
                return Err(Error::Other(anyhow::anyhow!("seeding welfare programmes")));
            }
        }
    }
    Ok(())
}

/// The programmes of the actor's street (seeded on first use).
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<Programme>> {
    super::require_sees(actor)?;
    let Some(street) = actor.scope.street() else {
        return Ok(vec![]);
    };
    ensure(db, street).await?;
    Ok(sqlx::query_as::<_, Programme>(&format!(
        "SELECT {COLS} FROM welfare_programmes WHERE street_id = $1 ORDER BY id"
    ))
    .bind(street)
    .fetch_all(&db.pool)
    .await?)
}

/// One programme of the actor's street, or NotFound.
pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<Programme> {
    list(db, actor)
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or(Error::NotFound)
}

/// A programme of the street by code (the seeded ones always exist).
pub async fn by_code(db: &Db, street: i64, code: &str) -> Result<Programme> {
    ensure(db, street).await?;
    sqlx::query_as::<_, Programme>(&format!(
        "SELECT {COLS} FROM welfare_programmes WHERE street_id = $1 AND code = $2"
    ))
    .bind(street)
    .bind(code)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(Error::NotFound)
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ProgrammeInput {
    pub name: String,
    /// household | person
    pub unit: String,
    /// standard | fixed | in_kind
    pub rule: String,
    pub amount: i64,
    /// Default 7.
    pub notice_days: Option<i64>,
    pub review_months: i64,
    pub eligibility: String,
    pub archived: bool,
}

/// Edits a programme (street administrators).
pub async fn update(db: &Db, actor: &Actor, id: i64, input: &ProgrammeInput) -> Result<Programme> {
    let before = get(db, actor, id).await?;
    if actor.role != Role::StreetAdmin {
        return Err(Error::Forbidden("只有街道管理员可以设置救助项目".into()));
    }
    let name = text("项目名称", &input.name, 50)?;
    if name.is_empty() {
        return Err(Error::invalid("项目名称", "项目名称不能为空"));
    }
    if !UNITS.iter().any(|(c, _)| *c == input.unit) {
        return Err(Error::invalid("救助单位", "救助单位应为户或人"));
    }
    if !RULES.iter().any(|(c, _)| *c == input.rule) {
        return Err(Error::invalid(
            "金额规则",
            "金额规则应为按标准差额、定额或实物",
        ));
    }
    let amount = super::amount("金额标准", input.amount)?;
    let notice_days = input.notice_days.unwrap_or(7);
    if !(0..=60).contains(&notice_days) {
        return Err(Error::invalid("公示天数", "公示天数应为0到60天"));
    }
    if !(0..=60).contains(&input.review_months) {
        return Err(Error::invalid("复核周期", "复核周期应为0到60个月"));
    }
    let eligibility = text("申请条件", &input.eligibility, 500)?;
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE welfare_programmes SET name = $1, unit = $2, rule = $3, amount = $4, notice_days = $5, \
         review_months = $6, eligibility = $7, archived = $8, updated_at = $9 WHERE id = $10",
    )
    .bind(&name)
    .bind(&input.unit)
    .bind(&input.rule)
    .bind(amount)
    .bind(notice_days)
    .bind(input.review_months)
    .bind(&eligibility)
    .bind(input.archived as i64)
    .bind(db::now())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        actor,
        "update",
        "welfare_programme",
        Some(id),
        Some(
            &json!({"name": before.name, "rule": before.rule, "amount": before.amount,
            "notice_days": before.notice_days, "review_months": before.review_months}),
        ),
        Some(
            &json!({"name": name, "rule": input.rule, "amount": amount, "notice_days": notice_days,
            "review_months": input.review_months, "by": who(actor)}),
        ),
    )
    .await?;
    tx.commit().await?;
    get(db, actor, id).await
}

/// The monthly amount a household gets: the standard times persons minus income (not below 0), the fixed
/// sum (per person when the unit is a person), nothing for items in kind.
pub fn monthly_amount(p: &Programme, persons: i64, income: i64) -> i64 {
    match p.rule.as_str() {
        "standard" => (p.amount * persons - income).max(0),
        "fixed" if p.unit == "person" => p.amount * persons,
        "fixed" => p.amount,
        _ => 0,
    }
}
