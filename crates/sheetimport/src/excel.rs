//! Excel workbooks through calamine: .xlsx cell by cell with its streaming reader (only the shared-string table
//! is held), .xls one sheet at a time (the format holds at most 65,536 rows a sheet).

use std::io::{Read, Seek};
use std::ops::ControlFlow;

use calamine::{Data, DataRef, ExcelDateTime, Reader, Xls, Xlsx};

use crate::row::Cell;
use crate::sheet::SheetReader;
use crate::value::{self, DateError};
use crate::{ImportError, OnRow, Summary};

/// Columns beyond this are ignored (a stray cell far to the right must not allocate a huge row).
const MAX_COLUMNS: usize = 1024;

fn date(dt: &ExcelDateTime) -> Cell {
    if !dt.is_datetime() {
        return Cell::Float(dt.as_f64());
    }
    let (y, m, d, ..) = dt.to_ymd_hms_milli();
    let ymd = (i32::from(y), u32::from(m), u32::from(d));
    Cell::Date(if (y, m, d) == (1900, 2, 29) {
        Err(DateError::Feb29In1900)
    } else if value::valid_ymd(ymd) {
        Ok(ymd)
    } else {
        Err(DateError::Unreadable)
    })
}

fn iso_text(s: &str) -> Cell {
    match value::parse_date(s) {
        Ok(d) => Cell::Date(Ok(d)),
        Err(_) => Cell::Text(s.to_string()),
    }
}

fn from_ref(d: DataRef<'_>) -> Cell {
    match d {
        DataRef::Empty => Cell::Empty,
        DataRef::String(s) => Cell::Text(s),
        DataRef::SharedString(s) => Cell::Text(s.to_string()),
        DataRef::Int(i) => Cell::Int(i),
        DataRef::Float(f) => Cell::Float(f),
        DataRef::Bool(b) => Cell::Bool(b),
        DataRef::DateTime(dt) => date(&dt),
        DataRef::DateTimeIso(s) => iso_text(&s),
        DataRef::DurationIso(s) => Cell::Text(s),
        DataRef::Error(e) => Cell::Error(e.to_string()),
    }
}

fn from_data(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Int(*i),
        Data::Float(f) => Cell::Float(*f),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => date(dt),
        Data::DateTimeIso(s) => iso_text(s),
        Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Error(e.to_string()),
    }
}

fn err(e: impl std::fmt::Display) -> ImportError {
    ImportError::Excel(e.to_string())
}

/// Reads every sheet of an .xlsx workbook, streaming its cells.
pub(crate) fn read_xlsx<RS: Read + Seek>(
    rs: RS,
    on_row: &mut OnRow<'_>,
) -> Result<Summary, ImportError> {
    let mut wb: Xlsx<RS> = Xlsx::new(rs).map_err(err)?;
    let mut summary = Summary {
        format: "xlsx",
        ..Summary::default()
    };
    for name in wb.sheet_names() {
        let mut cells_reader = wb.worksheet_cells_reader(&name).map_err(err)?;
        let mut sheet = SheetReader::new(&name, &mut summary, on_row);
        let mut current: Option<u32> = None;
        let mut cells: Vec<Cell> = Vec::new();
        let mut flow = ControlFlow::Continue(());
        while let Some(cell) = cells_reader.next_cell().map_err(err)? {
            let (r, c) = cell.get_position();
            if current != Some(r) {
                if let Some(prev) = current {
                    flow = sheet.push(prev as usize + 1, std::mem::take(&mut cells));
                    if flow.is_break() {
                        break;
                    }
                }
                current = Some(r);
            }
            let c = c as usize;
            if c < MAX_COLUMNS {
                if cells.len() <= c {
                    cells.resize(c + 1, Cell::Empty);
                }
                cells[c] = from_ref(cell.get_value().clone());
            }
        }
        if flow.is_continue() {
            if let Some(prev) = current {
                flow = sheet.push(prev as usize + 1, cells);
            }
        }
        if flow.is_continue() {
            flow = sheet.finish();
        }
        if flow.is_break() {
            break;
        }
    }
    Ok(summary)
}

/// Reads every sheet of an .xls workbook, one sheet in memory at a time.
pub(crate) fn read_xls<RS: Read + Seek>(
    rs: RS,
    on_row: &mut OnRow<'_>,
) -> Result<Summary, ImportError> {
    let mut wb: Xls<RS> = Xls::new(rs).map_err(err)?;
    let mut summary = Summary {
        format: "xls",
        ..Summary::default()
    };
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).map_err(err)?;
        let (r0, c0) = range.start().unwrap_or((0, 0));
        let mut sheet = SheetReader::new(&name, &mut summary, on_row);
        let mut flow = ControlFlow::Continue(());
        for (i, row) in range.rows().enumerate() {
            let mut cells = vec![Cell::Empty; (c0 as usize).min(MAX_COLUMNS)];
            cells.extend(
                row.iter()
                    .take(MAX_COLUMNS.saturating_sub(c0 as usize))
                    .map(from_data),
            );
            flow = sheet.push(r0 as usize + i + 1, cells);
            if flow.is_break() {
                break;
            }
        }
        if flow.is_continue() {
            flow = sheet.finish();
        }
        if flow.is_break() {
            break;
        }
    }
    Ok(summary)
}
