//! The figures of a scope's dashboard: population, households, places, special groups, rentals.

use serde::Serialize;

use super::nodes::{self, Kind};
use super::{households, persons, rentals, tags};
use crate::accounts::Actor;
use crate::db::Db;
use crate::error::Result;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GroupCount {
    pub code: String,
    pub name: String,
    pub sensitive: bool,
    pub count: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    pub population: i64,
    pub households: i64,
    pub grids: i64,
    pub estates: i64,
    pub buildings: i64,
    pub rentals: i64,
    pub rentals_with_agreement: i64,
    pub groups: Vec<GroupCount>,
}

pub async fn dashboard(db: &Db, actor: &Actor) -> Result<Dashboard> {
    let (rentals, rentals_with_agreement) = rentals::counts(db, actor).await?;
    Ok(Dashboard {
        population: persons::count(db, actor).await?,
        households: households::count(db, actor).await?,
        grids: nodes::count(db, actor, Kind::Grid).await?,
        estates: nodes::count(db, actor, Kind::Estate).await?,
        buildings: nodes::count(db, actor, Kind::Building).await?,
        rentals,
        rentals_with_agreement,
        groups: tags::counts(db, actor)
            .await?
            .into_iter()
            .map(|(t, count)| GroupCount {
                code: t.code,
                name: t.name,
                sensitive: t.sensitive,
                count,
            })
            .collect(),
    })
}
