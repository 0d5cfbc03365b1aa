//! Choosing a household or a person in a form by what the worker knows (户号, address, name, pinyin), never
//! by a database id: short scoped lists for the type-ahead, masked, and the 户号 typed directly.

use serde::Serialize;

use super::households::Household;
use super::search;
use crate::accounts::Actor;
use crate::db::filter::Filter;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::privacy::{mask, Kind};

/// How many choices a type-ahead shows.
pub const CHOICES: i64 = 10;

/// Text safe inside a LIKE pattern (no wildcards of the user's), trimmed.
pub fn like_text(q: &str) -> String {
    q.trim()
        .chars()
        .filter(|c| !matches!(c, '%' | '_' | '\\'))
        .collect()
}

/// A household to choose: its 户号, address and grid.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct HouseholdChoice {
    pub number: String,
    pub address: String,
    pub grid_name: String,
}

/// Live households in scope whose 户号 or address contains `q`, at most [`CHOICES`].
pub async fn households(db: &Db, actor: &Actor, q: &str) -> Result<Vec<HouseholdChoice>> {
    let q = like_text(q);
    if q.is_empty() {
        return Ok(vec![]);
    }
    Filter::scoped(actor, "h")
        .when(true, "h.archived = 0")
        .text(
            "(UPPER(h.number) LIKE ? OR h.address LIKE ?)",
            format!("%{}%", q.to_uppercase()),
        )
        .rows(
            db,
            "SELECT h.number, h.address, g.name AS grid_name FROM households h JOIN nodes g ON g.id = h.grid_id",
            "h.number, h.id",
            1,
            CHOICES,
        )
        .await
}

/// The live household in scope with this 户号 (as typed: spaces and case do not matter).
pub async fn household_by_number(db: &Db, actor: &Actor, number: &str) -> Result<Household> {
    let number = number.trim().to_uppercase();
    if number.is_empty() {
        return Err(Error::invalid("走访对象", "请填写户号或从列表中选择住户"));
    }
    let found: Vec<Household> = Filter::scoped(actor, "households")
        .when(true, "archived = 0")
        .text("UPPER(number) = ?", number.clone())
        .rows(
            db,
            "SELECT id, number, dwelling_id, street_id, community_id, grid_id, building_id, address, archived FROM households",
            "id",
            1,
            2,
        )
        .await?;
    found.into_iter().next().ok_or_else(|| {
        Error::invalid(
            "走访对象",
            format!("户号 {number} 不存在或不在您的管辖范围内"),
        )
    })
}

/// A person to choose: the name with the masked ID number and the address, so that two people of one name
/// can be told apart without showing what the mask hides. `key` is what the form sends back.
#[derive(Clone, Debug, Serialize)]
pub struct PersonChoice {
    pub key: i64,
    pub name: String,
    pub id_number: String,
    pub address: String,
}

/// People in scope matching `q` (name, pinyin, initials, address; digits as the role may search them),
/// masked whatever the role: choosing is not revealing.
pub async fn persons(db: &Db, actor: &Actor, q: &str) -> Result<Vec<PersonChoice>> {
    if q.trim().is_empty() {
        return Ok(vec![]);
    }
    Ok(search::search(db, actor, q, CHOICES)
        .await?
        .into_iter()
        .map(|p| PersonChoice {
            key: p.id,
            name: p.name,
            id_number: p
                .id_number
                .as_deref()
                .map(|v| mask(Kind::IdNumber, v))
                .unwrap_or_default(),
            address: p.residence_address.unwrap_or_default(),
        })
        .collect())
}
