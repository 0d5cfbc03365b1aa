//! Organisations and units of the community — 社会组织 (filing status, type, leader), 驻区单位 (共建), 物业公司,
//! 便民服务网点 (食杂店, 超市, 药店 … printable as a service card) — and agreements and responsibility letters
//! (平安建设, 消防安全, 门前三包 …) with their parties, signed date and expiry. The rental safety agreements
//! (房屋出租安全责任书) stay on their rentals and are read here as agreements of that kind; expiring ones are
//! listed a month ahead (also on the worker's 工作台).

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{area, date, one_of, required, scope_sql};
use crate::accounts::Actor;
use crate::audit;
use crate::cases::{require_worker, text};
use crate::db::Db;
use crate::error::{Error, Result};

pub const UNIT_KINDS: [&str; 4] = ["社会组织", "驻区单位", "物业公司", "便民服务网点"];
pub const ORG_CATEGORIES: [&str; 5] = ["服务类", "文体类", "公益类", "慈善类", "其他"];
pub const OUTLET_CATEGORIES: [&str; 8] = [
    "食杂店",
    "超市",
    "药店",
    "卫生所",
    "养老院",
    "维修",
    "家政",
    "其他",
];
pub const FILINGS: [&str; 3] = ["已登记", "已备案", "未备案"];
pub const AGREEMENT_KINDS: [&str; 6] = [
    "平安建设",
    "消防安全",
    "房屋出租安全",
    "门前三包",
    "综合治理",
    "其他",
];
/// The kind the rentals' safety agreements are.
pub const RENTAL_KIND: &str = "房屋出租安全";
/// Days ahead an agreement counts as expiring.
pub const EXPIRING_DAYS: i64 = 31;

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Unit {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub category: String,
    pub filing: String,
    pub leader: String,
    #[serde(serialize_with = "crate::privacy::ser::phone")]
    pub phone: Option<String>,
    pub address: String,
    pub note: String,
    pub community_id: i64,
    pub community_name: String,
}

const UNIT: &str = "SELECT u.id, u.kind, u.name, u.category, u.filing, u.leader, u.phone, u.address, u.note, \
    u.community_id, c.name AS community_name FROM service_units u JOIN nodes c ON c.id = u.community_id";

#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct UnitInput {
    /// 社会组织 / 驻区单位 / 物业公司 / 便民服务网点
    pub kind: String,
    pub name: String,
    /// 社会组织: 服务类 …; 便民服务网点: 食杂店 …
    pub category: String,
    /// 社会组织: 已登记 / 已备案 / 未备案
    pub filing: String,
    pub leader: String,
    pub phone: String,
    pub address: String,
    /// Members, venue, support received, 共建 projects, evaluation …
    pub note: String,
    pub area_id: i64,
}

pub async fn create_unit(db: &Db, actor: &Actor, input: &UnitInput) -> Result<Unit> {
    require_worker(actor)?;
    let kind = one_of("单位类型", &input.kind, &UNIT_KINDS)?;
    let name = required("名称", &input.name, 100)?;
    let category = match kind {
        "社会组织" => one_of("组织类别", &input.category, &ORG_CATEGORIES)?.to_string(),
        "便民服务网点" => {
            one_of("网点类别", &input.category, &OUTLET_CATEGORIES)?.to_string()
        }
        _ => text("类别", &input.category, 50)?,
    };
    let filing = if kind == "社会组织" {
        one_of("备案情况", &input.filing, &FILINGS)?.to_string()
    } else {
        String::new()
    };
    let leader = text("负责人", &input.leader, 50)?;
    let phone = text("联系电话", &input.phone, 30)?;
    let address = text("地址", &input.address, 200)?;
    let note = text("备注", &input.note, 2000)?;
    let at = area(db, actor, input.area_id, "所属区域").await?;
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO service_units (kind, name, category, filing, leader, phone, address, note, street_id, community_id, \
         grid_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(kind)
    .bind(&name)
    .bind(&category)
    .bind(&filing)
    .bind(&leader)
    .bind(Some(phone.clone()).filter(|p| !p.is_empty()))
    .bind(&address)
    .bind(&note)
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
        "service_unit",
        Some(id),
        None,
        Some(&json!({"kind": kind, "name": name, "category": category, "phone": phone})),
    )
    .await?;
    tx.commit().await?;
    unit(db, actor, id).await
}

pub async fn unit(db: &Db, actor: &Actor, id: i64) -> Result<Unit> {
    let scope = scope_sql(db, actor, "u").await?;
    sqlx::query_as::<_, Unit>(&format!(
        "{UNIT} WHERE u.id = $1 AND u.archived = 0 AND {scope}"
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(Error::NotFound)
}

/// Units in scope, of one kind when given.
pub async fn units(db: &Db, actor: &Actor, kind: &str) -> Result<Vec<Unit>> {
    let scope = scope_sql(db, actor, "u").await?;
    Ok(sqlx::query_as::<_, Unit>(&format!(
        "{UNIT} WHERE u.archived = 0 AND ($1 = '' OR u.kind = $1) AND {scope} ORDER BY u.kind, u.category, u.id LIMIT 2000"
    ))
    .bind(kind.trim())
    .fetch_all(&db.pool)
    .await?)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Agreement {
    /// `a12` (an agreement) or `r7` (a rental's safety agreement).
    pub key: String,
    pub kind: String,
    pub title: String,
    pub party_a: String,
    pub party_b: String,
    pub signed_on: String,
    pub expires_on: Option<String>,
    /// The page of the record.
    pub link: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct AgreementInput {
    pub kind: String,
    pub title: String,
    /// 甲方 (the community, usually)
    pub party_a: String,
    /// 乙方 (the unit, shop, household …)
    pub party_b: String,
    /// A unit of the community that is 乙方.
    pub unit_id: Option<i64>,
    pub signed_on: String,
    pub expires_on: String,
    pub area_id: i64,
}

pub async fn create_agreement(db: &Db, actor: &Actor, input: &AgreementInput) -> Result<Agreement> {
    require_worker(actor)?;
    let kind = one_of("责任书类型", &input.kind, &AGREEMENT_KINDS)?;
    if kind == RENTAL_KIND {
        return Err(Error::invalid(
            "责任书类型",
            "房屋出租安全责任书在出租房屋登记中填写",
        ));
    }
    let title = required("名称", &input.title, 100)?;
    let party_a = required("甲方", &input.party_a, 100)?;
    let party_b = match input.unit_id {
        Some(u) => {
            unit(db, actor, u)
                .await
                .map_err(|_| Error::invalid("乙方", "该单位不存在或不在您的管辖范围内"))?
                .name
        }
        None => required("乙方", &input.party_b, 100)?,
    };
    let signed = date("签订日期", &input.signed_on)?;
    let expires = if input.expires_on.trim().is_empty() {
        None
    } else {
        Some(date("到期日期", &input.expires_on)?)
    };
    if expires.is_some_and(|e| e < signed) {
        return Err(Error::invalid("到期日期", "到期日期不能早于签订日期"));
    }
    let at = area(db, actor, input.area_id, "所属区域").await?;
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO agreements (kind, title, party_a, party_b, unit_id, signed_on, expires_on, street_id, community_id, \
         grid_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(kind)
    .bind(&title)
    .bind(&party_a)
    .bind(&party_b)
    .bind(input.unit_id)
    .bind(signed.to_string())
    .bind(expires.map(|e| e.to_string()))
    .bind(at.street)
    .bind(at.community)
    .bind(at.grid)
    .bind(crate::db::now())
    .fetch_one(&mut *tx)
    .await?;
    audit::record(&mut *tx, actor, "create", "agreement", Some(id), None,
        Some(&json!({"kind": kind, "title": title, "party_b": party_b, "signed_on": signed.to_string(),
            "expires_on": expires.map(|e| e.to_string())}))).await?;
    tx.commit().await?;
    agreements(db, actor, "", None)
        .await?
        .into_iter()
        .find(|a| a.key == format!("a{id}"))
        .ok_or(Error::NotFound)
}

/// Agreements in scope — the street's own and the rentals' safety agreements — of one kind when given,
/// expiring on or before a day when given, by expiry.
pub async fn agreements(
    db: &Db,
    actor: &Actor,
    kind: &str,
    expiring_by: Option<&str>,
) -> Result<Vec<Agreement>> {
    let scope = scope_sql(db, actor, "g").await?;
    let rentals = actor.scope.sql("x");
    let kind = kind.trim();
    let by = expiring_by.unwrap_or("");
    let today = crate::db::today().to_string();
    let own = format!(
        "SELECT 'a' || CAST(g.id AS TEXT) AS key, g.kind, g.title, g.party_a, g.party_b, g.signed_on, g.expires_on, \
         '/agreements' AS link FROM agreements g WHERE ($1 = '' OR g.kind = $1) \
         AND ($2 = '' OR (g.expires_on IS NOT NULL AND g.expires_on >= $3 AND g.expires_on <= $2)) AND {scope}"
    );
    let rent = format!(
        "SELECT 'r' || CAST(x.id AS TEXT) AS key, '{RENTAL_KIND}' AS kind, '房屋出租安全责任书 ' || d.name AS title, \
         c.name AS party_a, x.landlord_name AS party_b, x.agreement_signed AS signed_on, x.agreement_expires AS expires_on, \
         '/rentals?dwelling=' || CAST(x.dwelling_id AS TEXT) AS link FROM rentals x JOIN nodes d ON d.id = x.dwelling_id \
         JOIN nodes c ON c.id = x.community_id WHERE x.archived = 0 AND x.agreement_signed IS NOT NULL \
         AND ($1 = '' OR $1 = '{RENTAL_KIND}') \
         AND ($2 = '' OR (x.agreement_expires IS NOT NULL AND x.agreement_expires >= $3 AND x.agreement_expires <= $2)) AND {rentals}"
    );
    Ok(sqlx::query_as::<_, Agreement>(&format!(
        "SELECT * FROM ({own} UNION ALL {rent}) t ORDER BY COALESCE(t.expires_on, '9999-12-31'), t.key LIMIT 5000"
    ))
    .bind(kind)
    .bind(by)
    .bind(&today)
    .fetch_all(&db.pool)
    .await?)
}

/// Agreements in scope expiring within a month (from today, not yet expired).
pub async fn expiring(db: &Db, actor: &Actor) -> Result<Vec<Agreement>> {
    let by = (crate::db::today() + chrono::Duration::days(EXPIRING_DAYS)).to_string();
    agreements(db, actor, "", Some(&by)).await
}
