//! The resident portal (居民端): residents who sign up with their phone, are verified against the registry
//! ([`signup`]), and then report requests, follow their steps and rate the result ([`requests`]).
//!
//! A resident's [`Actor`] has no area scope (`Scope::Nothing`): every worker query answers nothing for them,
//! and the web layer keeps them off worker pages. What they may see is decided here, from their link to a
//! registry person: their own household and the cases they reported or that name them as reporter. To reuse
//! the case rules (intake, attachments, the rating step) the portal acts with [`Resident::home_actor`], an
//! actor whose scope is their own building (or grid), and checks ownership itself before every read.

pub mod activities;
pub mod requests;
pub mod signup;

use sqlx::Row;

use crate::accounts::{Actor, Role, Scope};
use crate::db::Db;
use crate::error::{Error, Result};

/// A verified resident: the person their account is linked to, and where that person lives now.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Resident {
    pub user_id: i64,
    pub person_id: i64,
    pub name: String,
    pub household_id: Option<i64>,
    /// 户号 of the household.
    pub household_number: Option<String>,
    /// Where a request from home is located: the dwelling, else the building, else the grid.
    pub home_node_id: i64,
    pub street_id: i64,
    pub community_id: i64,
    pub grid_id: i64,
    pub building_id: Option<i64>,
    /// "小区 楼栋 房号" path of the home, for the request form.
    pub address: String,
}

impl Resident {
    /// An actor that may reach exactly the resident's home: the case rules run with it, after the portal
    /// checked that the record belongs to the resident.
    pub fn home_actor(&self, actor: &Actor) -> Actor {
        let scope = match self.building_id {
            Some(b) => Scope::Buildings {
                street: self.street_id,
                buildings: vec![b],
            },
            None => Scope::Grids {
                street: self.street_id,
                grids: vec![self.grid_id],
            },
        };
        Actor {
            scope,
            ..actor.clone()
        }
    }
}

/// Refuses every role but 居民.
pub fn require_resident(actor: &Actor) -> Result<()> {
    if actor.role == Role::Resident {
        Ok(())
    } else {
        Err(Error::Forbidden("居民端仅供居民账号使用".into()))
    }
}

/// The resident behind an account, or None while the account waits for verification.
pub async fn me(db: &Db, actor: &Actor) -> Result<Option<Resident>> {
    require_resident(actor)?;
    let row = sqlx::query(
        "SELECT p.id, p.name, p.household_id, h.number, h.dwelling_id, p.street_id, p.community_id, \
                p.grid_id, p.building_id \
         FROM resident_links l JOIN persons p ON p.id = l.person_id \
         LEFT JOIN households h ON h.id = p.household_id AND h.archived = 0 \
         WHERE l.user_id = $1 AND p.archived = 0",
    )
    .bind(actor.user_id)
    .fetch_optional(&db.pool)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let grid: i64 = r.get(7);
    let building: Option<i64> = r.get(8);
    let dwelling: Option<i64> = r.get(4);
    let home = dwelling.or(building).unwrap_or(grid);
    let mut res = Resident {
        user_id: actor.user_id,
        person_id: r.get(0),
        name: r.get(1),
        household_id: r.get(2),
        household_number: r.get(3),
        home_node_id: home,
        street_id: r.get(5),
        community_id: r.get(6),
        grid_id: grid,
        building_id: building,
        address: String::new(),
    };
    let node = crate::registry::nodes::get(db, &res.home_actor(actor), home).await?;
    res.address = crate::registry::nodes::address_of(db, &node).await?;
    if res.address.is_empty() {
        res.address = node.name;
    }
    Ok(Some(res))
}

/// The verified resident, or a clear refusal while the account waits.
pub async fn verified(db: &Db, actor: &Actor) -> Result<Resident> {
    me(db, actor).await?.ok_or_else(|| {
        Error::Forbidden("您的账号尚未核实:请等待社区工作人员核实,或输入走访时发放的登记码".into())
    })
}
