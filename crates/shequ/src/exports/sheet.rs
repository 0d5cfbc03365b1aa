//! A small wrapper over rust_xlsxwriter for list exports: header row, widths, frozen panes, typed cells, a new
//! worksheet past Excel's row limit, and a [`Writer`] that formats and compresses on a blocking thread.

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
    name: String,
    headers: Vec<(String, f64)>,
    /// The worksheet being written (a new one is started when Excel's row limit is reached).
    index: usize,
    row: u32,
    total: u32,
    max_rows: u32,
    date: Format,
    text: Format,
}

/// `s` as a cell's text: cut with "…(已截断)" at its end when longer than Excel's 32,767 characters (which
/// rust_xlsxwriter refuses).
pub fn cell_text(s: &str) -> std::borrow::Cow<'_, str> {
    reportcheck::xlsx::cell_text(s)
}

/// Rows in an Excel worksheet, the header included.
const EXCEL_MAX_ROWS: u32 = 1_048_576;

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
        let mut sheet = Sheet {
            workbook: Workbook::new(),
            name: name.to_string(),
            headers: headers
                .iter()
                .map(|(h, w)| (h.as_ref().to_string(), *w))
                .collect(),
            index: 0,
            row: 1,
            total: 0,
            max_rows: EXCEL_MAX_ROWS,
            date: Format::new().set_num_format("yyyy-mm-dd"),
            text: Format::new().set_num_format("@"),
        };
        sheet.add_worksheet(name.to_string())?;
        Ok(sheet)
    }

    fn add_worksheet(&mut self, name: String) -> anyhow::Result<()> {
        let ws = self.workbook.add_worksheet_with_constant_memory();
        ws.set_name(name).map_err(err)?;
        let bold = Format::new().set_bold().set_background_color("#F2F2F2");
        for (i, (header, width)) in self.headers.iter().enumerate() {
            ws.set_column_width(i as u16, *width).map_err(err)?;
            ws.write_string_with_format(0, i as u16, header, &bold)
                .map_err(err)?;
        }
        ws.set_freeze_panes(1, 0).map_err(err)?;
        self.row = 1;
        Ok(())
    }

    pub fn push(&mut self, cells: Vec<Cell>) -> anyhow::Result<()> {
        if self.row == self.max_rows {
            // Excel holds 1,048,576 rows a sheet: the list goes on in 人员(2), 人员(3) …
            self.index += 1;
            let name = format!("{}({})", self.name, self.index + 1);
            self.add_worksheet(name)?;
        }
        let row = self.row;
        let ws = self
            .workbook
            .worksheet_from_index(self.index)
            .map_err(err)?;
        for (i, cell) in cells.into_iter().enumerate() {
            let col = i as u16;
            match cell {
                Cell::Text(s) => {
                    ws.write_string_with_format(row, col, cell_text(&s).as_ref(), &self.text)
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
        self.total += 1;
        Ok(())
    }

    /// Data rows written, over all worksheets.
    pub fn rows(&self) -> u32 {
        self.total
    }

    pub fn finish(mut self) -> anyhow::Result<Vec<u8>> {
        self.workbook.save_to_buffer().map_err(err)
    }
}

/// A sheet written on a blocking thread: the caller sends pages of rows and reads the next page from the
/// database meanwhile, and the server's async workers never spend seconds formatting and compressing.
pub struct Writer {
    pages: tokio::sync::mpsc::Sender<Vec<Vec<Cell>>>,
    done: tokio::task::JoinHandle<anyhow::Result<(Vec<u8>, u32)>>,
}

impl Writer {
    pub fn spawn(mut sheet: Sheet) -> Writer {
        let (pages, mut recv) = tokio::sync::mpsc::channel::<Vec<Vec<Cell>>>(2);
        let done = tokio::task::spawn_blocking(move || {
            while let Some(rows) = recv.blocking_recv() {
                for row in rows {
                    sheet.push(row)?;
                }
            }
            let rows = sheet.rows();
            Ok((sheet.finish()?, rows))
        });
        Writer { pages, done }
    }

    /// Hands a page to the writer; false when the writer has stopped on an error, which [`Writer::finish`]
    /// then returns (so the caller stops reading pages).
    pub async fn send(&self, rows: Vec<Vec<Cell>>) -> bool {
        self.pages.send(rows).await.is_ok()
    }

    /// The workbook's bytes and its number of data rows.
    pub async fn finish(self) -> anyhow::Result<(Vec<u8>, u32)> {
        drop(self.pages);
        self.done
            .await
            .map_err(|e| anyhow::anyhow!("xlsx writer: {e}"))?
    }
}

fn parse_date(s: &str) -> Option<ExcelDateTime> {
    let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    use chrono::Datelike;
    ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::Reader;

    #[test]
    fn rows_beyond_a_sheets_limit_go_on_in_the_next_sheet() {
        let mut sheet = Sheet::new(
            "人员",
            &[Column {
                header: "姓名",
                width: 10.0,
            }],
        )
        .unwrap();
        sheet.max_rows = 3; // header + 2 rows a sheet
        for i in 0..5 {
            sheet.push(vec![Cell::Text(format!("p{i}"))]).unwrap();
        }
        assert_eq!(sheet.rows(), 5);
        let bytes = sheet.finish().unwrap();
        let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), vec!["人员", "人员(2)", "人员(3)"]);
        let mut names = Vec::new();
        for n in book.sheet_names() {
            let range = book.worksheet_range(&n).unwrap();
            let rows: Vec<String> = range.rows().map(|r| r[0].to_string()).collect();
            assert_eq!(rows[0], "姓名", "each sheet repeats the header");
            names.extend(rows.into_iter().skip(1));
        }
        assert_eq!(names, vec!["p0", "p1", "p2", "p3", "p4"]);
    }
}
