//! Export of extracted figures as an .xlsx workbook with Chinese headers (rust_xlsxwriter).

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::figures::Figure;

const HEADERS: [&str; 10] = [
    "序号",
    "行号",
    "主题",
    "原文",
    "数值",
    "单位",
    "修饰词",
    "年份",
    "所属总数序号",
    "是否分项",
];

/// The most characters Excel (and rust_xlsxwriter) takes in one cell.
pub const EXCEL_MAX_CELL_CHARS: usize = 32_767;
/// What ends a cell cut to [`EXCEL_MAX_CELL_CHARS`].
pub const TRUNCATED: &str = "…(已截断)";

/// `s` as a cell's text: cut, with [`TRUNCATED`] at its end, when longer than Excel allows.
pub fn cell_text(s: &str) -> std::borrow::Cow<'_, str> {
    if s.len() <= EXCEL_MAX_CELL_CHARS || s.chars().count() <= EXCEL_MAX_CELL_CHARS {
        return s.into();
    }
    let keep = EXCEL_MAX_CELL_CHARS - TRUNCATED.chars().count();
    let end = s
        .char_indices()
        .nth(keep)
        .map(|(i, _)| i)
        .unwrap_or(s.len());
    format!("{}{TRUNCATED}", &s[..end]).into()
}

/// The figures as an .xlsx file (one sheet "提取数据").
pub fn figures_xlsx(figures: &[Figure]) -> Vec<u8> {
    build(figures).expect("生成 xlsx 失败")
}

fn build(figures: &[Figure]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("提取数据")?;
    let bold = Format::new().set_bold();
    for (c, h) in HEADERS.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (i, f) in figures.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_number(r, 0, (f.id + 1) as f64)?;
        ws.write_number(r, 1, f.line as f64)?;
        ws.write_string(r, 2, cell_text(&f.subject).as_ref())?;
        ws.write_string(r, 3, cell_text(&f.text).as_ref())?;
        ws.write_number(r, 4, f.value)?;
        ws.write_string(r, 5, cell_text(&f.unit).as_ref())?;
        ws.write_string(
            r,
            6,
            cell_text(f.qualifier.as_deref().unwrap_or("")).as_ref(),
        )?;
        ws.write_string(r, 7, cell_text(f.year.as_deref().unwrap_or("")).as_ref())?;
        if let Some(p) = f.parent {
            ws.write_number(r, 8, (p + 1) as f64)?;
        }
        ws.write_string(r, 9, if f.is_part { "是" } else { "" })?;
    }
    ws.set_column_width(2, 30)?;
    ws.set_column_width(3, 14)?;
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::extract_figures;
    use crate::model::split_lines;
    use std::io::Read;

    #[test]
    fn workbook_has_headers_and_rows() {
        let figs = extract_figures(&split_lines("共受理各类纠纷3起,其中调解成功2起。"));
        let bytes = figures_xlsx(&figs);
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut shared = String::new();
        zip.by_name("xl/sharedStrings.xml")
            .unwrap()
            .read_to_string(&mut shared)
            .unwrap();
        for s in [
            "序号",
            "主题",
            "所属总数序号",
            "受理各类纠纷",
            "调解成功",
            "2起",
        ] {
            assert!(shared.contains(s), "{s}");
        }
        let mut sheet = String::new();
        zip.by_name("xl/worksheets/sheet1.xml")
            .unwrap()
            .read_to_string(&mut sheet)
            .unwrap();
        assert_eq!(sheet.matches("<row ").count(), 3);
    }

    #[test]
    fn a_text_longer_than_a_cell_is_cut_with_a_marker() {
        let long = "受理".repeat(20_000);
        let cut = cell_text(&long);
        assert_eq!(cut.chars().count(), EXCEL_MAX_CELL_CHARS);
        assert!(cut.ends_with(TRUNCATED));
        assert_eq!(cell_text("短"), "短");
        let mut figs = extract_figures(&split_lines("共受理各类纠纷3起。"));
        figs[0].text = long;
        let bytes = figures_xlsx(&figs);
        assert!(bytes.starts_with(b"PK"));
    }
}
