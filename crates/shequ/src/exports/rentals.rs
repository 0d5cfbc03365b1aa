//! The rented dwellings (出租房屋) in the actor's scope as .xlsx: address, grid, landlord (phone masked
//! unless the role may reveal it), number of tenants, and the safety agreement's signed and expiry dates as
//! dates with whether it is in force today. Read in keyset pages by id.

use std::collections::BTreeMap;

use serde_json::json;
use sqlx::Row;

use super::sheet::{Cell, Sheet};
use super::{finish, id_list, PAGE};
use crate::accounts::Actor;
use crate::db::{self, Db};
use crate::error::Result;
use crate::registry::mask;

pub const HEADERS: &[(&str, f64)] = &[
    ("住址", 30.0),
    ("所属网格", 12.0),
    ("房东", 10.0),
    ("联系电话", 14.0),
    ("租户人数", 10.0),
    ("责任书签订日期", 16.0),
    ("责任书到期日期", 16.0),
    ("责任书状态", 12.0),
    ("备注", 24.0),
];

/// 有效, 已过期 or 未签订 on `today` (dates are ISO text, so they compare as text).
pub fn agreement_state(signed: Option<&str>, expires: Option<&str>, today: &str) -> &'static str {
    match (signed, expires) {
        (None, _) => "未签订",
        (Some(_), Some(e)) if e < today => "已过期",
        _ => "有效",
    }
}

/// Builds the workbook of every live rental in scope and audits it.
pub async fn xlsx(db: &Db, actor: &Actor) -> Result<(Vec<u8>, u32)> {
    xlsx_paged(db, actor, PAGE).await
}

/// [`xlsx`] reading `page_size` rows at a time (tests use tiny pages to cross page boundaries).
pub async fn xlsx_paged(db: &Db, actor: &Actor, page_size: i64) -> Result<(Vec<u8>, u32)> {
    let mut sheet = Sheet::with_headers("出租房屋", HEADERS)?;
    let full = actor.role.can_unmask();
    let today = db::today().to_string();
    let sql = format!(
        "SELECT r.id, e.name, b.name, u.name, d.name, g.name, r.landlord_name, r.landlord_phone, \
         r.agreement_signed, r.agreement_expires, r.notes FROM rentals r \
         JOIN nodes d ON d.id = r.dwelling_id \
         LEFT JOIN nodes e ON e.id = d.estate_id \
         LEFT JOIN nodes b ON b.id = d.building_id \
         LEFT JOIN nodes u ON u.id = d.parent_id AND u.kind = 'unit' \
         LEFT JOIN nodes g ON g.id = r.grid_id \
         WHERE r.archived = 0 AND r.id > $1 AND {} ORDER BY r.id LIMIT $2",
        actor.scope.sql("r")
    );
    let mut after = 0i64;
    loop {
        let page = sqlx::query(&sql)
            .bind(after)
            .bind(page_size)
            .fetch_all(&db.pool)
            .await?;
        let Some(last) = page.last().map(|r| r.get::<i64, _>(0)) else {
            break;
        };
        let ids = id_list(page.iter().map(|r| r.get::<i64, _>(0)));
        let tenants: BTreeMap<i64, i64> = sqlx::query(&format!(
            "SELECT rental_id, COUNT(*) FROM rental_tenants WHERE rental_id IN ({ids}) GROUP BY rental_id"
        ))
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| (r.get::<i64, _>(0), r.get::<i64, _>(1)))
        .collect();
        for r in &page {
            // The address as the tree spells it: 小区 楼栋 单元 房屋 (as `nodes::address_of`).
            let address: String = (1..=4)
                .filter_map(|i| r.get::<Option<String>, _>(i))
                .collect();
            let phone: Option<String> = r.get(7);
            let phone = phone.map(|p| if full { p } else { mask::phone(&p) });
            let signed: Option<String> = r.get(8);
            let expires: Option<String> = r.get(9);
            let state = agreement_state(signed.as_deref(), expires.as_deref(), &today);
            let id: i64 = r.get(0);
            sheet.push(vec![
                Some(address).into(),
                r.get::<Option<String>, _>(5).into(),
                Cell::Text(r.get(6)),
                phone.into(),
                Cell::Number(*tenants.get(&id).unwrap_or(&0) as f64),
                signed.map(Cell::Date).unwrap_or(Cell::Empty),
                expires.map(Cell::Date).unwrap_or(Cell::Empty),
                Cell::Text(state.into()),
                r.get::<Option<String>, _>(10).into(),
            ])?;
        }
        after = last;
        if (page.len() as i64) < page_size {
            break;
        }
    }
    finish(db, actor, "rental", sheet, json!({})).await
}
