//! One sheet as a stream of rows: the first rows are held until the header is found, then every row is parsed
//! and handed on at once, so a sheet of any length is read in bounded memory.

use std::ops::ControlFlow;

use crate::header::{self, Layout, HEADER_SEARCH_ROWS};
use crate::limits::{self, MAX_PROBLEM_VALUE_CHARS, MAX_ROWS, MAX_ROW_CHARS, MAX_SHEET_NAME_CHARS};
use crate::row::{parse_row, Cell};
use crate::{codes, Field, OnRow, Problem, Row, Severity, Summary};

/// Characters of a cell as read (counted in bytes first: a character is at least one).
fn cell_chars(c: &Cell) -> usize {
    match c {
        Cell::Text(s) | Cell::Error(s) => s.len(),
        _ => 0,
    }
}

/// One row's cells as they are read, until they hold more than [`MAX_ROW_CHARS`] characters: then they are
/// dropped and only counted.
#[derive(Default)]
pub(crate) struct RowCells {
    cells: Vec<Cell>,
    /// Bytes of text so far (an upper bound of its characters).
    bytes: usize,
    oversized: Option<usize>,
}

impl RowCells {
    pub(crate) fn set(&mut self, c: usize, cell: Cell) {
        if c >= limits::MAX_COLUMNS {
            // A stray cell far to the right must not allocate a huge row.
            return;
        }
        if let Some(n) = self.oversized.as_mut() {
            *n += cell_chars(&cell);
            return;
        }
        self.bytes += cell_chars(&cell);
        if self.cells.len() <= c {
            self.cells.resize(c + 1, Cell::Empty);
        }
        self.cells[c] = cell;
        if self.bytes > MAX_ROW_CHARS {
            let chars: usize = self
                .cells
                .iter()
                .map(|c| match c {
                    Cell::Text(s) | Cell::Error(s) => s.chars().count(),
                    _ => 0,
                })
                .sum();
            if chars > MAX_ROW_CHARS {
                self.cells = Vec::new();
                self.oversized = Some(chars);
            } else {
                self.bytes = chars;
            }
        }
    }

    /// Hands the row to the sheet.
    pub(crate) fn push(self, sheet: &mut SheetReader<'_, '_, '_>, row: usize) -> ControlFlow<()> {
        match self.oversized {
            Some(chars) => sheet.push_oversized(row, chars),
            None => sheet.push(row, self.cells),
        }
    }
}

/// Receives the rows of one sheet in order and passes parsed rows to `on_row`.
pub(crate) struct SheetReader<'s, 'f, 'a> {
    name: String,
    summary: &'s mut Summary,
    on_row: &'f mut OnRow<'a>,
    /// Non-empty rows held while looking for the header: (1-based row, cells).
    /// An oversized row (see [`SheetReader::push_oversized`]) is held with no cells and its characters.
    pending: Vec<(usize, Vec<Cell>, Option<usize>)>,
    layout: Option<Layout>,
    /// Whether the next non-empty row may be the comment row.
    comment_possible: bool,
    /// Columns without a header where data was found (reported once each).
    unnamed_seen: Vec<usize>,
    /// Whether the sheet had any non-empty cell.
    any: bool,
}

impl<'s, 'f, 'a> SheetReader<'s, 'f, 'a> {
    pub fn new(name: &str, summary: &'s mut Summary, on_row: &'f mut OnRow<'a>) -> Self {
        SheetReader {
            name: limits::clip(name, MAX_SHEET_NAME_CHARS),
            summary,
            on_row,
            pending: Vec::new(),
            layout: None,
            comment_possible: false,
            unnamed_seen: Vec::new(),
            any: false,
        }
    }

    /// The next row of the sheet (1-based `row`, rows in increasing order; gaps are empty rows).
    pub fn push(&mut self, row: usize, cells: Vec<Cell>) -> ControlFlow<()> {
        if cells.iter().all(Cell::is_blank) {
            return ControlFlow::Continue(());
        }
        self.any = true;
        if self.layout.is_some() {
            return self.data(row, cells);
        }
        self.pending.push((row, cells, None));
        if self.pending.len() >= HEADER_SEARCH_ROWS {
            return self.decide();
        }
        ControlFlow::Continue(())
    }

    /// A row whose cells hold more than [`limits::MAX_ROW_CHARS`] characters (at least `chars`); its cells
    /// were dropped while reading. Below the header it is an error row (counted, not imported); in a sheet
    /// without a header it is skipped like every row.
    pub fn push_oversized(&mut self, row: usize, chars: usize) -> ControlFlow<()> {
        self.any = true;
        if self.summary.stopped {
            return ControlFlow::Continue(());
        }
        if self.layout.is_none() {
            // Still looking for the header: held (it cannot be the header) and decided with the others.
            self.pending.push((row, Vec::new(), Some(chars)));
            if self.pending.len() >= HEADER_SEARCH_ROWS {
                return self.decide();
            }
            return ControlFlow::Continue(());
        }
        let msg = limits::row_too_long_message(chars);
        let Some(layout) = self.layout.as_ref().filter(|l| l.header_row > 0) else {
            return ControlFlow::Continue(());
        };
        let r = Row {
            sheet: layout.sheet.clone(),
            row,
            values: Default::default(),
            tags: Vec::new(),
            separated: None,
            invalid: Vec::new(),
            labels: layout.labels.clone(),
        };
        let p = Problem {
            sheet: self.name.clone(),
            row,
            column: None,
            value: String::new(),
            message: msg,
            severity: Severity::Error,
            code: codes::ROW_TOO_LONG,
        };
        self.comment_possible = false;
        self.emit(r, vec![p])
    }

    /// Hands a parsed row on, counting it against [`MAX_ROWS`].
    fn emit(&mut self, r: Row, problems: Vec<Problem>) -> ControlFlow<()> {
        if self.summary.rows >= MAX_ROWS {
            self.summary.over = Some(limits::too_many_rows().to_string());
            return ControlFlow::Break(());
        }
        self.summary.rows += 1;
        if (self.on_row)(r, problems).is_break() {
            self.summary.stopped = true;
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }

    /// Counts `n` more cells read; true (and the read is to stop) when the file has more than
    /// [`limits::MAX_CELLS`].
    pub fn cells_over(&mut self, n: u64) -> bool {
        self.summary.cells += n;
        if self.summary.cells > limits::MAX_CELLS {
            self.summary.over = Some(limits::too_many_cells().to_string());
            return true;
        }
        false
    }

    /// The end of the sheet.
    pub fn finish(mut self) -> ControlFlow<()> {
        if self.layout.is_none() {
            self.decide()?;
        }
        ControlFlow::Continue(())
    }

    fn problem(
        &mut self,
        row: usize,
        column: Option<String>,
        value: &str,
        code: &'static str,
        sev: Severity,
        msg: String,
    ) {
        self.summary.problems.push(Problem {
            sheet: self.name.clone(),
            row,
            column,
            value: limits::clip(value, MAX_PROBLEM_VALUE_CHARS),
            message: msg,
            severity: sev,
            code,
        });
    }

    /// Picks the header among the held rows, reports the layout's problems and parses the rows after it.
    fn decide(&mut self) -> ControlFlow<()> {
        let pending = std::mem::take(&mut self.pending);
        let texts: Vec<(usize, Vec<String>)> = pending
            .iter()
            .map(|(r, cells, _)| (*r, cells.iter().map(Cell::text).collect()))
            .collect();
        let Some(i) = header::find_header(&texts) else {
            if self.any {
                let msg = format!(
                    "工作表“{}”的前{HEADER_SEARCH_ROWS}行中找不到表头,已跳过",
                    self.name
                );
                self.problem(0, None, "", codes::NO_HEADER, Severity::Warning, msg);
            }
            // an empty sheet, or one without a header: nothing more is read from it
            self.layout = Some(header::layout("", 0, &[]));
            self.comment_possible = false;
            return ControlFlow::Continue(());
        };
        let (header_row, header_cells) = &texts[i];
        let layout = header::layout(&self.name, *header_row, header_cells);
        for (col, text) in &layout.unknown {
            let msg = format!("列“{text}”不是可识别的列名,该列内容不会导入");
            self.problem(
                *header_row,
                Some(layout.column_label(*col)),
                text,
                codes::UNKNOWN_COLUMN,
                Severity::Warning,
                msg,
            );
        }
        for (col, text) in &layout.duplicate {
            let msg = match header::winner_of(&layout, text) {
                Some(w) => format!(
                    "列“{text}”与列{}表示同一项,导入的是列{},本列不导入",
                    layout.column_label(w),
                    header::column_letter(w)
                ),
                None => format!("列“{text}”与其他列表示同一项,本列不导入"),
            };
            self.problem(
                *header_row,
                Some(layout.column_label(*col)),
                text,
                codes::DUPLICATE_COLUMN,
                Severity::Warning,
                msg,
            );
        }
        for &(col, f) in &layout.columns {
            if f == Field::ExternalId {
                let text = &layout.headers[col];
                let msg = format!("列“{text}”是原系统的编号,不导入(人员按证件号码匹配)");
                self.problem(
                    *header_row,
                    Some(layout.column_label(col)),
                    text,
                    codes::NOT_IMPORTED_COLUMN,
                    Severity::Warning,
                    msg,
                );
            }
        }
        if !layout.columns.iter().any(|c| c.1 == Field::Name) {
            let msg = "缺少“姓名”列".to_string();
            self.problem(
                *header_row,
                None,
                "",
                codes::MISSING_COLUMN,
                Severity::Error,
                msg,
            );
        }
        self.summary.layouts.push(layout.clone());
        self.layout = Some(layout);
        self.comment_possible = true;
        for (row, cells, oversized) in pending.into_iter().skip(i + 1) {
            match oversized {
                Some(chars) => self.push_oversized(row, chars)?,
                None => self.data(row, cells)?,
            }
        }
        ControlFlow::Continue(())
    }

    fn data(&mut self, row: usize, cells: Vec<Cell>) -> ControlFlow<()> {
        let Some(layout) = self.layout.take() else {
            return ControlFlow::Continue(());
        };
        let flow = self.data_with(&layout, row, &cells);
        if self.layout.is_none() {
            self.layout = Some(layout);
        }
        flow
    }

    fn data_with(&mut self, layout: &Layout, row: usize, cells: &[Cell]) -> ControlFlow<()> {
        if layout.header_row == 0 || self.summary.stopped {
            return ControlFlow::Continue(());
        }
        if std::mem::take(&mut self.comment_possible) {
            let texts: Vec<String> = cells.iter().map(Cell::text).collect();
            if header::is_comment_row(&texts, layout) {
                let mut l = layout.clone();
                l.comment_row = Some(row);
                if let Some(last) = self.summary.layouts.last_mut() {
                    last.comment_row = Some(row);
                }
                self.layout = Some(l);
                return ControlFlow::Continue(());
            }
        }
        for (col, cell) in cells.iter().enumerate() {
            let unnamed = layout.headers.get(col).is_none_or(|h| h.is_empty());
            if unnamed
                && !cell.is_blank()
                && !self.unnamed_seen.contains(&col)
                && self.unnamed_seen.len() < 100
            {
                self.unnamed_seen.push(col);
                let label = format!("{} ()", header::column_letter(col));
                let msg = "该列没有列名,内容不会导入;如需导入请补上列名".to_string();
                self.problem(
                    row,
                    Some(label),
                    &cell.text(),
                    codes::UNNAMED_COLUMN,
                    Severity::Warning,
                    msg,
                );
            }
        }
        if let Some((r, problems)) = parse_row(layout, row, cells) {
            return self.emit(r, problems);
        }
        ControlFlow::Continue(())
    }
}
