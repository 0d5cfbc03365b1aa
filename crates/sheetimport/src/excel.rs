//! Excel workbooks through calamine: .xlsx cell by cell with its streaming reader (only the shared-string table
//! is held), .xls one sheet at a time (the format holds at most 65,536 rows a sheet).

use std::io::{Read, Seek, SeekFrom};
use std::ops::ControlFlow;

use calamine::{Data, DataRef, ExcelDateTime, Reader, Xls, Xlsx};

use crate::limits;
use crate::row::Cell;
use crate::sheet::{RowCells, SheetReader};
use crate::value::{self, DateError};
use crate::{ImportError, OnRow, Summary};

use crate::limits::MAX_COLUMNS;

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

/// Reads every sheet of an .xlsx workbook, streaming its cells. The archive is checked against the
/// [`limits`] first ([`limits::check_xlsx`]); rows, cells and each row's characters are counted as they
/// are read.
pub(crate) fn read_xlsx<RS: Read + Seek>(
    mut rs: RS,
    on_row: &mut OnRow<'_>,
) -> Result<Summary, ImportError> {
    limits::check_xlsx(&mut rs)?;
    rs.seek(SeekFrom::Start(0))?;
    let mut wb: Xlsx<RS> = Xlsx::new(rs).map_err(err)?;
    let mut summary = Summary {
        format: "xlsx",
        ..Summary::default()
    };
    for name in wb.sheet_names() {
        let mut cells_reader = wb.worksheet_cells_reader(&name).map_err(err)?;
        let mut sheet = SheetReader::new(&name, &mut summary, on_row);
        let mut current: Option<u32> = None;
        let mut cells = RowCells::default();
        let mut flow = ControlFlow::Continue(());
        let mut count = 0u64;
        while let Some(cell) = cells_reader.next_cell().map_err(err)? {
            count += 1;
            if count.is_multiple_of(4096) && sheet.cells_over(4096) {
                flow = ControlFlow::Break(());
                break;
            }
            let (r, c) = cell.get_position();
            if current != Some(r) {
                if let Some(prev) = current {
                    flow = std::mem::take(&mut cells).push(&mut sheet, prev as usize + 1);
                    if flow.is_break() {
                        break;
                    }
                }
                current = Some(r);
            }
            let c = c as usize;
            if c < MAX_COLUMNS {
                cells.set(c, from_ref(cell.get_value().clone()));
            }
        }
        if flow.is_continue() && sheet.cells_over(count % 4096) {
            flow = ControlFlow::Break(());
        }
        if flow.is_continue() {
            if let Some(prev) = current {
                flow = cells.push(&mut sheet, prev as usize + 1);
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
            let mut cells = RowCells::default();
            let first = c0 as usize;
            for (j, d) in row.iter().enumerate() {
                if first + j >= MAX_COLUMNS {
                    break;
                }
                if !matches!(d, Data::Empty) {
                    cells.set(first + j, from_data(d));
                }
            }
            if sheet.cells_over(row.len() as u64) {
                flow = ControlFlow::Break(());
                break;
            }
            flow = cells.push(&mut sheet, r0 as usize + i + 1);
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
