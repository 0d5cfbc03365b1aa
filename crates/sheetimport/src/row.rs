//! One data row: each mapped cell turned into normalised text, with a problem for every value that could not
//! be read or that looks wrong.

use std::collections::BTreeMap;

use crate::check::{self, IdText};
use crate::codes;
use crate::field::Field;
use crate::header::Layout;
use crate::value::{self, DateError, Ymd};
use crate::{Problem, Row, Severity};

/// A cell as the file holds it: text in CSV files; typed values in Excel files.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// A date-formatted cell, already converted (Excel's 1900-02-29 is an error).
    Date(Result<Ymd, DateError>),
    /// An Excel error value such as "#N/A".
    Error(String),
}

impl Cell {
    /// The cell as text, as Excel would show it in a plain cell.
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => value::normalize(s),
            Cell::Int(i) => i.to_string(),
            Cell::Float(f) => value::number_text(*f),
            Cell::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
            Cell::Date(Ok(d)) => value::iso(*d),
            Cell::Date(Err(_)) => "1900-02-29".to_string(),
            Cell::Error(e) => e.clone(),
        }
    }

    /// Whether the cell holds nothing (or only spaces).
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => s.chars().all(|c| c.is_whitespace() || c == '\u{FEFF}'),
            _ => false,
        }
    }
}

const ADDRESS_LIKE: [Field; 8] = [
    Field::Name,
    Field::Estate,
    Field::Building,
    Field::Unit,
    Field::Room,
    Field::Grid,
    Field::HukouAddress,
    Field::Residence,
];

/// Parses the mapped cells of one data row (`row` is 1-based). Returns `None` when every mapped cell is blank.
pub fn parse_row(layout: &Layout, row: usize, cells: &[Cell]) -> Option<(Row, Vec<Problem>)> {
    let mut out = Row {
        sheet: layout.sheet.clone(),
        row,
        values: BTreeMap::new(),
        tags: Vec::new(),
        separated: None,
    };
    let mut problems = Vec::new();
    for &(col, field) in &layout.columns {
        let Some(cell) = cells.get(col).filter(|c| !c.is_blank()) else {
            continue;
        };
        let mut problem = |code: &'static str, severity: Severity, value: &str, message: String| {
            problems.push(Problem {
                sheet: layout.sheet.clone(),
                row,
                column: Some(layout.column_label(col)),
                value: crate::limits::clip(value, crate::limits::MAX_PROBLEM_VALUE_CHARS),
                message,
                severity,
                code,
            })
        };
        let header = field.header_zh();
        if let Cell::Error(e) = cell {
            problem(
                codes::CELL_ERROR,
                Severity::Error,
                e,
                format!("{header}是Excel错误值{e},请改为实际内容"),
            );
            out.values.insert(field, e.clone());
            continue;
        }
        let text = cell.text();
        if field != Field::Notes
            && check::is_placeholder(&text, matches!(field, Field::Name | Field::IdNumber))
        {
            let severity = if matches!(field, Field::Name | Field::IdNumber) || field.is_date() {
                Severity::Error
            } else {
                Severity::Warning
            };
            problem(
                codes::PLACEHOLDER,
                severity,
                &text,
                format!("{header}“{text}”是占位内容,请填写实际值"),
            );
            out.values.insert(field, text);
            continue;
        }
        if ADDRESS_LIKE.contains(&field) {
            let trad = check::traditional_chars(&text);
            if !trad.is_empty() {
                problem(
                    codes::TRADITIONAL,
                    Severity::Warning,
                    &text,
                    format!("{header}含繁体字“{trad}”,请确认是否应为简体"),
                );
            }
        }
        let normalised = match field {
            f if f.is_date() => {
                let parsed = match cell {
                    Cell::Date(d) => *d,
                    Cell::Int(i) => value::excel_serial(*i as f64),
                    Cell::Float(x) => value::excel_serial(*x),
                    _ => value::parse_date(&text),
                };
                match parsed {
                    Ok(d) => value::iso(d),
                    Err(e) => {
                        let why = match e {
                            DateError::Feb29In1900 => {
                                "1900年2月29日并不存在(Excel的历史错误)".to_string()
                            }
                            DateError::Unreadable => "不是有效日期".to_string(),
                        };
                        let msg = format!("{header}“{text}”{why},请按2023-01-05的格式填写");
                        problem(codes::DATE_INVALID, Severity::Error, &text, msg);
                        text
                    }
                }
            }
            Field::IdNumber => {
                let id = match cell {
                    Cell::Int(i) => check::id_number_cell(*i as f64),
                    Cell::Float(x) => check::id_number_cell(*x),
                    _ => check::id_text(&text),
                };
                match id {
                    IdText::Ok(s) => {
                        if matches!(cell, Cell::Int(_) | Cell::Float(_)) {
                            let msg =
                                format!("{header}是数字格式,请将该列设为文本格式,以免号码被改动");
                            problem(codes::ID_NUMERIC, Severity::Warning, &text, msg);
                        }
                        s
                    }
                    IdText::Damaged(s) => {
                        problem(
                            codes::ID_DAMAGED,
                            Severity::Error,
                            &s,
                            check::DAMAGED_ID.to_string(),
                        );
                        s
                    }
                }
            }
            Field::Sex => match value::parse_sex(&text) {
                Some(s) => s.to_string(),
                None => {
                    let msg = format!("{header}“{text}”无法识别,请填写男或女");
                    problem(codes::SEX_INVALID, Severity::Error, &text, msg);
                    text
                }
            },
            Field::Phone | Field::Phone2 => value::normalize_phone(&text),
            Field::Separated => {
                let b = match cell {
                    Cell::Bool(b) => Some(*b),
                    _ => value::parse_bool(&text),
                };
                match b {
                    Some(b) => {
                        out.separated = Some(b);
                        if b { "是" } else { "否" }.to_string()
                    }
                    None => {
                        let msg = format!("{header}“{text}”无法识别,请填写是或否");
                        problem(codes::BOOL_INVALID, Severity::Error, &text, msg);
                        text
                    }
                }
            }
            Field::PersonType => match value::person_type(&text) {
                Some(t) => t.to_string(),
                None => {
                    let msg =
                        format!("{header}“{text}”无法识别,请填写常住人口、流动人口或人户分离");
                    problem(codes::PERSON_TYPE_INVALID, Severity::Error, &text, msg);
                    text
                }
            },
            Field::Tags => {
                out.tags = value::split_tags(&text);
                out.tags.join("、")
            }
            _ => text,
        };
        if !normalised.is_empty() {
            out.values.insert(field, normalised);
        }
    }
    if out.values.is_empty() && problems.is_empty() {
        return None;
    }
    Some((out, problems))
}
