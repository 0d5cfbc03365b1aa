//! Reading community population spreadsheets (.xlsx, .xls, .csv in UTF-8 or GBK/GB18030) into normalised rows
//! and a list of problems, one row at a time so that a million rows stay in bounded memory.
//!
//! The header is found by meaning (synonyms such as 身份证号/公民身份号码/证件号码), not by position; title rows
//! above it and a template's comment row under it are skipped. Values are normalised as people type them
//! (dates, sex, yes/no, full-width characters, phones, tags) and what spreadsheets do to data is reported:
//! ID numbers that Excel turned into numbers, placeholder text, traditional characters.
//!
//! This crate knows no database and no HTTP: the server validates each [`Row`] with the form's rules (including
//! the ID-number checksum), checks duplicates and scope, and writes. A row with any [`Severity::Error`] problem
//! must not be imported as it is; its `values` still hold the normalised text, for the report.

pub mod check;
mod csvfile;
mod excel;
pub mod field;
#[doc(hidden)]
pub mod fuzzing;
pub mod header;
pub mod limits;
mod row;
mod sheet;
mod template;
pub mod value;

use std::collections::BTreeMap;
use std::io::{BufReader, Cursor};
use std::ops::ControlFlow;
use std::path::Path;

use serde::Serialize;

pub use field::Field;
pub use header::Layout;
pub use row::{parse_row, Cell};
pub use template::blank_template_xlsx;

/// One data row of a sheet, normalised.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub sheet: String,
    /// 1-based row number, as Excel shows it (for a CSV file: the record number, the header being 1).
    pub row: usize,
    /// Normalised text of every non-empty mapped cell: dates as "YYYY-MM-DD", sex as 男/女, 是否人户分离 as
    /// 是/否, 人员类型 as the registry's 户籍/流动人口/人户分离, tags joined with "、"; when a value could not be
    /// read, the text as typed (and an error problem says why).
    pub values: BTreeMap<Field, String>,
    /// 重点人员 tags, split on , ; 、.
    pub tags: Vec<String>,
    /// 是否人户分离, when given and readable.
    pub separated: Option<bool>,
    /// Fields whose cell has an error problem (the value is kept as typed): the server skips them in its own
    /// checks so that each bad cell is reported once, and checks the others, so that every bad cell of a row
    /// is reported.
    pub invalid: Vec<Field>,
    /// Field → the cell it was read from as the file names it ("C (公民身份号码)"), shared by the sheet's rows.
    #[serde(skip)]
    pub labels: std::sync::Arc<BTreeMap<Field, String>>,
}

impl Row {
    /// The cell a field was read from, named as the file names it ("C (公民身份号码)"); a field the file has
    /// no column for (a second phone split from one cell) is named by its own header.
    pub fn label(&self, f: Field) -> String {
        match self.labels.get(&f) {
            Some(l) => l.clone(),
            None if f == Field::Phone2 => self.label(Field::Phone),
            None => f.header_zh().to_string(),
        }
    }

    /// The normalised value of a field, "" when absent.
    pub fn get(&self, f: Field) -> &str {
        self.values.get(&f).map(String::as_str).unwrap_or("")
    }
}

/// How bad a problem is: an error keeps the row (or the file) from being imported as it is; a warning is
/// shown but does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Severity {
    Error,
    Warning,
}

/// A problem with a cell, a row, a sheet or the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub sheet: String,
    /// 1-based row number (the header row for a column problem, 0 for the whole file).
    pub row: usize,
    /// "C (身份证号)": column letter and the header text as written in the file.
    pub column: Option<String>,
    /// The cell's text as seen.
    pub value: String,
    /// What is wrong and what to do, in Chinese.
    pub message: String,
    pub severity: Severity,
    /// Stable machine code: see [`codes`].
    pub code: &'static str,
}

/// The problem codes.
pub mod codes {
    pub const UNKNOWN_COLUMN: &str = "unknown_column";
    /// Two columns naming one field: a notice saying which one is imported, never a refusal.
    pub const DUPLICATE_COLUMN: &str = "duplicate_column";
    /// A recognised column that is deliberately not imported (唯一标识).
    pub const NOT_IMPORTED_COLUMN: &str = "not_imported_column";
    /// A value the importer changed (a synonym, a code, full-width digits, a second phone): shown, not refused.
    pub const NORMALISED: &str = "normalised";
    /// A yes/no column that disagrees with the columns it summarises (是否已死亡 without a 死亡日期 …).
    pub const INCONSISTENT: &str = "inconsistent";
    pub const MISSING_COLUMN: &str = "missing_column";
    pub const UNNAMED_COLUMN: &str = "unnamed_column";
    pub const NO_HEADER: &str = "no_header";
    pub const ID_DAMAGED: &str = "id_damaged";
    pub const ID_NUMERIC: &str = "id_numeric";
    pub const PLACEHOLDER: &str = "placeholder";
    pub const TRADITIONAL: &str = "traditional";
    pub const DATE_INVALID: &str = "date_invalid";
    pub const SEX_INVALID: &str = "sex_invalid";
    pub const BOOL_INVALID: &str = "bool_invalid";
    pub const PERSON_TYPE_INVALID: &str = "person_type_invalid";
    pub const CELL_ERROR: &str = "cell_error";
    /// A row over [`crate::limits::MAX_ROW_CHARS`].
    pub const ROW_TOO_LONG: &str = "row_too_long";
}

/// What a whole read found, apart from the rows themselves.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    /// The header layout of every sheet that had one, in workbook order.
    pub layouts: Vec<Layout>,
    /// File-, sheet- and column-level problems (unknown, duplicate, missing columns; sheets without a header).
    pub problems: Vec<Problem>,
    /// Data rows passed to `on_row`.
    pub rows: usize,
    /// Whether `on_row` stopped the read early.
    pub stopped: bool,
    /// "xlsx", "xls", "csv-utf8" or "csv-gb18030".
    pub format: &'static str,
    /// Non-empty cells read, over all sheets (bounded by [`limits::MAX_CELLS`]).
    #[serde(skip)]
    pub(crate) cells: u64,
    /// The limit the read stopped at, if any: the read then fails with it.
    #[serde(skip)]
    pub(crate) over: Option<String>,
}

/// Why a file could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("无法读取文件:{0}")]
    Io(#[from] std::io::Error),
    #[error("无法识别的文件格式“{0}”,请上传 .xlsx、.xls 或 .csv 文件")]
    UnknownFormat(String),
    #[error("Excel 文件已损坏或无法解析:{0}")]
    Excel(String),
    #[error("CSV 文件无法解析:{0}")]
    Csv(String),
    /// Over one of the [`limits`]: the message names it.
    #[error("{0}")]
    TooLarge(String),
    #[error("在每个工作表的前10行中都找不到表头(至少需要两个可识别的列名,如“姓名”“身份证号”)")]
    NoHeader,
}

/// The callback that receives each row; return `ControlFlow::Break(())` to stop reading.
pub type OnRow<'a> = dyn FnMut(Row, Vec<Problem>) -> ControlFlow<()> + 'a;

#[derive(Clone, Copy, PartialEq, Debug)]
enum Kind {
    Xlsx,
    Xls,
    Csv,
}

/// The kind of a file, from its first bytes (a renamed file still reads), else from its name.
fn kind(head: &[u8], file_name: &str) -> Result<Kind, ImportError> {
    if head.starts_with(b"PK\x03\x04") {
        return Ok(Kind::Xlsx);
    }
    if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Ok(Kind::Xls);
    }
    let lower = file_name.to_lowercase();
    let ext = lower.rsplit('.').next().unwrap_or("");
    match ext {
        "csv" | "txt" | "tsv" => Ok(Kind::Csv),
        "xlsx" | "xlsm" | "xls" | "et" => Err(ImportError::Excel("文件内容不是 Excel 格式".into())),
        _ => Err(ImportError::UnknownFormat(file_name.to_string())),
    }
}

/// Streams every data row of every sheet that has a recognisable header to `on_row`, with that row's
/// problems; returns the layouts and the file-level problems. Memory stays bounded for .xlsx (cells are
/// streamed; the shared-string table is held) and .csv; an .xls sheet (at most 65,536 rows) is read whole.
pub fn read_path(path: &Path, on_row: &mut OnRow<'_>) -> Result<Summary, ImportError> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut head = [0u8; 8];
    let n = f.read(&mut head)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let k = kind(&head[..n], &name)?;
    let f = std::fs::File::open(path)?;
    let summary = match k {
        Kind::Xlsx => excel::read_xlsx(BufReader::with_capacity(1 << 16, f), on_row)?,
        Kind::Xls => excel::read_xls(BufReader::new(f), on_row)?,
        Kind::Csv => {
            let utf8 = csvfile::is_utf8(BufReader::with_capacity(1 << 16, f))?;
            csvfile::read_csv(std::fs::File::open(path)?, utf8, on_row)?
        }
    };
    finish(summary)
}

/// Like [`read_path`], for a file already in memory (an upload); `file_name` helps tell a CSV file.
pub fn read_bytes(
    bytes: &[u8],
    file_name: &str,
    on_row: &mut OnRow<'_>,
) -> Result<Summary, ImportError> {
    let summary = match kind(bytes, file_name)? {
        Kind::Xlsx => excel::read_xlsx(Cursor::new(bytes), on_row)?,
        Kind::Xls => excel::read_xls(Cursor::new(bytes), on_row)?,
        Kind::Csv => csvfile::read_csv(bytes, std::str::from_utf8(bytes).is_ok(), on_row)?,
    };
    finish(summary)
}

fn finish(summary: Summary) -> Result<Summary, ImportError> {
    if let Some(m) = summary.over {
        return Err(ImportError::TooLarge(m));
    }
    if summary.layouts.is_empty() {
        return Err(ImportError::NoHeader);
    }
    Ok(summary)
}
