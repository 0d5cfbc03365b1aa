//! 户: a household registered at a dwelling, with its members.

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use super::nodes::{self, Kind};
use crate::accounts::Actor;
use crate::audit;
use crate::db::{self, Db};
use crate::error::{Error, Result};

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Household {
    pub id: i64,
    pub number: String,
    pub dwelling_id: i64,
    pub street_id: i64,
    pub community_id: i64,
    pub grid_id: i64,
    pub building_id: Option<i64>,
    pub address: String,
    pub archived: i64,
}

const COLS: &str =
    "id, number, dwelling_id, street_id, community_id, grid_id, building_id, address, archived";

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct HouseholdInput {
    /// 户号
    pub number: String,
}

pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<Household> {
    let sql = format!(
        "SELECT {COLS} FROM households WHERE id = $1 AND {}",
        actor.scope.sql("")
    );
    sqlx::query_as::<_, Household>(&sql)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(Error::NotFound)
}

pub async fn at_dwelling(db: &Db, actor: &Actor, dwelling_id: i64) -> Result<Vec<Household>> {
    let sql = format!(
        "SELECT {COLS} FROM households WHERE dwelling_id = $1 AND {} ORDER BY archived, id",
        actor.scope.sql("")
    );
    Ok(sqlx::query_as::<_, Household>(&sql)
        .bind(dwelling_id)
        .fetch_all(&db.pool)
        .await?)
}

async fn dwelling(db: &Db, actor: &Actor, id: i64) -> Result<nodes::Node> {
    let d = nodes::get(db, actor, id)
        .await
        .map_err(|_| Error::invalid("房屋", "房屋不存在或不在您的管辖范围内"))?;
    if d.kind() != Kind::Dwelling {
        return Err(Error::invalid("房屋", "户只能登记在房屋下"));
    }
    if d.archived != 0 {
        return Err(Error::invalid("房屋", "该房屋已归档"));
    }
    Ok(d)
}

pub async fn create(
    db: &Db,
    actor: &Actor,
    dwelling_id: i64,
    input: &HouseholdInput,
) -> Result<Household> {
    actor.require_write()?;
    let number = input.number.trim();
    if number.is_empty() || number.chars().count() > 40 {
        return Err(Error::invalid("户号", "户号不能为空,且不超过40个字符"));
    }
    let d = dwelling(db, actor, dwelling_id).await?;
    let address = nodes::address_of(db, &d).await?;
    let mut tx = db.begin().await?;
    // Checked inside the transaction (on SQLite the write lock is taken by the insert below; two creations
    // of one number at the same instant are the rare case the number check on the page also catches).
    let taken: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM households WHERE street_id = $1 AND number = $2 AND archived = 0 LIMIT 1",
    )
    .bind(d.street_id)
    .bind(number)
    .fetch_optional(&mut *tx)
    .await?;
    if taken.is_some() {
        return Err(Error::Conflict {
            field: "户号".into(),
            message: format!(
                "户号“{number}”在本街道已有登记,不能重复;如是同一户,请在该户中添加成员"
            ),
        });
    }
    let now = db::now();
    let id: i64 = sqlx::query(
        "INSERT INTO households (number, dwelling_id, street_id, community_id, grid_id, building_id, address, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind(number)
    .bind(d.id)
    .bind(d.street_id)
    .bind(d.community_id)
    .bind(d.grid_id)
    .bind(d.building_id)
    .bind(&address)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?
    .get(0);
    let after = json!({"number": number, "dwelling_id": d.id, "address": address});
    audit::record(
        &mut *tx,
        actor,
        "create",
        "household",
        Some(id),
        None,
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    get(db, actor, id).await
}

/// Archives a household; refused while people still live in it.
pub async fn archive(db: &Db, actor: &Actor, id: i64) -> Result<()> {
    actor.require_write()?;
    let h = get(db, actor, id).await?;
    let living: i64 = sqlx::query(
        "SELECT COUNT(*) FROM persons WHERE household_id = $1 AND archived = 0 AND status = '在住'",
    )
    .bind(h.id)
    .fetch_one(&db.pool)
    .await?
    .get(0);
    if living > 0 {
        return Err(Error::invalid(
            "归档",
            format!("该户还有{living}人在住,请先办理迁出"),
        ));
    }
    let mut tx = db.begin().await?;
    audit::archive_row(&mut tx, actor, "households", "household", id, h.archived).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn count(db: &Db, actor: &Actor) -> Result<i64> {
    let sql = format!(
        "SELECT COUNT(*) FROM households WHERE archived = 0 AND {}",
        actor.scope.sql("")
    );
    Ok(sqlx::query(&sql).fetch_one(&db.pool).await?.get(0))
}

/// Moves a household (with its members) to another dwelling inside the actor's scope. For people living
/// there, the residence period at the old place ends today and a new one starts.
pub async fn move_to(db: &Db, actor: &Actor, id: i64, dwelling_id: i64) -> Result<Household> {
    actor.require_write()?;
    let before = get(db, actor, id).await?;
    let d = dwelling(db, actor, dwelling_id)
        .await
        .map_err(|_| Error::invalid("房屋", "目标房屋不存在或不在您的管辖范围内,不能迁入"))?;
    let address = nodes::address_of(db, &d).await?;
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE households SET dwelling_id = $1, street_id = $2, community_id = $3, grid_id = $4, building_id = $5, address = $6, updated_at = $7 WHERE id = $8")
        .bind(d.id)
        .bind(d.street_id)
        .bind(d.community_id)
        .bind(d.grid_id)
        .bind(d.building_id)
        .bind(&address)
        .bind(db::now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let after = Household {
        dwelling_id: d.id,
        street_id: d.street_id.unwrap_or(0),
        community_id: d.community_id.unwrap_or(0),
        grid_id: d.grid_id.unwrap_or(0),
        building_id: d.building_id,
        address: address.clone(),
        ..before.clone()
    };
    let members: Vec<(i64, String)> =
        sqlx::query("SELECT id, status FROM persons WHERE household_id = $1 AND archived = 0")
            .bind(id)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
    for (person, status) in members {
        sqlx::query("UPDATE persons SET street_id = $1, community_id = $2, grid_id = $3, building_id = $4, residence_address = $5, updated_at = $6 WHERE id = $7")
            .bind(after.street_id)
            .bind(after.community_id)
            .bind(after.grid_id)
            .bind(after.building_id)
            .bind(&address)
            .bind(db::now())
            .bind(person)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE person_tags SET street_id = $1, community_id = $2, grid_id = $3 WHERE person_id = $4")
            .bind(after.street_id)
            .bind(after.community_id)
            .bind(after.grid_id)
            .bind(person)
            .execute(&mut *tx)
            .await?;
        if status == "在住" {
            super::population::relocate(&mut tx, person, db::today(), &after).await?;
        }
    }
    if after.street_id != before.street_id {
        super::persons::follow_street(&mut tx, &format!("household_id = {id}"), None).await?;
    }
    audit::record(
        &mut *tx,
        actor,
        "move",
        "household",
        Some(id),
        Some(&serde_json::to_value(&before)?),
        Some(&serde_json::to_value(&after)?),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}
