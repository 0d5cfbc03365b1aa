//! A small wrapper over rust_xlsxwriter for list exports: header row, widths, frozen panes, typed cells.

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};

/// One column: header and width in characters.
pub struct Column {
    pub header: &'static str,
    pub width: f64,
}

pub enum Cell {
    Text(String),
    Date(String),
    Number(f64),
    Empty,
}

impl From<Option<String>> for Cell {
    fn from(v: Option<String>) -> Cell {
        v.filter(|s| !s.is_empty())
            .map(Cell::Text)
            .unwrap_or(Cell::Empty)
    }
}

pub struct Sheet {
    workbook: Workbook,
    row: u32,
    date: Format,
    text: Format,
}

fn err(e: XlsxError) -> anyhow::Error {
    anyhow::anyhow!("xlsx: {e}")
}

impl Sheet {
    /// A workbook with one sheet (rows streamed to a temp file, so memory stays flat).
    pub fn new(name: &str, columns: &[Column]) -> anyhow::Result<Sheet> {
        let headers: Vec<(&str, f64)> = columns.iter().map(|c| (c.header, c.width)).collect();
        Sheet::with_headers(name, &headers)
    }

    /// The same with headers known only at run time (e.g. a special group's own fields): (header, width).
    pub fn with_headers<S: AsRef<str>>(name: &str, headers: &[(S, f64)]) -> anyhow::Result<Sheet> {
        let mut workbook = Workbook::new();
        let ws = workbook.add_worksheet_with_constant_memory();
        ws.set_name(name).map_err(err)?;
        let bold = Format::new().set_bold().set_background_color("#F2F2F2");
        for (i, (header, width)) in headers.iter().enumerate() {
            ws.set_column_width(i as u16, *width).map_err(err)?;
            ws.write_string_with_format(0, i as u16, header.as_ref(), &bold)
                .map_err(err)?;
        }
        ws.set_freeze_panes(1, 0).map_err(err)?;
        Ok(Sheet {
            workbook,
            row: 1,
            date: Format::new().set_num_format("yyyy-mm-dd"),
            text: Format::new().set_num_format("@"),
        })
    }

    pub fn push(&mut self, cells: Vec<Cell>) -> anyhow::Result<()> {
        let row = self.row;
        let ws = self.workbook.worksheet_from_index(0).map_err(err)?;
        for (i, cell) in cells.into_iter().enumerate() {
            let col = i as u16;
            match cell {
                Cell::Text(s) => {
                    ws.write_string_with_format(row, col, &s, &self.text)
                        .map_err(err)?;
                }
                Cell::Date(s) => match parse_date(&s) {
                    Some(d) => {
                        ws.write_datetime_with_format(row, col, &d, &self.date)
                            .map_err(err)?;
                    }
                    None => {
                        ws.write_string(row, col, &s).map_err(err)?;
                    }
                },
                Cell::Number(n) => {
                    ws.write_number(row, col, n).map_err(err)?;
                }
                Cell::Empty => {}
            }
        }
        self.row += 1;
        Ok(())
    }

    pub fn rows(&self) -> u32 {
        self.row - 1
    }

    pub fn finish(mut self) -> anyhow::Result<Vec<u8>> {
        self.workbook.save_to_buffer().map_err(err)
    }
}

fn parse_date(s: &str) -> Option<ExcelDateTime> {
    let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    use chrono::Datelike;
    ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8).ok()
}
