//! The households (户) under a node of the area tree as .xlsx: every household whose dwelling lies in the
//! node's subtree and in the actor's scope, archived ones flagged, with the number of members living there
//! and the head of household. Read in keyset pages by id.

use std::collections::BTreeMap;

use serde_json::json;
use sqlx::Row;

use super::sheet::{Cell, Sheet};
use super::{finish, id_list, PAGE};
use crate::accounts::Actor;
use crate::db::Db;
use crate::error::Result;
use crate::registry::nodes;

pub const HEADERS: &[(&str, f64)] = &[
    ("户号", 12.0),
    ("住址", 30.0),
    ("所属网格", 12.0),
    ("在住人数", 10.0),
    ("户主", 10.0),
    ("已归档", 8.0),
];

struct Line {
    id: i64,
    number: String,
    address: String,
    grid: Option<String>,
    archived: bool,
}

/// Live members living there (在住) and the head's name, per household of a page.
async fn members(
    db: &Db,
    actor: &Actor,
    ids: &str,
) -> Result<BTreeMap<i64, (i64, Option<String>)>> {
    let sql = format!(
        "SELECT household_id, COUNT(*), MIN(CASE WHEN relation = '户主' THEN name END) FROM persons \
         WHERE household_id IN ({ids}) AND archived = 0 AND status = '在住' AND {} GROUP BY household_id",
        actor.scope.sql("")
    );
    Ok(sqlx::query(&sql)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| (r.get::<i64, _>(0), (r.get::<i64, _>(1), r.get(2))))
        .collect())
}

/// Builds the workbook for the subtree of `node_id` (NotFound outside the actor's scope) and audits it.
pub async fn xlsx(db: &Db, actor: &Actor, node_id: i64) -> Result<(Vec<u8>, u32)> {
    xlsx_paged(db, actor, node_id, PAGE).await
}

/// [`xlsx`] reading `page_size` rows at a time (tests use tiny pages to cross page boundaries).
pub async fn xlsx_paged(
    db: &Db,
    actor: &Actor,
    node_id: i64,
    page_size: i64,
) -> Result<(Vec<u8>, u32)> {
    let node = nodes::get(db, actor, node_id).await?;
    let mut sheet = Sheet::with_headers("户", HEADERS)?;
    let sql = format!(
        "SELECT h.id, h.number, h.address, g.name, h.archived FROM households h \
         JOIN nodes d ON d.id = h.dwelling_id LEFT JOIN nodes g ON g.id = h.grid_id \
         WHERE d.path LIKE $1 AND h.id > $2 AND {} ORDER BY h.id LIMIT $3",
        actor.scope.sql("h")
    );
    let mut after = 0i64;
    loop {
        let page: Vec<Line> = sqlx::query(&sql)
            .bind(format!("{}%", node.path))
            .bind(after)
            .bind(page_size)
            .fetch_all(&db.pool)
            .await?
            .iter()
            .map(|r| Line {
                id: r.get(0),
                number: r.get(1),
                address: r.get(2),
                grid: r.get(3),
                archived: r.get::<i64, _>(4) != 0,
            })
            .collect();
        let Some(last) = page.last().map(|h| h.id) else {
            break;
        };
        let counts = members(db, actor, &id_list(page.iter().map(|h| h.id))).await?;
        let n = page.len() as i64;
        for h in page {
            let (living, head) = counts.get(&h.id).cloned().unwrap_or((0, None));
            sheet.push(vec![
                Cell::Text(h.number),
                Some(h.address).into(),
                h.grid.into(),
                Cell::Number(living as f64),
                head.into(),
                Cell::Text(if h.archived { "是" } else { "否" }.into()),
            ])?;
        }
        after = last;
        if n < page_size {
            break;
        }
    }
    let filter = json!({"node_id": node.id, "node": node.name});
    finish(db, actor, "household", sheet, filter).await
}
