//! The services lists as .xlsx (activities, sign-ups, bookings, volunteer records and hours, party meetings
//! and 参学率, organisations and units, agreements): one header row and text cells, phones masked; every
//! export is recorded in the audit log with its row count.

use serde_json::json;

use super::sheet::{Cell, Sheet};
use crate::accounts::Actor;
use crate::audit;
use crate::db::Db;
use crate::error::Result;

/// Writes rows of text under the headers and records the export.
pub async fn table(
    db: &Db,
    actor: &Actor,
    entity: &str,
    headers: &[(&str, f64)],
    rows: Vec<Vec<String>>,
) -> Result<Vec<u8>> {
    let mut sheet = Sheet::with_headers(entity, headers)?;
    for r in rows {
        sheet.push(
            r.into_iter()
                .map(|v| {
                    if v.is_empty() {
                        Cell::Empty
                    } else {
                        Cell::Text(v)
                    }
                })
                .collect(),
        )?;
    }
    let n = sheet.rows();
    let bytes = sheet.finish()?;
    audit::record(
        &db.pool,
        actor,
        "export",
        entity,
        None,
        None,
        Some(&json!({"rows": n})),
    )
    .await?;
    Ok(bytes)
}

/// A phone as exports show it: masked.
pub fn phone(v: &Option<String>) -> String {
    v.as_deref()
        .map(crate::registry::mask::phone)
        .unwrap_or_default()
}
