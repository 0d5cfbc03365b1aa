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

const ADDRESS_LIKE: [Field; 10] = [
    Field::Name,
    Field::Estate,
    Field::Building,
    Field::Unit,
    Field::Room,
    Field::Grid,
    Field::HukouAddress,
    Field::HukouEstate,
    Field::Residence,
    Field::MoveTo,
];

/// The parts of a place: a placeholder anywhere in one of them (not only the whole cell) refuses the row, for
/// the importer would otherwise create an estate, a building or a unit named after it.
const PLACE_PARTS: [Field; 6] = [
    Field::Estate,
    Field::Building,
    Field::Unit,
    Field::Room,
    Field::Grid,
    Field::HouseholdNo,
];

/// Fields whose placeholder is an error (the row is refused), not a warning.
fn placeholder_is_error(f: Field) -> bool {
    matches!(f, Field::Name | Field::IdNumber | Field::OtherIdNumber)
        || f.is_date()
        || PLACE_PARTS.contains(&f)
}

/// Fields answered 是/否.
fn is_bool(f: Field) -> bool {
    matches!(
        f,
        Field::Separated | Field::MovedOut | Field::Dead | Field::KeyPerson
    )
}

/// Parses the mapped cells of one data row (`row` is 1-based). Returns `None` when every mapped cell is blank.
pub fn parse_row(layout: &Layout, row: usize, cells: &[Cell]) -> Option<(Row, Vec<Problem>)> {
    let mut out = Row {
        sheet: layout.sheet.clone(),
        row,
        values: BTreeMap::new(),
        tags: Vec::new(),
        separated: None,
        invalid: Vec::new(),
        labels: layout.labels.clone(),
    };
    let mut problems = Vec::new();
    let mut more_phones: Vec<(usize, String)> = Vec::new();
    for &(col, field) in &layout.columns {
        if field == Field::ExternalId {
            continue;
        }
        let Some(cell) = cells.get(col).filter(|c| !c.is_blank()) else {
            continue;
        };
        let before = problems.len();
        let mut at = At {
            layout,
            row,
            col,
            problems: &mut problems,
        };
        let v = cell_value(&mut at, field, cell, &mut out, &mut more_phones);
        if problems[before..]
            .iter()
            .any(|p| p.severity == Severity::Error)
        {
            out.invalid.push(field);
        }
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            out.values.insert(field, v);
        }
    }
    extra_phones(layout, &mut out, &mut problems, more_phones);
    if out.values.is_empty() && problems.is_empty() {
        return None;
    }
    Some((out, problems))
}

/// Where a problem goes: the row's list, with its sheet, row and column.
struct At<'a> {
    layout: &'a Layout,
    row: usize,
    col: usize,
    problems: &'a mut Vec<Problem>,
}

impl At<'_> {
    fn push(&mut self, code: &'static str, severity: Severity, value: &str, message: String) {
        self.problems.push(Problem {
            sheet: self.layout.sheet.clone(),
            row: self.row,
            column: Some(self.layout.column_label(self.col)),
            value: crate::limits::clip(value, crate::limits::MAX_PROBLEM_VALUE_CHARS),
            message,
            severity,
            code,
        })
    }
}

/// Full-width letters and digits (not the full-width punctuation Chinese text uses every day).
fn has_full_width_alnum(s: &str) -> bool {
    s.chars().any(|c| {
        matches!(c, '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}')
    })
}

/// One cell's normalised value (None: nothing to keep); problems go to `at`.
fn cell_value(
    at: &mut At<'_>,
    field: Field,
    cell: &Cell,
    out: &mut Row,
    more_phones: &mut Vec<(usize, String)>,
) -> Option<String> {
    let header = field.header_zh();
    if let Cell::Error(e) = cell {
        let msg = format!("{header}是Excel错误值{e},请改为实际内容");
        at.push(codes::CELL_ERROR, Severity::Error, e, msg);
        return Some(e.clone());
    }
    let text = cell.text();
    if let Cell::Text(raw) = cell {
        if has_full_width_alnum(raw) {
            let msg = format!("{header}中的全角字母或数字已转为半角:“{text}”");
            at.push(codes::NORMALISED, Severity::Warning, raw, msg);
        }
    }
    if field != Field::Notes {
        let strict = matches!(field, Field::Name | Field::IdNumber | Field::OtherIdNumber);
        let whole = check::is_placeholder(&text, strict);
        if whole || (PLACE_PARTS.contains(&field) && check::has_placeholder_part(&text)) {
            let severity = if placeholder_is_error(field) {
                Severity::Error
            } else {
                Severity::Warning
            };
            let msg = if whole {
                format!("{header}“{text}”是占位内容,请填写实际值")
            } else {
                format!("{header}“{text}”中含占位内容,请填写实际值")
            };
            at.push(codes::PLACEHOLDER, severity, &text, msg);
            return Some(text);
        }
    }
    if ADDRESS_LIKE.contains(&field) {
        let trad = check::traditional_chars(&text);
        if !trad.is_empty() {
            let msg = format!("{header}含繁体字“{trad}”,请确认是否应为简体");
            at.push(codes::TRADITIONAL, Severity::Warning, &text, msg);
        }
    }
    let v = match field {
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
                    at.push(codes::DATE_INVALID, Severity::Error, &text, msg);
                    text
                }
            }
        }
        Field::IdNumber | Field::OtherIdNumber => {
            let id = match cell {
                Cell::Int(i) => check::id_number_cell(*i as f64),
                Cell::Float(x) => check::id_number_cell(*x),
                _ => check::id_text(&text),
            };
            match id {
                IdText::Ok(s) => {
                    if matches!(cell, Cell::Int(_) | Cell::Float(_)) {
                        let msg = format!("{header}是数字格式,请将该列设为文本格式,以免号码被改动");
                        at.push(codes::ID_NUMERIC, Severity::Warning, &text, msg);
                    }
                    s
                }
                IdText::Damaged(s) => {
                    at.push(
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
            Some(s) => {
                if text.chars().all(|c| c.is_ascii_digit()) {
                    let msg = format!("{header}“{text}”是代码,按“{s}”导入");
                    at.push(codes::NORMALISED, Severity::Warning, &text, msg);
                }
                s.to_string()
            }
            None => {
                let msg = format!("{header}“{text}”无法识别,请填写男或女");
                at.push(codes::SEX_INVALID, Severity::Error, &text, msg);
                text
            }
        },
        Field::Phone | Field::Phone2 => {
            let mut numbers = value::split_phones(&text);
            if numbers.len() > 1 {
                let first = numbers.remove(0);
                more_phones.extend(numbers.into_iter().map(|n| (at.col, n)));
                first
            } else {
                value::normalize_phone(&text)
            }
        }
        f if is_bool(f) => {
            let b = match cell {
                Cell::Bool(b) => Some(*b),
                _ => value::parse_bool(&text),
            };
            match b {
                Some(b) => {
                    if f == Field::Separated {
                        out.separated = Some(b);
                    }
                    if b { "是" } else { "否" }.to_string()
                }
                None => {
                    let msg = format!("{header}“{text}”无法识别,请填写是或否");
                    at.push(codes::BOOL_INVALID, Severity::Error, &text, msg);
                    text
                }
            }
        }
        Field::PersonType => match value::person_type(&text) {
            Some(t) => {
                if !matches!(text.as_str(), "常住人口" | "户籍" | "流动人口" | "人户分离")
                {
                    let msg = format!("{header}“{text}”按“{t}”导入");
                    at.push(codes::NORMALISED, Severity::Warning, &text, msg);
                }
                t.to_string()
            }
            None => {
                let msg = format!("{header}“{text}”无法识别,请填写常住人口、流动人口或人户分离");
                at.push(codes::PERSON_TYPE_INVALID, Severity::Error, &text, msg);
                text
            }
        },
        Field::Tags => {
            out.tags = value::split_tags(&text);
            out.tags.join("、")
        }
        _ => text,
    };
    Some(v)
}

/// A phone cell holding two numbers ("138…、139…"): the second becomes 备用电话 when the row has none, any
/// other goes to 备注 — each with a notice, nothing dropped.
fn extra_phones(
    layout: &Layout,
    out: &mut Row,
    problems: &mut Vec<Problem>,
    more: Vec<(usize, String)>,
) {
    for (col, n) in more {
        let mut at = At {
            layout,
            row: out.row,
            col,
            problems,
        };
        if let std::collections::btree_map::Entry::Vacant(e) = out.values.entry(Field::Phone2) {
            let msg = format!("一个单元格中有多个电话号码,“{n}”记为备用电话");
            at.push(codes::NORMALISED, Severity::Warning, &n, msg);
            e.insert(n);
        } else {
            let msg = format!("一个单元格中有多个电话号码,“{n}”记入备注");
            at.push(codes::NORMALISED, Severity::Warning, &n, msg);
            let notes = out.values.entry(Field::Notes).or_default();
            if !notes.is_empty() {
                notes.push(';');
            }
            notes.push_str(&format!("其他电话:{n}"));
        }
    }
}
