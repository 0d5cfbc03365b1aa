//! The dry run's (or the import's) report as .xlsx: a summary sheet with the figures, and every problem with
//! sheet, row, column, value and the explanation — what the user fixes their file from.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use super::Outcome;
use crate::exports::sheet::cell_text;

fn err(e: XlsxError) -> anyhow::Error {
    anyhow::anyhow!("xlsx: {e}")
}

pub fn xlsx(outcome: &Outcome, file_name: &str) -> anyhow::Result<Vec<u8>> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold().set_background_color("#F2F2F2");
    let c = &outcome.counts;
    let verb = if outcome.committed { "已" } else { "将" };
    let summary: Vec<(String, String)> = vec![
        ("文件".into(), file_name.to_string()),
        ("方式".into(), outcome.mode.label_zh().into()),
        (
            "结果".into(),
            match (&outcome.refused, outcome.committed) {
                (Some(r), _) => r.clone(),
                (None, true) => "已导入".into(),
                (None, false) => "预检完成,尚未导入".into(),
            },
        ),
        ("数据行数".into(), c.rows.to_string()),
        (format!("{verb}新建人员"), c.created.to_string()),
        (format!("{verb}更新人员"), c.updated.to_string()),
        ("无变化".into(), c.unchanged.to_string()),
        ("有错误未导入的行".into(), c.error_rows.to_string()),
        ("错误".into(), c.errors.to_string()),
        ("提示".into(), c.warnings.to_string()),
        (format!("{verb}新建小区"), c.estates.to_string()),
        (format!("{verb}新建楼栋"), c.buildings.to_string()),
        (format!("{verb}新建单元"), c.units.to_string()),
        (format!("{verb}新建房屋"), c.dwellings.to_string()),
        (format!("{verb}新建户"), c.households.to_string()),
        (format!("{verb}登记重点类别"), c.tags.to_string()),
    ];
    let ws = wb.add_worksheet();
    ws.set_name("概况").map_err(err)?;
    ws.set_column_width(0, 18).map_err(err)?;
    ws.set_column_width(1, 60).map_err(err)?;
    for (i, (k, v)) in summary.iter().enumerate() {
        ws.write_string_with_format(i as u32, 0, k, &bold)
            .map_err(err)?;
        ws.write_string(i as u32, 1, cell_text(v).as_ref())
            .map_err(err)?;
    }
    let ws = wb.add_worksheet_with_constant_memory();
    ws.set_name("问题明细").map_err(err)?;
    let headers = [
        ("工作表", 12.0),
        ("行号", 8.0),
        ("列", 18.0),
        ("单元格内容", 24.0),
        ("问题说明", 60.0),
        ("级别", 8.0),
    ];
    for (i, (h, w)) in headers.iter().enumerate() {
        ws.set_column_width(i as u16, *w).map_err(err)?;
        ws.write_string_with_format(0, i as u16, *h, &bold)
            .map_err(err)?;
    }
    ws.set_freeze_panes(1, 0).map_err(err)?;
    for (i, p) in outcome.problems.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, cell_text(&p.sheet).as_ref())
            .map_err(err)?;
        if p.row > 0 {
            ws.write_number(r, 1, p.row as f64).map_err(err)?;
        }
        ws.write_string(r, 2, cell_text(p.column.as_deref().unwrap_or("")).as_ref())
            .map_err(err)?;
        ws.write_string(r, 3, cell_text(&p.value).as_ref())
            .map_err(err)?;
        ws.write_string(r, 4, cell_text(&p.message).as_ref())
            .map_err(err)?;
        let level = match p.severity {
            sheetimport::Severity::Error => "错误",
            sheetimport::Severity::Warning => "提示",
        };
        ws.write_string(r, 5, level).map_err(err)?;
    }
    wb.save_to_buffer().map_err(err)
}
