//! Services (issue 18): activities and campaigns with their result figures, sign-ups and door check-in;
//! community rooms and their bookings; volunteer teams and approved service hours; party organisations,
//! members and meetings (三会一课, 参学率); organisations, units and agreements. Rules only, no HTTP.
//!
//! Every record is of a community, or of one grid of it. Scope: a grid worker sees the records of their
//! grids and the community-wide ones of their communities; other roles by their scope columns.

use sqlx::Row;

use crate::accounts::{Actor, Scope};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::registry::nodes::{self, Kind};

pub mod activities;
pub mod party;
pub mod plugin;
pub mod units;
pub mod venues;
pub mod volunteers;

/// Where a record belongs: its street, community and (for a grid's own record) grid.
#[derive(Clone, Copy, Debug)]
pub struct Area {
    pub street: i64,
    pub community: i64,
    pub grid: Option<i64>,
}

/// The community or grid (in the actor's scope) a new record is of.
pub async fn area(db: &Db, actor: &Actor, node_id: i64, field: &str) -> Result<Area> {
    let n = nodes::get(db, actor, node_id)
        .await
        .map_err(|_| Error::invalid(field, format!("{field}不存在或不在您的管辖范围内")))?;
    let grid = match n.kind() {
        Kind::Community => None,
        Kind::Grid => Some(n.id),
        _ => return Err(Error::invalid(field, format!("{field}请选择社区或网格"))),
    };
    match (n.street_id, n.community_id) {
        (Some(street), Some(community)) => Ok(Area {
            street,
            community,
            grid,
        }),
        _ => Err(Error::invalid(field, format!("{field}不在任何社区内"))),
    }
}

/// The condition on a services table alias for the actor: grid workers and building leaders see their
/// grids' records and the community-wide ones of their communities.
pub async fn scope_sql(db: &Db, actor: &Actor, alias: &str) -> Result<String> {
    let (ids, col) = match &actor.scope {
        Scope::Grids { grids, .. } => (grids, "grid_id"),
        Scope::Buildings { buildings, .. } => (buildings, "building_id"),
        other => return Ok(other.sql(alias)),
    };
    if ids.is_empty() {
        return Ok("1=0".into());
    }
    let list = join(ids);
    let rows = sqlx::query(&format!(
        "SELECT DISTINCT community_id, grid_id FROM nodes WHERE id IN ({list}) AND {col} IS NOT NULL"
    ))
    .fetch_all(&db.pool)
    .await?;
    let communities: Vec<i64> = rows.iter().filter_map(|r| r.get(0)).collect();
    let grids: Vec<i64> = rows.iter().filter_map(|r| r.get(1)).collect();
    let (c, g) = (join(&communities), join(&grids));
    Ok(format!(
        "({alias}.grid_id IN ({g}) OR ({alias}.grid_id IS NULL AND {alias}.community_id IN ({c})))"
    ))
}

fn join(v: &[i64]) -> String {
    if v.is_empty() {
        "NULL".into()
    } else {
        v.iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// The actor's name as records show it.
pub(crate) fn who(actor: &Actor) -> String {
    if actor.display_name.is_empty() {
        actor.username.clone()
    } else {
        actor.display_name.clone()
    }
}

/// A required short text, trimmed.
pub(crate) fn required(field: &str, v: &str, max: usize) -> Result<String> {
    let v = crate::cases::text(field, v, max)?;
    if v.is_empty() {
        return Err(Error::invalid(field, format!("{field}不能为空")));
    }
    Ok(v)
}

/// A date field (`2024-01-31`).
pub(crate) fn date(field: &str, v: &str) -> Result<chrono::NaiveDate> {
    crate::registry::validate::parse_date(v)
        .ok_or_else(|| Error::invalid(field, format!("{field}格式不正确,请按2024-01-31填写")))
}

/// One of a fixed list of values.
pub(crate) fn one_of<'a>(field: &str, v: &str, list: &[&'a str]) -> Result<&'a str> {
    let v = v.trim();
    list.iter()
        .find(|x| **x == v)
        .copied()
        .ok_or_else(|| Error::invalid(field, format!("{field}应为:{}", list.join("、"))))
}
