//! Entry points shared by the cargo-fuzz targets (`fuzz/`) and the seeded randomized test: each feeds
//! arbitrary input to the header mapper, the value parsers or the CSV reader, asserting only invariants.

use std::ops::ControlFlow;

use crate::row::{parse_row, Cell};
use crate::{check, header, value, Field};

/// Header mapping of one text and of a row of texts split on '|'.
pub fn headers(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let key = header::header_key(&text);
    assert_eq!(header::header_key(&key), key, "header_key is idempotent");
    if let Some(f) = header::field_for_header(&text) {
        assert!(Field::ALL.contains(&f));
    }
    let cells: Vec<String> = text.split('|').map(str::to_string).collect();
    let layout = header::layout("S", 1, &cells);
    assert!(layout.columns.len() + layout.unknown.len() + layout.duplicate.len() <= cells.len());
    let _ = header::is_comment_row(&cells, &layout);
    let _ = header::find_header(&[(1, cells.clone()), (2, cells)]);
}

/// Every value parser on one text, and one row of such cells through the full-layout row parser.
pub fn values(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let n = value::normalize(&text);
    assert_eq!(value::normalize(&n), n, "normalize is idempotent");
    if let Ok(d) = value::parse_date(&text) {
        assert!(value::valid_ymd(d));
        assert_eq!(value::iso(d).len(), 10);
    }
    if data.len() >= 8 {
        let f = f64::from_le_bytes(data[..8].try_into().unwrap_or([0; 8]));
        if let Ok(d) = value::excel_serial(f) {
            assert!(value::valid_ymd(d));
        }
        let _ = check::id_number_cell(f);
        let _ = value::number_text(f);
    }
    let _ = value::parse_sex(&text);
    let _ = value::parse_bool(&text);
    let _ = value::normalize_phone(&text);
    assert!(value::split_tags(&text).iter().all(|t| !t.is_empty()));
    let _ = value::person_type(&text);
    let _ = check::id_text(&text);
    let _ = check::is_placeholder(&text, true);
    let _ = check::traditional_chars(&text);
    let headers: Vec<String> = Field::ALL
        .iter()
        .map(|f| f.header_zh().to_string())
        .collect();
    let layout = header::layout("S", 1, &headers);
    let cells: Vec<Cell> = Field::ALL
        .iter()
        .map(|_| Cell::Text(text.to_string()))
        .collect();
    if let Some((row, problems)) = parse_row(&layout, 2, &cells) {
        assert_eq!(row.row, 2);
        assert!(problems.iter().all(|p| p.row == 2 && p.column.is_some()));
    }
}

/// Arbitrary bytes as a CSV upload.
pub fn csv(data: &[u8]) {
    let _ = crate::read_bytes(data, "fuzz.csv", &mut |row, _| {
        assert!(row.row >= 2);
        ControlFlow::Continue(())
    });
}

/// Seeded random inputs built from the characters that matter to the parsers (digits, full-width forms,
/// separators, brackets, date marks, x and *, Chinese text, invalid UTF-8); runs `count` of each through
/// [`headers`], [`values`] and [`csv`]. The same seed gives the same inputs.
pub fn random(seed: u64, count: usize) {
    const PIECES: &[&str] = &[
        "1",
        "0",
        "9",
        "2023",
        "-",
        "/",
        ".",
        "年",
        "月",
        "日",
        "号",
        "E",
        "e",
        "+",
        "x",
        "X",
        "*",
        "?",
        " ",
        "\u{3000}",
        "１",
        "Ｘ",
        "，",
        "、",
        ";",
        "；",
        ",",
        "|",
        "(",
        ")",
        "（",
        "）",
        "【",
        "】",
        "必填",
        "姓名",
        "身份证号",
        "性别",
        "是",
        "否",
        "男",
        "女",
        "√",
        "某某",
        "劉",
        "區",
        "\n",
        "\"",
        "\r",
        "\u{FEFF}",
        "\u{200B}",
        "\u{FF5E}",
        "é",
        "🙂",
        "44927",
        "20230105",
        "1.10101E+17",
        "110101199001011237",
        "\u{10FFFF}",
        "\t",
    ];
    let mut x = seed | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut buf = Vec::new();
    for _ in 0..count {
        buf.clear();
        for _ in 0..next() % 12 {
            match next() % 10 {
                0 => buf.extend((0..next() % 4).map(|_| next() as u8)),
                _ => buf
                    .extend_from_slice(PIECES[(next() % PIECES.len() as u64) as usize].as_bytes()),
            }
        }
        headers(&buf);
        values(&buf);
        csv(&buf);
    }
}
