//! A ledger (台账) as the .xlsx offices hand in: a title row with the unit and the period, the header row, the
//! data, a totals row for the columns that add up, a 填表人 / 审核人 / 填报日期 footer, and print setup (A4
//! landscape, the header row repeated on every page). Every export is written to the audit log.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};
use serde_json::json;

use crate::accounts::Actor;
use crate::audit;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::reports::catalog::{Ledger, Period, Where};

/// Most rows one ledger export holds.
pub const MAX_ROWS: i64 = 100_000;
/// Excel's limit on a cell's text.
const MAX_CELL: usize = 32_000;

/// The ledger's rows in a place and a period as .xlsx bytes, with the row count.
pub async fn xlsx(
    db: &Db,
    actor: &Actor,
    ledger: &dyn Ledger,
    at: &Where,
    period: &Period,
) -> Result<(Vec<u8>, usize)> {
    let rows = ledger.rows(db, at, period, MAX_ROWS).await?;
    let columns = ledger.columns();
    let title = format!("{}({})", ledger.title(), period.label);
    let unit = format!(
        "填报单位:{}    统计期间:{} 至 {}",
        at.name, period.from, period.to
    );
    let n = rows.len();
    let bytes = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<u8>> {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("台账")?;
        let last = columns.len().saturating_sub(1) as u16;
        let bold = Format::new()
            .set_bold()
            .set_font_size(16)
            .set_align(FormatAlign::Center);
        let cellf = Format::new().set_border(FormatBorder::Thin).set_text_wrap();
        let head = Format::new()
            .set_bold()
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::Center)
            .set_background_color("#EEEEEE");
        if last > 0 {
            ws.merge_range(0, 0, 0, last, &title, &bold)?;
            ws.merge_range(1, 0, 1, last, &unit, &Format::new())?;
        } else {
            ws.write_string_with_format(0, 0, &title, &bold)?;
            ws.write_string(1, 0, &unit)?;
        }
        ws.write_string_with_format(2, 0, "序号", &head)?;
        ws.set_column_width(0, 6)?;
        for (i, c) in columns.iter().enumerate() {
            ws.write_string_with_format(2, i as u16 + 1, c.header, &head)?;
            ws.set_column_width(i as u16 + 1, c.width)?;
        }
        let mut totals = vec![0f64; columns.len()];
        for (r, row) in rows.iter().enumerate() {
            let at = r as u32 + 3;
            ws.write_number_with_format(at, 0, (r + 1) as f64, &cellf)?;
            for (i, v) in row.iter().enumerate() {
                let col = i as u16 + 1;
                if columns[i].total {
                    let n: f64 = v.parse().unwrap_or(0.0);
                    totals[i] += n;
                    ws.write_number_with_format(at, col, n, &cellf)?;
                } else {
                    let text: String = v.chars().take(MAX_CELL).collect();
                    ws.write_string_with_format(at, col, &text, &cellf)?;
                }
            }
        }
        let mut at = rows.len() as u32 + 3;
        ws.write_string_with_format(at, 0, "合计", &head)?;
        for (i, c) in columns.iter().enumerate() {
            let col = i as u16 + 1;
            if c.total {
                ws.write_number_with_format(at, col, totals[i], &head)?;
            } else if i == 0 {
                ws.write_string_with_format(at, col, format!("共 {} 条", rows.len()), &head)?;
            } else {
                ws.write_string_with_format(at, col, "", &head)?;
            }
        }
        at += 2;
        ws.write_string(at, 0, "填表人:")?;
        ws.write_string(at, 3.min(last + 1), "审核人:")?;
        ws.write_string(at, 5.min(last + 1), "填报日期:")?;
        ws.set_landscape();
        ws.set_paper_size(9);
        ws.set_repeat_rows(2, 2)?;
        Ok(wb.save_to_buffer()?)
    })
    .await
    .map_err(|e| Error::Other(anyhow::anyhow!(e)))?
    .map_err(Error::Other)?;
    audit::record(
        &db.pool,
        actor,
        "export",
        "ledger",
        None,
        None,
        Some(
            &json!({"ledger": ledger.code(), "period": period.label, "scope": at.name, "rows": n}),
        ),
    )
    .await?;
    Ok((bytes, n))
}
