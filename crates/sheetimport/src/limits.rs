//! What a sheet may hold, and the check of an .xlsx archive that enforces it before calamine reads it.
//!
//! An .xlsx is a zip: a 500 KB upload can hold gigabytes of XML (a "decompression bomb"), and calamine holds
//! some parts whole (the shared strings) and one XML event whole (a text or a tag). So before calamine opens
//! the workbook, [`check_xlsx`] reads the archive once: the entry count (from the end-of-central-directory
//! record, before the directory is parsed), every part's declared size (an honest bomb is refused at once),
//! and then every part inflated through a counting reader — declared sizes can lie — with the longest XML run
//! measured. Reading a sheet then counts rows, cells and each row's characters ([`MAX_ROWS`], [`MAX_CELLS`],
//! [`MAX_ROW_CHARS`]). The limits are generous for the documented 1,000,000-row import (its .xlsx is ≈ 90 MB,
//! its one worksheet 0.78 GB inflated, 14 columns). Every refusal is an
//! [`ImportError::TooLarge`](crate::ImportError::TooLarge) with a Chinese message naming the limit.
//!
//! Memory while reading is then bounded by these figures: a part held whole ≤ [`MAX_PART_BYTES`], one XML
//! event ≤ [`MAX_XML_RUN_BYTES`], one row ≤ [`MAX_ROW_CHARS`] characters; a CSV file (not compressed) is
//! bounded by its own size.

use std::io::{self, Read, Seek, SeekFrom};

use crate::ImportError;

/// Entries of an .xlsx archive (a workbook has a few dozen).
pub const MAX_ZIP_ENTRIES: usize = 10_000;
/// A worksheet part (`xl/worksheets/…`) inflated: streamed, but its time grows with it.
pub const MAX_SHEET_BYTES: u64 = 3 * 1024 * 1024 * 1024;
/// Any other part inflated (shared strings, styles, workbook, relationships…): calamine holds these whole.
pub const MAX_PART_BYTES: u64 = 256 * 1024 * 1024;
/// All parts together, inflated.
pub const MAX_TOTAL_BYTES: u64 = 4 * 1024 * 1024 * 1024;
/// The longest run of an XML part without `<` (a text) or without `>` (a tag with its attributes); the XML
/// parser holds one such run whole. A cell holds at most 32,767 characters (≈ 100 KB, escaped up to ≈ 0.6 MB).
pub const MAX_XML_RUN_BYTES: u64 = 1024 * 1024;
/// Data rows of a file, over all its sheets (Excel holds 1,048,576 rows a sheet).
pub const MAX_ROWS: usize = 2_000_000;
/// Cells of a file as stored (cells of the sheet XML, fields of a CSV record), over all its sheets (the
/// 1,000,000-row benchmark sheet has 14 million).
pub const MAX_CELLS: u64 = 50_000_000;
/// Columns read; cells beyond are ignored.
pub const MAX_COLUMNS: usize = 1024;
/// Characters of one row's cells; a longer row is an error row (not imported) and its cells are dropped.
/// The registry's longest field (备注) holds 2,000.
pub const MAX_ROW_CHARS: usize = 10_000;
/// Characters of a cell's text kept in a [`crate::Problem`] (for the page and the report).
pub const MAX_PROBLEM_VALUE_CHARS: usize = 100;
/// Characters of a sheet's name kept in rows and problems (Excel allows 31).
pub const MAX_SHEET_NAME_CHARS: usize = 100;
/// What ends a text cut to a limit.
pub const TRUNCATED: &str = "…(已截断)";

/// 500000 → "500,000".
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn mb(n: u64) -> String {
    format!("{} MB", thousands(n / (1024 * 1024)))
}

/// `s` cut to `max` characters, with [`TRUNCATED`] at its end when it was longer.
pub fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    match s.char_indices().nth(max) {
        Some((end, _)) => format!("{}{TRUNCATED}", &s[..end]),
        None => s.to_string(),
    }
}

fn refused(msg: String) -> ImportError {
    ImportError::TooLarge(msg)
}

pub(crate) fn too_many_rows() -> ImportError {
    refused(format!(
        "文件超过 {0} 个数据行,已拒绝(上限 {0} 行,请分成几个文件导入)",
        thousands(MAX_ROWS as u64)
    ))
}

pub(crate) fn too_many_cells() -> ImportError {
    refused(format!(
        "文件超过 {0} 个单元格,已拒绝(上限 {0} 个,请分成几个文件导入)",
        thousands(MAX_CELLS)
    ))
}

/// The message of a row over [`MAX_ROW_CHARS`].
pub(crate) fn row_too_long_message(chars: usize) -> String {
    format!(
        "该行内容超过 {} 个字符(至少 {} 个),不像人员登记的内容,该行不能导入",
        thousands(MAX_ROW_CHARS as u64),
        thousands(chars as u64)
    )
}

/// Why a [`Bounded`] reader stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// More than its byte limit came out.
    Bytes(u64),
    /// A run without `<` or without `>` longer than [`MAX_XML_RUN_BYTES`].
    Run,
}

/// A reader that counts the bytes coming out of it (inflated bytes, when it wraps a zip entry) and fails
/// once more than `limit` came — whatever the archive declared — or, for XML, when a run is longer than
/// [`MAX_XML_RUN_BYTES`]. `stopped` says which limit it was.
pub struct Bounded<R> {
    inner: R,
    limit: u64,
    count: u64,
    xml: bool,
    since_lt: u64,
    since_gt: u64,
    pub stopped: Option<Stop>,
}

impl<R: Read> Bounded<R> {
    pub fn new(inner: R, limit: u64, xml: bool) -> Self {
        Bounded {
            inner,
            limit,
            count: 0,
            xml,
            since_lt: 0,
            since_gt: 0,
            stopped: None,
        }
    }

    /// Bytes read so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    fn stop(&mut self, why: Stop) -> io::Error {
        self.stopped = Some(why);
        io::Error::other("超过读取上限")
    }
}

/// Bytes since the last `b` at the end of `chunk`, given `before` such bytes before it; `None` when a run
/// longer than `max` ends or continues in this chunk.
fn run_after(before: u64, chunk: &[u8], b: u8, max: u64) -> Option<u64> {
    match (memchr::memchr(b, chunk), memchr::memrchr(b, chunk)) {
        (Some(first), Some(last)) => {
            (before + first as u64 <= max).then_some((chunk.len() - last - 1) as u64)
        }
        _ => Some(before + chunk.len() as u64).filter(|&n| n <= max),
    }
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(why) = self.stopped {
            return Err(self.stop(why));
        }
        // Never hand out more than one byte past the limit.
        let room = (self.limit - self.count.min(self.limit) + 1).min(buf.len() as u64) as usize;
        let n = self.inner.read(&mut buf[..room])?;
        self.count += n as u64;
        if self.count > self.limit {
            return Err(self.stop(Stop::Bytes(self.limit)));
        }
        if self.xml {
            let chunk = &buf[..n];
            match (
                run_after(self.since_lt, chunk, b'<', MAX_XML_RUN_BYTES),
                run_after(self.since_gt, chunk, b'>', MAX_XML_RUN_BYTES),
            ) {
                (Some(lt), Some(gt)) => {
                    self.since_lt = lt;
                    self.since_gt = gt;
                }
                _ => return Err(self.stop(Stop::Run)),
            }
        }
        Ok(n)
    }
}

/// The number of entries an archive declares in its end-of-central-directory record (zip64 too); `None`
/// when the record is not found (the zip reader then reports the damage).
fn declared_entries<RS: Read + Seek>(rs: &mut RS) -> io::Result<Option<u64>> {
    let len = rs.seek(SeekFrom::End(0))?;
    let from = len.saturating_sub(22 + 65_535);
    rs.seek(SeekFrom::Start(from))?;
    let mut tail = Vec::new();
    rs.by_ref().take(len - from).read_to_end(&mut tail)?;
    let Some(at) = (0..tail.len().saturating_sub(21))
        .rev()
        .find(|&i| &tail[i..i + 4] == b"PK\x05\x06")
    else {
        return Ok(None);
    };
    let total = u16::from_le_bytes([tail[at + 10], tail[at + 11]]) as u64;
    if total != 0xFFFF || at < 20 || &tail[at - 20..at - 16] != b"PK\x06\x07" {
        return Ok(Some(total));
    }
    // zip64: the locator just before the record points to the zip64 record, which has the 64-bit count.
    let off = u64::from_le_bytes(tail[at - 12..at - 4].try_into().expect("8 bytes"));
    let mut rec = [0u8; 40];
    rs.seek(SeekFrom::Start(off))?;
    if rs.read_exact(&mut rec).is_err() || &rec[..4] != b"PK\x06\x06" {
        return Ok(Some(total));
    }
    Ok(Some(u64::from_le_bytes(
        rec[32..40].try_into().expect("8 bytes"),
    )))
}

fn is_sheet(name: &str) -> bool {
    name.starts_with("xl/worksheets/")
}

fn is_xml(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".xml") || lower.ends_with(".rels") || lower.ends_with(".vml")
}

/// Checks an .xlsx archive against the limits above, inflating every part once (nothing is kept). The
/// reader is left anywhere: open or rewind it before reading the workbook.
pub fn check_xlsx<RS: Read + Seek>(mut rs: RS) -> Result<(), ImportError> {
    let entries = |n: u64| {
        refused(format!(
            "Excel 文件含 {} 个压缩条目,已拒绝(上限 {} 个)",
            thousands(n),
            thousands(MAX_ZIP_ENTRIES as u64)
        ))
    };
    if let Some(n) = declared_entries(&mut rs)? {
        if n > MAX_ZIP_ENTRIES as u64 {
            return Err(entries(n));
        }
    }
    rs.seek(SeekFrom::Start(0))?;
    let mut zip = zip::ZipArchive::new(rs).map_err(|e| ImportError::Excel(e.to_string()))?;
    if zip.len() > MAX_ZIP_ENTRIES {
        return Err(entries(zip.len() as u64));
    }
    let part_too_big = |name: &str, limit: u64| {
        refused(format!(
            "Excel 文件中的“{}”解压后超过 {},已拒绝(上限 {})",
            clip(name, 60),
            mb(limit),
            mb(limit)
        ))
    };
    let total_too_big = || {
        refused(format!(
            "Excel 文件解压后超过 {},已拒绝(上限 {})",
            mb(MAX_TOTAL_BYTES),
            mb(MAX_TOTAL_BYTES)
        ))
    };
    // The declared sizes first: an honest bomb is refused before anything is inflated.
    let mut declared = 0u64;
    for i in 0..zip.len() {
        let f = zip
            .by_index_raw(i)
            .map_err(|e| ImportError::Excel(e.to_string()))?;
        let limit = if is_sheet(f.name()) {
            MAX_SHEET_BYTES
        } else {
            MAX_PART_BYTES
        };
        if f.size() > limit {
            return Err(part_too_big(f.name(), limit));
        }
        declared = declared.saturating_add(f.size());
        if declared > MAX_TOTAL_BYTES {
            return Err(total_too_big());
        }
    }
    // Then every part inflated and counted.
    let mut total = 0u64;
    let mut buf = vec![0u8; 1 << 16];
    for i in 0..zip.len() {
        let f = zip
            .by_index(i)
            .map_err(|e| ImportError::Excel(e.to_string()))?;
        let name = f.name().to_string();
        let part_limit = if is_sheet(&name) {
            MAX_SHEET_BYTES
        } else {
            MAX_PART_BYTES
        };
        let left = MAX_TOTAL_BYTES - total;
        let mut r = Bounded::new(f, part_limit.min(left), is_xml(&name));
        loop {
            match r.read(&mut buf) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => {
                    return Err(match r.stopped {
                        Some(Stop::Bytes(_)) if left < part_limit => total_too_big(),
                        Some(Stop::Bytes(limit)) => part_too_big(&name, limit),
                        Some(Stop::Run) => refused(format!(
                            "Excel 文件中的“{}”有超过 {} 的连续文字或标记,不像正常的表格,已拒绝",
                            clip(&name, 60),
                            mb(MAX_XML_RUN_BYTES)
                        )),
                        None => ImportError::Excel(e.to_string()),
                    })
                }
            }
        }
        total += r.count();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_reader_counts_and_checks_runs_only_in_xml() {
        let data = vec![b'x'; 3 * MAX_XML_RUN_BYTES as usize];
        let mut r = Bounded::new(&data[..], u64::MAX - 1, false);
        assert_eq!(r.read_to_end(&mut Vec::new()).unwrap(), data.len());
        let mut r = Bounded::new(&data[..], u64::MAX - 1, true);
        assert!(r.read_to_end(&mut Vec::new()).is_err());
        assert_eq!(r.stopped, Some(Stop::Run));
        let mut r = Bounded::new(&data[..], 1000, false);
        assert!(r.read_to_end(&mut Vec::new()).is_err());
        assert_eq!((r.stopped, r.count()), (Some(Stop::Bytes(1000)), 1001));
    }

    #[test]
    fn the_row_and_cell_limits_stop_a_read_with_a_refusal() {
        use crate::row::Cell;
        use crate::sheet::SheetReader;
        use std::ops::ControlFlow;
        let text = |s: &str| Cell::Text(s.to_string());
        let mut summary = crate::Summary {
            rows: MAX_ROWS - 1,
            ..Default::default()
        };
        let mut n = 0;
        let mut on_row = |_, _| {
            n += 1;
            ControlFlow::Continue(())
        };
        let mut sheet = SheetReader::new("CSV", &mut summary, &mut on_row);
        let _ = sheet.push(1, vec![text("姓名"), text("身份证号")]);
        let _ = sheet.push(2, vec![text("张三")]);
        let _ = sheet.push(3, vec![text("李四")]);
        assert!(sheet.finish().is_break());
        assert_eq!(n, 1, "the row at the limit is read, the next one is not");
        let e = crate::finish(summary).unwrap_err();
        assert!(
            e.to_string().contains("超过 2,000,000 个数据行,已拒绝"),
            "{e}"
        );

        let mut summary = crate::Summary {
            cells: MAX_CELLS - 10,
            ..Default::default()
        };
        let mut on_row = |_, _| ControlFlow::Continue(());
        let mut sheet = SheetReader::new("CSV", &mut summary, &mut on_row);
        assert!(!sheet.cells_over(10));
        assert!(sheet.cells_over(1));
        let e = crate::finish(summary).unwrap_err();
        assert!(e.to_string().contains("个单元格,已拒绝"), "{e}");
    }

    #[test]
    fn clip_cuts_characters_with_a_marker() {
        assert_eq!(clip("张三", 5), "张三");
        assert_eq!(clip("一二三四五六", 2), format!("一二{TRUNCATED}"));
        assert_eq!(thousands(2_000_000), "2,000,000");
    }
}
