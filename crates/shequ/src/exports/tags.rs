//! The members of one special group (特殊群体) as .xlsx: the people the tags page counts for the type (live
//! tags of people living in the actor's scope), with ID number and phone masked unless the role may reveal
//! them, the grid, one column per field of the type (dates as dates, numbers as numbers) and the start date.
//! A sensitive type is NotFound for roles that may not see it, and its export is also audited as a
//! sensitive read. Read in keyset pages by tag id.

use std::collections::BTreeMap;

use serde_json::json;
use sqlx::Row;

use super::sheet::{Cell, Sheet};
use super::{finish, PAGE};
use crate::accounts::Actor;
use crate::audit;
use crate::db::Db;
use crate::error::Result;
use crate::registry::mask;
use crate::registry::tags::{self, FieldSpec};

const FIXED: &[(&str, f64)] = &[
    ("姓名", 10.0),
    ("身份证号", 21.0),
    ("联系电话", 14.0),
    ("所属网格", 12.0),
    ("住址", 30.0),
];

fn field_cell(spec: &FieldSpec, value: Option<&String>) -> Cell {
    let Some(v) = value.filter(|v| !v.is_empty()) else {
        return Cell::Empty;
    };
    match spec.kind.as_str() {
        "date" => Cell::Date(v.clone()),
        "number" => v
            .parse()
            .map(Cell::Number)
            .unwrap_or_else(|_| Cell::Text(v.clone())),
        _ => Cell::Text(v.clone()),
    }
}

/// A name Excel accepts for a sheet: no `[]:*?/\'`, at most 31 characters.
fn sheet_name(name: &str) -> String {
    let s: String = name
        .chars()
        .filter(|c| !"[]:*?/\\'".contains(*c))
        .take(31)
        .collect();
    if s.is_empty() {
        "特殊群体".into()
    } else {
        s
    }
}

/// Builds the workbook for the tag type `type_id` and audits it.
pub async fn xlsx(db: &Db, actor: &Actor, type_id: i64) -> Result<(Vec<u8>, u32)> {
    xlsx_paged(db, actor, type_id, PAGE).await
}

/// [`xlsx`] reading `page_size` rows at a time (tests use tiny pages to cross page boundaries).
pub async fn xlsx_paged(
    db: &Db,
    actor: &Actor,
    type_id: i64,
    page_size: i64,
) -> Result<(Vec<u8>, u32)> {
    let t = tags::get_type(db, actor, type_id).await?;
    let mut headers: Vec<(String, f64)> = FIXED.iter().map(|(h, w)| (h.to_string(), *w)).collect();
    headers.extend(t.fields.iter().map(|f| {
        let width = (f.label.chars().count() as f64 * 2.0 + 2.0).max(12.0);
        (f.label.clone(), width)
    }));
    headers.push(("起始日期".into(), 12.0));
    let mut sheet = Sheet::with_headers(&sheet_name(&t.name), &headers)?;
    let full = actor.role.can_unmask();
    let sql = format!(
        "SELECT pt.id, p.name, p.id_number, p.phone, g.name, p.residence_address, pt.fields, pt.since \
         FROM person_tags pt JOIN persons p ON p.id = pt.person_id LEFT JOIN nodes g ON g.id = p.grid_id \
         WHERE pt.tag_type_id = $1 AND pt.archived = 0 AND p.archived = 0 AND p.status = '在住' \
         AND pt.id > $2 AND {} ORDER BY pt.id LIMIT $3",
        tags::scope_sql(actor)
    );
    let mut after = 0i64;
    loop {
        let page = sqlx::query(&sql)
            .bind(t.id)
            .bind(after)
            .bind(page_size)
            .fetch_all(&db.pool)
            .await?;
        let Some(last) = page.last().map(|r| r.get::<i64, _>(0)) else {
            break;
        };
        for r in &page {
            let id_number: Option<String> = r.get(2);
            let phone: Option<String> = r.get(3);
            let (id_number, phone) = if full {
                (id_number, phone)
            } else {
                (
                    id_number.as_deref().map(mask::id_number),
                    phone.as_deref().map(mask::phone),
                )
            };
            let values: BTreeMap<String, String> =
                serde_json::from_str(&r.get::<String, _>(6)).unwrap_or_default();
            let mut cells = vec![
                Cell::Text(r.get(1)),
                id_number.into(),
                phone.into(),
                r.get::<Option<String>, _>(4).into(),
                r.get::<Option<String>, _>(5).into(),
            ];
            cells.extend(t.fields.iter().map(|f| field_cell(f, values.get(&f.key))));
            cells.push(
                r.get::<Option<String>, _>(7)
                    .map(Cell::Date)
                    .unwrap_or(Cell::Empty),
            );
            sheet.push(cells)?;
        }
        after = last;
        if (page.len() as i64) < page_size {
            break;
        }
    }
    let filter = json!({"tag_type_id": t.id, "tag": t.name});
    let (bytes, rows) = finish(db, actor, "person_tag", sheet, filter).await?;
    if t.sensitive {
        let detail = json!({"tag": t.name, "export": true, "rows": rows});
        audit::record(
            &db.pool,
            actor,
            "read_sensitive",
            "tag_type",
            Some(t.id),
            None,
            Some(&detail),
        )
        .await?;
    }
    Ok((bytes, rows))
}
