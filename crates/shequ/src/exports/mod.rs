//! Exports: every list as .xlsx with Chinese headers, a frozen header row, sensible widths and dates as dates,
//! filtered by the same scope and filters as the screen. ID numbers and phones stay masked unless the role
//! may reveal them; every export is written to the audit log.

use serde_json::{json, Value};

use crate::accounts::Actor;
use crate::audit;
use crate::db::Db;
use crate::error::Result;

pub mod buildings;
pub mod households;
pub mod ledger;
pub mod persons;
pub mod records;
pub mod rentals;
pub mod services;
pub mod sheet;
pub mod tags;

/// Rows per database page: exports read in keyset pages of this size, so memory stays flat.
pub(crate) const PAGE: i64 = 5000;

/// Closes the workbook and records the export (its filter and row count) in the audit log.
pub(crate) async fn finish(
    db: &Db,
    actor: &Actor,
    entity: &str,
    sheet: sheet::Sheet,
    filter: Value,
) -> Result<(Vec<u8>, u32)> {
    let rows = sheet.rows();
    let bytes = sheet.finish()?;
    let detail = json!({"filter": filter, "rows": rows, "unmasked": actor.role.can_unmask()});
    audit::record(&db.pool, actor, "export", entity, None, None, Some(&detail)).await?;
    Ok((bytes, rows))
}

/// `1,2,3` for an `IN (…)` list of our own ids (never user input).
pub(crate) fn id_list(ids: impl IntoIterator<Item = i64>) -> String {
    let v: Vec<String> = ids.into_iter().map(|i| i.to_string()).collect();
    if v.is_empty() {
        "NULL".into()
    } else {
        v.join(",")
    }
}
