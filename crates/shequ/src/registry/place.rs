//! The place of a record (a case, a hazard, a patrol, a shift): a grid or anything below it, inside the
//! actor's scope, with the street, community and grid the record copies (see [`crate::db::scoped`]).

use crate::accounts::Actor;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::registry::nodes::{self, Kind};

/// A place for a record: a grid or anything below it, inside the actor's scope.
pub async fn place(
    db: &Db,
    actor: &Actor,
    field: &str,
    id: i64,
) -> Result<(nodes::Node, (i64, i64, i64))> {
    let location = nodes::get(db, actor, id)
        .await
        .map_err(|_| Error::invalid(field, format!("{field}不存在或不在您的管辖范围内")))?;
    if matches!(location.kind(), Kind::Street | Kind::Community) {
        return Err(Error::invalid(
            field,
            format!("{field}请选择网格、小区、楼栋或房屋"),
        ));
    }
    match (location.street_id, location.community_id, location.grid_id) {
        (Some(s), Some(c), Some(g)) => Ok((location, (s, c, g))),
        _ => Err(Error::invalid(field, format!("{field}不在任何网格内"))),
    }
}
