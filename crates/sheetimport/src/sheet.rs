//! One sheet as a stream of rows: the first rows are held until the header is found, then every row is parsed
//! and handed on at once, so a sheet of any length is read in bounded memory.

use std::ops::ControlFlow;

use crate::header::{self, Layout, HEADER_SEARCH_ROWS};
use crate::row::{parse_row, Cell};
use crate::{codes, Field, OnRow, Problem, Severity, Summary};

/// Receives the rows of one sheet in order and passes parsed rows to `on_row`.
pub(crate) struct SheetReader<'s, 'f, 'a> {
    name: String,
    summary: &'s mut Summary,
    on_row: &'f mut OnRow<'a>,
    /// Non-empty rows held while looking for the header: (1-based row, cells).
    pending: Vec<(usize, Vec<Cell>)>,
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
            name: name.to_string(),
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
        self.pending.push((row, cells));
        if self.pending.len() >= HEADER_SEARCH_ROWS {
            return self.decide();
        }
        ControlFlow::Continue(())
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
            value: value.to_string(),
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
            .map(|(r, cells)| (*r, cells.iter().map(Cell::text).collect()))
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
            let msg = format!("列“{text}”与前面的列重复,只导入第一列");
            self.problem(
                *header_row,
                Some(layout.column_label(*col)),
                text,
                codes::DUPLICATE_COLUMN,
                Severity::Error,
                msg,
            );
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
        for (row, cells) in pending.into_iter().skip(i + 1) {
            self.data(row, cells)?;
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
            self.summary.rows += 1;
            if (self.on_row)(r, problems).is_break() {
                self.summary.stopped = true;
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    }
}
