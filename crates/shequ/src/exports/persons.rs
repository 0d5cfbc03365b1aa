//! The person list as .xlsx: the same rows the screen lists (scope, search or grid filter), in pages of
//! 5,000 so memory stays flat, with household number and visible special groups. Headers are ones the
//! importer (`sheetimport`) recognises, and the values read back unchanged (tested): 状态 with the dates that
//! decide it (迁入日期 of the current stay, 迁出日期, 死亡日期), so that a person who moved out or died comes back
//! so, with the same dates.

use std::collections::BTreeMap;

use serde_json::json;
use sqlx::Row;

use super::sheet::{Cell, Column, Sheet, Writer};
use crate::accounts::Actor;
use crate::audit;
use crate::db::Db;
use crate::error::Result;
use crate::registry::persons::{self, Person};
use crate::registry::{mask, search, tags};

pub const COLUMNS: &[Column] = &[
    Column {
        header: "姓名",
        width: 10.0,
    },
    Column {
        header: "证件类型",
        width: 12.0,
    },
    Column {
        header: "身份证号",
        width: 21.0,
    },
    Column {
        header: "性别",
        width: 6.0,
    },
    Column {
        header: "出生日期",
        width: 12.0,
    },
    Column {
        header: "民族",
        width: 8.0,
    },
    Column {
        header: "联系电话",
        width: 14.0,
    },
    Column {
        header: "备用电话",
        width: 14.0,
    },
    Column {
        header: "政治面貌",
        width: 12.0,
    },
    Column {
        header: "婚姻状况",
        width: 8.0,
    },
    Column {
        header: "文化程度",
        width: 12.0,
    },
    Column {
        header: "就业状况",
        width: 10.0,
    },
    Column {
        header: "健康状况",
        width: 10.0,
    },
    Column {
        header: "与户主关系",
        width: 10.0,
    },
    Column {
        header: "户号",
        width: 10.0,
    },
    Column {
        header: "现住小区",
        width: 14.0,
    },
    Column {
        header: "楼栋",
        width: 8.0,
    },
    Column {
        header: "单元",
        width: 8.0,
    },
    Column {
        header: "门牌",
        width: 8.0,
    },
    Column {
        header: "所属网格",
        width: 12.0,
    },
    Column {
        header: "人员类型",
        width: 10.0,
    },
    Column {
        header: "户籍地址",
        width: 30.0,
    },
    Column {
        header: "实际居住地",
        width: 30.0,
    },
    Column {
        header: "状态",
        width: 8.0,
    },
    Column {
        header: "迁入日期",
        width: 12.0,
    },
    Column {
        header: "迁出日期",
        width: 12.0,
    },
    Column {
        header: "死亡日期",
        width: 12.0,
    },
    Column {
        header: "重点类别",
        width: 20.0,
    },
    Column {
        header: "备注",
        width: 20.0,
    },
];

const PAGE: i64 = 5000;

/// Which rows: a search (as on screen), or everyone in scope, optionally one grid.
pub struct Filter {
    pub q: String,
    pub grid: Option<i64>,
}

/// Where a household lives, as the importer reads it back: 户号, 小区, 楼栋, 单元, 门牌, 网格.
#[derive(Default, Clone)]
struct Place {
    number: String,
    estate: Option<String>,
    building: Option<String>,
    unit: Option<String>,
    room: Option<String>,
    grid: Option<String>,
}

async fn household_places(db: &Db, people: &[Person]) -> Result<BTreeMap<i64, Place>> {
    let ids: Vec<String> = people
        .iter()
        .filter_map(|p| p.household_id)
        .map(|i| i.to_string())
        .collect();
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let rows = sqlx::query(&format!(
        "SELECT h.id, h.number, e.name, b.name, u.name, d.name, g.name FROM households h \
         JOIN nodes d ON d.id = h.dwelling_id \
         LEFT JOIN nodes e ON e.id = d.estate_id \
         LEFT JOIN nodes b ON b.id = d.building_id \
         LEFT JOIN nodes u ON u.id = d.parent_id AND u.kind = 'unit' \
         LEFT JOIN nodes g ON g.id = h.grid_id \
         WHERE h.id IN ({})",
        ids.join(",")
    ))
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            (
                r.get::<i64, _>(0),
                Place {
                    number: r.get(1),
                    estate: r.get(2),
                    building: r.get(3),
                    unit: r.get(4),
                    room: r.get(5),
                    grid: r.get(6),
                },
            )
        })
        .collect())
}

async fn tag_names(
    db: &Db,
    actor: &Actor,
    people: &[Person],
) -> Result<BTreeMap<i64, Vec<String>>> {
    let ids: Vec<String> = people.iter().map(|p| p.id.to_string()).collect();
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let visible: Vec<i64> = tags::types(db, actor)
        .await?
        .into_iter()
        .map(|t| t.id)
        .collect();
    let rows = sqlx::query(&format!(
        "SELECT pt.person_id, pt.tag_type_id, t.name FROM person_tags pt JOIN tag_types t ON t.id = pt.tag_type_id \
         WHERE pt.archived = 0 AND pt.person_id IN ({}) ORDER BY pt.id",
        ids.join(",")
    ))
    .fetch_all(&db.pool)
    .await?;
    let mut out: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for r in rows
        .iter()
        .filter(|r| visible.contains(&r.get::<i64, _>(1)))
    {
        out.entry(r.get(0)).or_default().push(r.get(2));
    }
    Ok(out)
}

/// Person → (迁入, 迁出, 死亡) dates: the latest event of each kind.
async fn event_dates(db: &Db, people: &[Person]) -> Result<BTreeMap<i64, [Option<String>; 3]>> {
    let ids: Vec<String> = people.iter().map(|p| p.id.to_string()).collect();
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let rows = sqlx::query(&format!(
        "SELECT person_id, kind, MAX(event_date) FROM person_events WHERE person_id IN ({}) \
         AND NOT (kind = 'move_in' AND note IS NOT NULL AND note = $1) GROUP BY person_id, kind",
        ids.join(",")
    ))
    .bind(crate::registry::population::MOVE_IN_UNKNOWN)
    .fetch_all(&db.pool)
    .await?;
    let mut out: BTreeMap<i64, [Option<String>; 3]> = BTreeMap::new();
    for r in rows {
        let slot = match r.get::<String, _>(1).as_str() {
            "move_in" => 0,
            "move_out" => 1,
            "death" => 2,
            _ => continue,
        };
        out.entry(r.get(0)).or_default()[slot] = r.get(2);
    }
    Ok(out)
}

/// The rows of one page of people, masked as the actor's role requires.
async fn rows(db: &Db, actor: &Actor, people: Vec<Person>) -> Result<Vec<Vec<Cell>>> {
    let places = household_places(db, &people).await?;
    let mut dates = event_dates(db, &people).await?;
    let groups = tag_names(db, actor, &people).await?;
    let full = actor.role.can_unmask();
    let mut out = Vec::with_capacity(people.len());
    for p in people {
        let (place, tags) = (
            p.household_id
                .and_then(|h| places.get(&h).cloned())
                .unwrap_or_default(),
            groups.get(&p.id).map(|g| g.join("、")),
        );
        let [moved_in, moved_out, died] = dates.remove(&p.id).unwrap_or_default();
        // The end dates only where the state says so (a person who moved back in keeps an old 迁出 event).
        let (moved_out, died) = match p.status.as_str() {
            "迁出" => (moved_out, None),
            "死亡" => (None, died),
            _ => (None, None),
        };
        let date = |d: Option<String>| d.map(Cell::Date).unwrap_or(Cell::Empty);
        // Cells are written from the fields, not serialized: mask them here unless the role may unmask.
        let mut p = p.for_role(actor.role);
        if !full {
            p.id_number = p.id_number.as_deref().map(mask::id_number);
            p.phone = p.phone.as_deref().map(mask::phone);
            p.phone2 = p.phone2.as_deref().map(mask::phone);
        }
        out.push(vec![
            Cell::Text(p.name),
            Cell::Text(p.id_type),
            p.id_number.into(),
            p.sex.into(),
            p.birth_date.map(Cell::Date).unwrap_or(Cell::Empty),
            p.ethnicity.into(),
            p.phone.into(),
            p.phone2.into(),
            p.political_status.into(),
            p.marital_status.into(),
            p.education.into(),
            p.employment.into(),
            p.health.into(),
            p.relation.into(),
            Some(place.number).into(),
            place.estate.into(),
            place.building.into(),
            place.unit.into(),
            place.room.into(),
            place.grid.into(),
            Cell::Text(p.hukou_type),
            p.hukou_address.into(),
            p.residence_address.into(),
            Cell::Text(p.status),
            date(moved_in),
            date(moved_out),
            date(died),
            tags.into(),
            p.notes.into(),
        ]);
    }
    Ok(out)
}

/// Builds the workbook and records the export (with its filter and row count) in the audit log.
pub async fn xlsx(db: &Db, actor: &Actor, filter: &Filter) -> Result<(Vec<u8>, u32)> {
    let writer = Writer::spawn(Sheet::new("人员", COLUMNS)?);
    if !filter.q.trim().is_empty() {
        let found = search::search(db, actor, &filter.q, search::MAX_RESULTS).await?;
        writer.send(rows(db, actor, found).await?).await;
    } else {
        let grid = filter
            .grid
            .map(|g| format!("AND grid_id = {g}"))
            .unwrap_or_default();
        let sql = format!(
            "SELECT {} FROM persons WHERE archived = 0 AND id > $1 AND {} {grid} ORDER BY id LIMIT $2",
            persons::COLS,
            actor.scope.sql("")
        );
        let mut after = 0i64;
        loop {
            let page = sqlx::query_as::<_, Person>(&sql)
                .bind(after)
                .bind(PAGE)
                .fetch_all(&db.pool)
                .await?;
            let Some(last) = page.last().map(|p| p.id) else {
                break;
            };
            let n = page.len() as i64;
            let sent = writer.send(rows(db, actor, page).await?).await;
            after = last;
            if n < PAGE || !sent {
                break;
            }
        }
    }
    let (bytes, rows) = writer.finish().await?;
    let detail = json!({"q": filter.q, "grid": filter.grid, "rows": rows, "unmasked": actor.role.can_unmask()});
    audit::record(
        &db.pool,
        actor,
        "export",
        "person",
        None,
        None,
        Some(&detail),
    )
    .await?;
    Ok((bytes, rows))
}
