//! Finding the header by meaning: which of the first rows is the header, which field each header cell names,
//! and whether the row under it is a template's comment row.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Serialize;

use crate::field::Field;
use crate::value::normalize;

/// How many rows from the top of a sheet are searched for the header.
pub const HEADER_SEARCH_ROWS: usize = 10;

/// Where a sheet's header is and what each column means.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Layout {
    pub sheet: String,
    /// 1-based row number of the header, as Excel shows it.
    pub header_row: usize,
    /// 1-based row number of the comment row under the header, if there is one.
    pub comment_row: Option<usize>,
    /// 0-based column index → field, in column order.
    pub columns: Vec<(usize, Field)>,
    /// 0-based column index → header text of columns that name no known field.
    pub unknown: Vec<(usize, String)>,
    /// 0-based column index → header text of columns naming a field that an earlier column already names.
    pub duplicate: Vec<(usize, String)>,
    /// Header text of every column, by 0-based index ("" for an empty header cell).
    pub headers: Vec<String>,
    /// Field → "C (公民身份号码)": the cell a field was read from, as the file names it (for the notices the
    /// server adds to a row).
    #[serde(skip)]
    pub labels: std::sync::Arc<std::collections::BTreeMap<Field, String>>,
}

impl Layout {
    /// "C (身份证号)": the column letter and the header text as written in the file.
    pub fn column_label(&self, col: usize) -> String {
        let h = self.headers.get(col).map(String::as_str).unwrap_or("");
        format!("{} ({h})", column_letter(col))
    }
}

/// 0 → "A", 25 → "Z", 26 → "AA".
pub fn column_letter(mut col: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// A header cell reduced to what it means: half-width, no spaces, no "*" or "必填"/"选填" markers, no text in
/// brackets ((…) （…） […] 【…】 <…>), no trailing colon, lower-case.
pub fn header_key(text: &str) -> String {
    let t = normalize(text);
    let mut out = String::with_capacity(t.len());
    let mut depth = 0usize;
    for c in t.chars() {
        match c {
            '(' | '[' | '【' | '<' | '《' | '〔' => depth += 1,
            ')' | ']' | '】' | '>' | '》' | '〕' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            c if c.is_whitespace() || matches!(c, '*' | '※' | ':' | '：' | '#') => {}
            c => out.extend(c.to_lowercase()),
        }
    }
    // markers before or after the name, possibly repeated: "必填姓名", "姓名必填", "选填电话选填"
    loop {
        let before = out.len();
        for marker in ["必填项", "必填", "选填"] {
            if out.len() > marker.len() {
                if let Some(s) = out.strip_suffix(marker) {
                    out = s.to_string();
                }
            }
            if out.len() > marker.len() {
                if let Some(s) = out.strip_prefix(marker) {
                    out = s.to_string();
                }
            }
        }
        if out.len() == before {
            break;
        }
    }
    out
}

fn synonym_map() -> &'static HashMap<String, Field> {
    static MAP: OnceLock<HashMap<String, Field>> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut m = HashMap::new();
        for f in Field::MAPPED {
            for s in f.synonyms() {
                m.entry(header_key(s)).or_insert(f);
            }
        }
        m
    })
}

/// The field a header cell names, if any.
pub fn field_for_header(text: &str) -> Option<Field> {
    synonym_map().get(&header_key(text)).copied()
}

/// How many distinct fields a row's cells name; a header row names at least two.
pub fn header_score(cells: &[String]) -> usize {
    let mut seen: Vec<Field> = cells.iter().filter_map(|c| field_for_header(c)).collect();
    seen.sort();
    seen.dedup();
    seen.len()
}

/// Picks the header among the first rows (`(1-based row, cells)`): the row naming the most fields, at least two,
/// the earliest on a tie. Rows above it (titles, merged banners) are skipped.
pub fn find_header(rows: &[(usize, Vec<String>)]) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for (i, (_, cells)) in rows.iter().enumerate().take(HEADER_SEARCH_ROWS) {
        let s = header_score(cells);
        if s >= 2 && best.is_none_or(|(_, b)| s > b) {
            best = Some((i, s));
        }
    }
    best.map(|(i, _)| i)
}

/// Maps a header row. A second column naming [`Field::Phone`] becomes [`Field::Phone2`] when that is free.
/// When two columns name one field, the header listed first among the field's synonyms wins, whatever its
/// position (户号 over 户编号, 与户主关系 over 与其他人员关系); on a tie the first column wins. The other column
/// is listed in `duplicate` (the file is still read: the dry run says which column was taken).
pub fn layout(sheet: &str, header_row: usize, cells: &[String]) -> Layout {
    let mut l = Layout {
        sheet: sheet.to_string(),
        header_row,
        comment_row: None,
        columns: Vec::new(),
        unknown: Vec::new(),
        duplicate: Vec::new(),
        headers: cells.iter().map(|c| normalize(c)).collect(),
        labels: Default::default(),
    };
    for (col, text) in l.headers.iter().enumerate() {
        if text.is_empty() {
            continue;
        }
        let key = header_key(text);
        let Some(mut f) = synonym_map().get(&key).copied() else {
            l.unknown.push((col, text.clone()));
            continue;
        };
        let held = |f: Field, cols: &[(usize, Field)]| cols.iter().position(|&(_, g)| g == f);
        if f == Field::Phone
            && held(f, &l.columns).is_some()
            && held(Field::Phone2, &l.columns).is_none()
        {
            f = Field::Phone2;
        }
        match held(f, &l.columns) {
            None => l.columns.push((col, f)),
            Some(i) => {
                let (other, _) = l.columns[i];
                let other_rank = f.rank(&header_key(&l.headers[other]));
                if f.rank(&key) < other_rank {
                    l.columns[i] = (col, f);
                    l.duplicate.push((other, l.headers[other].clone()));
                } else {
                    l.duplicate.push((col, text.clone()));
                }
            }
        }
    }
    l.columns.sort_by_key(|c| c.0);
    l.duplicate.sort_by_key(|c| c.0);
    l.labels = std::sync::Arc::new(
        l.columns
            .iter()
            .map(|&(col, f)| (f, l.column_label(col)))
            .collect(),
    );
    l
}

/// The column that was taken for the field a duplicate column names.
pub fn winner_of(layout: &Layout, duplicate_text: &str) -> Option<usize> {
    let f = field_for_header(duplicate_text)?;
    layout
        .columns
        .iter()
        .find(|c| c.1 == f || (f == Field::Phone && c.1 == Field::Phone2))
        .map(|c| c.0)
}

/// Whether the row under the header explains the columns instead of holding a person: most of its non-empty
/// cells read like instructions ("请填写18位身份证号", "格式:2023-01-05", "如:汉族", "必填", "男/女").
pub fn is_comment_row(cells: &[String], layout: &Layout) -> bool {
    const WORDS: [&str; 14] = [
        "请", "填写", "格式", "如:", "例", "必填", "选填", "可填", "可选", "说明", "注:", "分隔",
        "不填", "默认",
    ];
    let mut filled = 0;
    let mut comments = 0;
    for (col, cell) in cells.iter().enumerate() {
        let t = normalize(cell);
        if t.is_empty() {
            continue;
        }
        filled += 1;
        let hint = layout
            .columns
            .iter()
            .find(|c| c.0 == col)
            .map(|c| c.1.hint_zh());
        if hint == Some(t.as_str())
            || WORDS.iter().any(|w| t.contains(w))
            || t == "男/女"
            || t == "是/否"
        {
            comments += 1;
        }
    }
    filled > 0 && comments * 2 >= filled
}
