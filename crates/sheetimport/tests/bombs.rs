//! Decompression bombs and oversize sheets (issue 16): each is refused with a clear message, quickly, before
//! it can take the memory its content asks for; the rows of a too-long row are dropped while reading.

use std::io::{Seek, Write};
use std::time::{Duration, Instant};

use sheetimport::limits::{MAX_PART_BYTES, MAX_ROW_CHARS, MAX_XML_RUN_BYTES, MAX_ZIP_ENTRIES};
use sheetimport::{read_bytes, ImportError, Severity};

/// One part of a workbook: `head`, then `chunk` repeated to about `mb` megabytes, then `tail`.
struct Part<'a> {
    name: &'a str,
    head: String,
    chunk: String,
    mb: usize,
    tail: String,
}

fn part<'a>(name: &'a str, whole: &str) -> Part<'a> {
    Part {
        name,
        head: whole.to_string(),
        chunk: String::new(),
        mb: 0,
        tail: String::new(),
    }
}

const SHEET_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#;
const SHEET_TAIL: &str = "</sheetData></worksheet>";

/// A workbook with one sheet, "人员", and `extra` parts (a shared-string table, say), written as it is
/// compressed: the repeated content is never held whole.
fn xlsx(sheet: Part<'_>, extra: Vec<Part<'_>>) -> Vec<u8> {
    let t = Instant::now();
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut buf);
    let opts = zip::write::SimpleFileOptions::default();
    let fixed = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="人员" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
    ];
    for (name, xml) in fixed {
        zip.start_file(name, opts).unwrap();
        zip.write_all(xml.as_bytes()).unwrap();
    }
    let mut inflated = 0;
    for p in std::iter::once(sheet).chain(extra) {
        zip.start_file(p.name, opts).unwrap();
        zip.write_all(p.head.as_bytes()).unwrap();
        if !p.chunk.is_empty() {
            let block = p.chunk.repeat(((1 << 20) / p.chunk.len()).max(1));
            let mut written = 0;
            while written < p.mb << 20 {
                zip.write_all(block.as_bytes()).unwrap();
                written += block.len();
            }
            inflated += written;
        }
        zip.write_all(p.tail.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
    let bytes = buf.into_inner();
    eprintln!(
        "bomb: {} MB of XML in {} KB, written in {:?}",
        inflated >> 20,
        bytes.len() >> 10,
        t.elapsed()
    );
    bytes
}

/// Rewrites the uncompressed size an archive declares for `name` (local header and central directory).
fn lie_about_size(zip: &mut [u8], name: &str, size: u32) {
    let name = name.as_bytes();
    let mut patched = 0;
    for i in 0..zip.len().saturating_sub(46 + name.len()) {
        let (at, len_at, name_at) = match &zip[i..i + 4] {
            b"PK\x03\x04" => (i + 22, i + 26, i + 30),
            b"PK\x01\x02" => (i + 24, i + 28, i + 46),
            _ => continue,
        };
        let len = u16::from_le_bytes([zip[len_at], zip[len_at + 1]]) as usize;
        if len == name.len() && &zip[name_at..name_at + len] == name {
            zip[at..at + 4].copy_from_slice(&size.to_le_bytes());
            patched += 1;
        }
    }
    assert_eq!(patched, 2, "both headers of the part patched");
}

fn refused(bytes: &[u8]) -> (String, Duration) {
    let t = Instant::now();
    let mut rows = 0;
    let e = read_bytes(bytes, "bomb.xlsx", &mut |_, _| {
        rows += 1;
        std::ops::ControlFlow::Continue(())
    })
    .expect_err("refused");
    let took = t.elapsed();
    eprintln!("refused in {took:?} after {rows} rows: {e}");
    assert!(matches!(e, ImportError::TooLarge(_)), "{e:?}");
    (e.to_string(), took)
}

const HEADER_ROW: &str = r#"<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c><c r="B1" t="inlineStr"><is><t>身份证号</t></is></c></row>"#;

fn shared_strings(mb: usize) -> Part<'static> {
    Part {
        name: "xl/sharedStrings.xml",
        head: r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#.into(),
        chunk: "<si><t>幸福社区锦绣花园1号楼</t></si>".into(),
        mb,
        tail: "</sst>".into(),
    }
}

fn small_sheet() -> Part<'static> {
    part(
        "xl/worksheets/sheet1.xml",
        &format!("{SHEET_HEAD}{HEADER_ROW}{SHEET_TAIL}"),
    )
}

#[test]
fn a_shared_string_table_of_300_mb_is_refused_before_inflating() {
    let bomb = xlsx(small_sheet(), vec![shared_strings(300)]);
    assert!(bomb.len() < 8 << 20, "{} bytes", bomb.len());
    let (msg, took) = refused(&bomb);
    assert!(
        msg.contains("“xl/sharedStrings.xml”解压后超过 256 MB,已拒绝"),
        "{msg}"
    );
    assert!(took < Duration::from_millis(500), "{took:?}");
}

#[test]
fn a_shared_string_table_that_lies_about_its_size_is_stopped_while_inflating() {
    let mut bomb = xlsx(small_sheet(), vec![shared_strings(300)]);
    lie_about_size(&mut bomb, "xl/sharedStrings.xml", 1000);
    let (msg, took) = refused(&bomb);
    assert!(msg.contains("解压后超过 256 MB"), "{msg}");
    assert_eq!(MAX_PART_BYTES, 256 << 20);
    assert!(took < Duration::from_secs(3), "{took:?}");
}

#[test]
fn a_cell_of_300_mb_is_refused_at_the_run_limit() {
    let mut bomb = xlsx(
        Part {
            name: "xl/worksheets/sheet1.xml",
            head: format!(r#"{SHEET_HEAD}{HEADER_ROW}<row r="2"><c r="A2" t="inlineStr"><is><t>"#),
            chunk: "张".repeat(1000),
            mb: 300,
            tail: format!("</t></is></c></row>{SHEET_TAIL}"),
        },
        vec![],
    );
    lie_about_size(&mut bomb, "xl/worksheets/sheet1.xml", 1000);
    let (msg, took) = refused(&bomb);
    assert!(
        msg.contains(&format!(
            "有超过 {} MB 的连续文字或标记",
            MAX_XML_RUN_BYTES >> 20
        )),
        "{msg}"
    );
    assert!(took < Duration::from_secs(2), "{took:?}");
}

#[test]
fn an_archive_of_too_many_entries_is_refused() {
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut buf);
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..=MAX_ZIP_ENTRIES {
        zip.start_file(format!("{i}"), opts).unwrap();
    }
    zip.finish().unwrap();
    buf.rewind().unwrap();
    let (msg, _) = refused(buf.get_ref());
    assert!(
        msg.contains("10,001 个压缩条目,已拒绝(上限 10,000 个)"),
        "{msg}"
    );
}

#[test]
fn rows_longer_than_the_limit_are_error_rows_whose_cells_are_not_kept() {
    // 500 rows of 12,000 characters each (18 MB of XML), between two ordinary rows.
    let long = "长".repeat(MAX_ROW_CHARS + 2000);
    let cell = |r: usize, text: &str| {
        format!(r#"<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>{text}</t></is></c></row>"#)
    };
    let mut xml = format!("{SHEET_HEAD}{HEADER_ROW}{}", cell(2, "张三"));
    for r in 3..503 {
        xml.push_str(&cell(r, &long));
    }
    xml.push_str(&cell(999_999, "李四"));
    xml.push_str(SHEET_TAIL);
    let bytes = xlsx(part("xl/worksheets/sheet1.xml", &xml), vec![]);
    drop(xml);
    let t = Instant::now();
    let (mut rows, mut errors, mut longest) = (0, 0, 0);
    let summary = read_bytes(&bytes, "a.xlsx", &mut |row, problems| {
        rows += 1;
        longest = longest.max(row.values.values().map(|v| v.len()).max().unwrap_or(0));
        for p in problems {
            assert!(p.value.chars().count() <= 100 + 10);
            if p.severity == Severity::Error {
                assert_eq!(p.code, "row_too_long");
                assert!(p.message.contains("该行不能导入"), "{}", p.message);
                errors += 1;
            }
        }
        std::ops::ControlFlow::Continue(())
    })
    .unwrap();
    eprintln!("{rows} rows read in {:?}", t.elapsed());
    assert_eq!(errors, 500, "the long rows");
    assert_eq!(rows, errors + 2, "the ordinary rows are read too");
    assert_eq!(summary.rows, rows);
    assert!(longest <= 6, "no long value kept ({longest} bytes)");
}
