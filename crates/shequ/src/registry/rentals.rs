//! 出租房屋: a rented dwelling with its landlord, tenants and the signed safety agreement
//! (房屋出租安全责任书: signed date and expiry).

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::json;
use sqlx::Row;

use super::nodes::{self, Kind};
use super::{persons, validate};
use crate::accounts::Actor;
use crate::audit;
use crate::db::{self, Db};
use crate::error::{Error, Result};

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Rental {
    pub id: i64,
    pub dwelling_id: i64,
    pub landlord_name: String,
    #[serde(serialize_with = "crate::privacy::ser::phone")]
    pub landlord_phone: Option<String>,
    pub agreement_signed: Option<String>,
    pub agreement_expires: Option<String>,
    pub notes: Option<String>,
    pub grid_id: i64,
    pub archived: i64,
}

const COLS: &str = "id, dwelling_id, landlord_name, landlord_phone, agreement_signed, agreement_expires, notes, grid_id, archived";

fn id_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<i64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum V {
        List(Vec<i64>),
        Text(String),
    }
    Ok(match V::deserialize(d)? {
        V::List(l) => l,
        V::Text(s) => s
            .split([',', ',', ' '])
            .filter_map(|x| x.trim().parse().ok())
            .collect(),
    })
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct RentalInput {
    pub landlord_name: String,
    pub landlord_phone: String,
    pub agreement_signed: String,
    pub agreement_expires: String,
    pub notes: String,
    /// Person ids of the tenants (a list, or text "12,15").
    #[serde(deserialize_with = "id_list")]
    pub tenants: Vec<i64>,
}

pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<Rental> {
    let sql = format!(
        "SELECT {COLS} FROM rentals WHERE id = $1 AND {}",
        actor.scope.sql("")
    );
    sqlx::query_as::<_, Rental>(&sql)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(Error::NotFound)
}

pub async fn list(db: &Db, actor: &Actor, limit: i64) -> Result<Vec<Rental>> {
    let sql = format!("SELECT {COLS} FROM rentals WHERE archived = 0 AND {} ORDER BY agreement_expires, id LIMIT $1", actor.scope.sql(""));
    Ok(sqlx::query_as::<_, Rental>(&sql)
        .bind(limit)
        .fetch_all(&db.pool)
        .await?)
}

pub async fn at_dwelling(db: &Db, actor: &Actor, dwelling_id: i64) -> Result<Vec<Rental>> {
    let sql = format!(
        "SELECT {COLS} FROM rentals WHERE dwelling_id = $1 AND archived = 0 AND {} ORDER BY id",
        actor.scope.sql("")
    );
    Ok(sqlx::query_as::<_, Rental>(&sql)
        .bind(dwelling_id)
        .fetch_all(&db.pool)
        .await?)
}

pub async fn tenants(db: &Db, actor: &Actor, rental_id: i64) -> Result<Vec<persons::Person>> {
    get(db, actor, rental_id).await?;
    let sql = format!(
        "SELECT {} FROM persons p JOIN rental_tenants t ON t.person_id = p.id WHERE t.rental_id = $1 AND {} ORDER BY p.id",
        persons::qualified_cols("p"),
        actor.scope.sql("p")
    );
    Ok(sqlx::query_as::<_, persons::Person>(&sql)
        .bind(rental_id)
        .fetch_all(&db.pool)
        .await?)
}

/// Registers a rented dwelling.
pub async fn create(
    db: &Db,
    actor: &Actor,
    dwelling_id: i64,
    input: &RentalInput,
) -> Result<Rental> {
    actor.require_write()?;
    let d = nodes::get(db, actor, dwelling_id)
        .await
        .map_err(|_| Error::invalid("房屋", "房屋不存在或不在您的管辖范围内"))?;
    if d.kind() != Kind::Dwelling {
        return Err(Error::invalid("房屋", "出租登记只能针对房屋"));
    }
    let landlord = validate::text("房东姓名", &input.landlord_name, 50)?
        .ok_or_else(|| Error::invalid("房东姓名", "房东姓名不能为空"))?;
    let phone = validate::phone("房东电话", &input.landlord_phone)?;
    let today = db::today();
    let signed = validate::past_date("责任书签订日期", &input.agreement_signed, today, false)?;
    let expires = if input.agreement_expires.trim().is_empty() {
        None
    } else {
        Some(
            validate::parse_date(&input.agreement_expires)
                .ok_or_else(|| Error::invalid("责任书到期日期", "责任书到期日期不是有效日期"))?,
        )
    };
    if let (Some(s), Some(e)) = (signed, expires) {
        if e <= s {
            return Err(Error::invalid("责任书到期日期", "到期日期必须晚于签订日期"));
        }
    }
    for t in &input.tenants {
        persons::get(db, actor, *t).await.map_err(|_| {
            Error::invalid("租户", format!("租户(编号{t})不存在或不在您的管辖范围内"))
        })?;
    }
    let notes = validate::text("备注", &input.notes, 500)?;
    let mut tx = db.begin().await?;
    let now = db::now();
    let id: i64 = sqlx::query(
        "INSERT INTO rentals (dwelling_id, landlord_name, landlord_phone, agreement_signed, agreement_expires, notes, street_id, community_id, \
         grid_id, building_id, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$11) RETURNING id",
    )
    .bind(d.id)
    .bind(&landlord)
    .bind(&phone)
    .bind(signed.map(|d| d.to_string()))
    .bind(expires.map(|d| d.to_string()))
    .bind(&notes)
    .bind(d.street_id)
    .bind(d.community_id)
    .bind(d.grid_id)
    .bind(d.building_id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?
    .get(0);
    for t in &input.tenants {
        sqlx::query(&format!(
            "INSERT INTO rental_tenants (rental_id, person_id) VALUES ($1, $2) {}",
            db.dialect.insert_ignore()
        ))
        .bind(id)
        .bind(*t)
        .execute(&mut *tx)
        .await?;
    }
    let after = json!({"dwelling_id": d.id, "landlord_name": landlord, "agreement_signed": signed, "agreement_expires": expires, "tenants": input.tenants});
    audit::record(
        &mut *tx,
        actor,
        "create",
        "rental",
        Some(id),
        None,
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    get(db, actor, id).await
}

/// Live rentals in scope and how many have a safety agreement in force today.
pub async fn counts(db: &Db, actor: &Actor) -> Result<(i64, i64)> {
    let sql = format!(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN agreement_signed IS NOT NULL AND (agreement_expires IS NULL OR agreement_expires >= $1) THEN 1 ELSE 0 END), 0) \
         FROM rentals WHERE archived = 0 AND {}",
        actor.scope.sql("")
    );
    let r = sqlx::query(&sql)
        .bind(db::today().to_string())
        .fetch_one(&db.pool)
        .await?;
    Ok((r.get(0), r.get(1)))
}
