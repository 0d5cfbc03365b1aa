//! The buildings (楼栋) under a node of the area tree as .xlsx: estate, building, and how many units,
//! dwellings, households and residents (在住) each holds, counted inside the actor's scope. Read in keyset
//! pages by id.

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
    ("所属网格", 12.0),
    ("小区", 16.0),
    ("楼栋", 12.0),
    ("单元数", 8.0),
    ("房屋数", 8.0),
    ("户数", 8.0),
    ("在住人数", 10.0),
];

struct Line {
    id: i64,
    grid: Option<String>,
    estate: Option<String>,
    name: String,
}

/// `building_id → count` of one query over a page of buildings.
async fn count_by(db: &Db, sql: &str) -> Result<BTreeMap<i64, i64>> {
    Ok(sqlx::query(sql)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| (r.get::<i64, _>(0), r.get::<i64, _>(1)))
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
    let mut sheet = Sheet::with_headers("楼栋", HEADERS)?;
    let scope = actor.scope.sql("");
    let sql = format!(
        "SELECT b.id, g.name, e.name, b.name FROM nodes b \
         LEFT JOIN nodes g ON g.id = b.grid_id LEFT JOIN nodes e ON e.id = b.estate_id \
         WHERE b.kind = 'building' AND b.archived = 0 AND b.path LIKE $1 AND b.id > $2 AND {} \
         ORDER BY b.id LIMIT $3",
        actor.scope.sql("b")
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
                grid: r.get(1),
                estate: r.get(2),
                name: r.get(3),
            })
            .collect();
        let Some(last) = page.last().map(|b| b.id) else {
            break;
        };
        let ids = id_list(page.iter().map(|b| b.id));
        let nodes_of = |kind: &str| {
            format!(
                "SELECT building_id, COUNT(*) FROM nodes WHERE kind = '{kind}' AND archived = 0 \
                 AND building_id IN ({ids}) AND {scope} GROUP BY building_id"
            )
        };
        let units = count_by(db, &nodes_of("unit")).await?;
        let dwellings = count_by(db, &nodes_of("dwelling")).await?;
        let households = count_by(
            db,
            &format!(
                "SELECT building_id, COUNT(*) FROM households WHERE archived = 0 \
                 AND building_id IN ({ids}) AND {scope} GROUP BY building_id"
            ),
        )
        .await?;
        let residents = count_by(
            db,
            &format!(
                "SELECT building_id, COUNT(*) FROM persons WHERE archived = 0 AND status = '在住' \
                 AND building_id IN ({ids}) AND {scope} GROUP BY building_id"
            ),
        )
        .await?;
        let n = page.len() as i64;
        let count =
            |m: &BTreeMap<i64, i64>, id: i64| Cell::Number(*m.get(&id).unwrap_or(&0) as f64);
        for b in page {
            sheet.push(vec![
                b.grid.into(),
                b.estate.into(),
                Cell::Text(b.name),
                count(&units, b.id),
                count(&dwellings, b.id),
                count(&households, b.id),
                count(&residents, b.id),
            ])?;
        }
        after = last;
        if n < page_size {
            break;
        }
    }
    let filter = json!({"node_id": node.id, "node": node.name});
    finish(db, actor, "building", sheet, filter).await
}
