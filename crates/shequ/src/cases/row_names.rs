//! Names for the rows of the case list — category, grid, owner — taken from cached lists the page holds
//! anyway (the category filter, the scope's grids, the accounts) instead of joining three tables on every row:
//! those joins were more than half of the list statement's work on PostgreSQL. A name missing from its list
//! (an archived category or grid, an account newer than the cache) is read from its table.

use std::collections::HashMap;

use super::queries::ListRow;
use crate::accounts::{users, Actor};
use crate::db::Db;
use crate::error::Result;

const CATEGORIES: &str = "SELECT k.id, CASE WHEN p.id IS NULL THEN k.name ELSE p.name || '/' || k.name END \
     FROM case_categories k LEFT JOIN case_categories p ON p.id = k.parent_id WHERE k.id IN ({ids})";
const GRIDS: &str = "SELECT id, name FROM nodes WHERE id IN ({ids})";
const OWNERS: &str = "SELECT id, display_name FROM users WHERE id IN ({ids})";

/// Fills `category_name`, `grid_name` and `owner_name` of the rows.
pub(super) async fn fill(db: &Db, actor: &Actor, rows: &mut [ListRow]) -> Result<()> {
    let categories = super::categories::shared(db).await?;
    let grids = crate::registry::nodes::grids_in_scope_shared(db, actor).await?;
    let owners = users::display_names(db).await?;
    let category: HashMap<i64, &str> = categories
        .iter()
        .map(|c| (c.id, c.full_name.as_str()))
        .collect();
    let grid: HashMap<i64, &str> = grids.iter().map(|(i, n)| (*i, n.as_str())).collect();
    let more_categories = read_missing(
        db,
        rows.iter()
            .map(|r| r.category_id)
            .filter(|i| !category.contains_key(i)),
        CATEGORIES,
    )
    .await?;
    let more_grids = read_missing(
        db,
        rows.iter()
            .map(|r| r.grid_id)
            .filter(|i| !grid.contains_key(i)),
        GRIDS,
    )
    .await?;
    let more_owners = read_missing(
        db,
        rows.iter()
            .filter_map(|r| r.owner_id)
            .filter(|i| !owners.contains_key(i)),
        OWNERS,
    )
    .await?;
    for r in rows {
        r.category_name = name(
            r.category_id,
            |i| category.get(&i).copied(),
            &more_categories,
        );
        r.grid_name = name(r.grid_id, |i| grid.get(&i).copied(), &more_grids);
        r.owner_name = r
            .owner_id
            .map(|o| name(o, |i| owners.get(&i).map(String::as_str), &more_owners));
    }
    Ok(())
}

fn name<'a>(
    id: i64,
    cached: impl Fn(i64) -> Option<&'a str>,
    read: &HashMap<i64, String>,
) -> String {
    cached(id)
        .or_else(|| read.get(&id).map(String::as_str))
        .unwrap_or_default()
        .to_string()
}

/// The names of `ids` (none when there are none) by `sql`, whose `{ids}` becomes the id list.
async fn read_missing(
    db: &Db,
    ids: impl Iterator<Item = i64>,
    sql: &str,
) -> Result<HashMap<i64, String>> {
    let mut ids: Vec<i64> = ids.collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    ids.sort_unstable();
    ids.dedup();
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    Ok(
        sqlx::query_as::<_, (i64, String)>(&sql.replace("{ids}", &list))
            .fetch_all(&db.pool)
            .await?
            .into_iter()
            .collect(),
    )
}
