//! What the report check accepts, and the bounded reading of a .docx (a zip archive) that enforces it.
//!
//! A .docx is a zip: a 1 MB upload can hold gigabytes of XML (a "decompression bomb"). Nothing here trusts
//! the sizes the archive declares: they are checked first (a quick refusal of an honest bomb), and then the
//! bytes are counted while they are inflated, so a lying archive is stopped at the same limit. The document
//! XML is parsed as it streams, and its text is counted too: memory stays bounded by these figures whatever
//! the file holds. Every refusal is an [`Error::TooLarge`] with a message in Chinese.

use std::io::{self, Read};

use crate::decode::Error;

/// The largest file the report check reads (an upload, or a file given to `shequ check-report`).
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
/// Entries of a .docx archive (a report has a few dozen: parts, images, fonts).
pub const MAX_ZIP_ENTRIES: usize = 10_000;
/// `word/document.xml` uncompressed — the only part that is inflated (images and the rest are not read).
pub const MAX_DOCUMENT_XML_BYTES: u64 = 200 * 1024 * 1024;
/// The longest run of the document XML without a tag (text) or inside one (a tag and its attributes): the
/// XML parser holds one such run whole. Far above any real paragraph (the report's characters are bounded
/// by [`MAX_REPORT_CHARS`]).
pub const MAX_XML_RUN_BYTES: u64 = 4 * 1024 * 1024;
/// Characters of a report's text (about 250 pages of Chinese; a community's yearly report has 10–40 thousand).
/// The check of 100,000 characters takes about 50 ms (docs/PERFORMANCE.md).
pub const MAX_REPORT_CHARS: usize = 500_000;

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
    format!("{} MB", n / (1024 * 1024))
}

/// The refusal of a file over [`MAX_FILE_BYTES`].
pub fn file_too_large(len: usize) -> Error {
    Error::TooLarge(format!(
        "文件大小 {:.1} MB,超过报告检查的上限 {},已拒绝",
        len as f64 / (1024.0 * 1024.0),
        mb(MAX_FILE_BYTES as u64)
    ))
}

/// The refusal of an upload that was cut off at the body limit (its size is not known).
pub fn upload_too_large() -> Error {
    Error::TooLarge(format!(
        "文件超过报告检查的上限 {},已拒绝",
        mb(MAX_FILE_BYTES as u64)
    ))
}

/// The refusal of a text over [`MAX_REPORT_CHARS`].
pub fn text_too_long() -> Error {
    Error::TooLarge(format!(
        "报告文字超过 {0} 个字符,已拒绝(上限 {0} 个字符,请分成几份分别检查)",
        thousands(MAX_REPORT_CHARS as u64)
    ))
}

/// Refuses a text longer than [`MAX_REPORT_CHARS`] (counted without reading past the limit).
pub fn check_text(text: &str) -> Result<(), Error> {
    // A char is at most 4 bytes: short texts need no count.
    if text.len() > MAX_REPORT_CHARS && text.chars().nth(MAX_REPORT_CHARS).is_some() {
        return Err(text_too_long());
    }
    Ok(())
}

/// The number of entries a zip archive declares in its end-of-central-directory record (zip64 too), read
/// from the last bytes before the archive's directory is parsed (a directory of millions of entries would
/// itself take memory). `None` when the record is not found (the zip reader then reports the damage).
pub fn declared_entries(bytes: &[u8]) -> Option<u64> {
    const EOCD: &[u8] = b"PK\x05\x06";
    let from = bytes.len().saturating_sub(22 + 65_535);
    let tail = &bytes[from..];
    let at = (0..tail.len().saturating_sub(21))
        .rev()
        .find(|&i| &tail[i..i + 4] == EOCD)?;
    let total = u16::from_le_bytes([tail[at + 10], tail[at + 11]]) as u64;
    if total != 0xFFFF {
        return Some(total);
    }
    // zip64: the locator just before the record points to the zip64 record, which has the 64-bit count.
    let loc = from + at;
    if loc < 20 || &bytes[loc - 20..loc - 16] != b"PK\x06\x07" {
        return Some(total);
    }
    let off = u64::from_le_bytes(bytes[loc - 12..loc - 4].try_into().ok()?) as usize;
    let rec = bytes.get(off..off + 40)?;
    if &rec[..4] != b"PK\x06\x06" {
        return Some(total);
    }
    Some(u64::from_le_bytes(rec[32..40].try_into().ok()?))
}

/// Why a [`Bounded`] reader stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// More than its byte limit came out of the inflater.
    Bytes(u64),
    /// A run without `<` or without `>` longer than [`MAX_XML_RUN_BYTES`].
    Run,
}

/// A reader that counts the bytes coming out of it (inflated bytes, when it wraps a zip entry) and fails
/// once more than `limit` came, or when an XML run is longer than [`MAX_XML_RUN_BYTES`] — whatever the
/// archive declared. `stopped` says which limit it was.
pub struct Bounded<R> {
    inner: R,
    limit: u64,
    count: u64,
    since_lt: u64,
    since_gt: u64,
    pub stopped: Option<Stop>,
}

impl<R: Read> Bounded<R> {
    pub fn new(inner: R, limit: u64) -> Self {
        Bounded {
            inner,
            limit,
            count: 0,
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
        io::Error::other(match why {
            Stop::Bytes(n) => format!("解压后超过 {}", mb(n)),
            Stop::Run => "XML 中有超长的文字或标记".to_string(),
        })
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
        let chunk = &buf[..n];
        match (
            run_after(self.since_lt, chunk, b'<', MAX_XML_RUN_BYTES),
            run_after(self.since_gt, chunk, b'>', MAX_XML_RUN_BYTES),
        ) {
            (Some(lt), Some(gt)) => {
                self.since_lt = lt;
                self.since_gt = gt;
                Ok(n)
            }
            _ => Err(self.stop(Stop::Run)),
        }
    }
}

/// The refusal of a .docx with more than [`MAX_ZIP_ENTRIES`] entries.
pub fn too_many_entries(n: u64) -> Error {
    Error::TooLarge(format!(
        "Word 文档含 {} 个压缩条目,已拒绝(上限 {} 个)",
        thousands(n),
        thousands(MAX_ZIP_ENTRIES as u64)
    ))
}

/// The refusal of a `word/document.xml` over [`MAX_DOCUMENT_XML_BYTES`] (declared or counted) or with a
/// run over [`MAX_XML_RUN_BYTES`].
pub fn document_refused(stop: Stop) -> Error {
    Error::TooLarge(match stop {
        Stop::Bytes(n) => format!(
            "Word 文档解压后超过 {},已拒绝(word/document.xml 上限 {})",
            mb(n),
            mb(MAX_DOCUMENT_XML_BYTES)
        ),
        Stop::Run => format!(
            "Word 文档中有超过 {} 的连续文字或标记,不像正常的文档,已拒绝",
            mb(MAX_XML_RUN_BYTES)
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_reader_stops_one_byte_past_the_limit() {
        let data = vec![b'<'; 10_000];
        let mut r = Bounded::new(&data[..], 4096);
        let mut out = Vec::new();
        let e = r.read_to_end(&mut out).unwrap_err();
        assert!(e.to_string().contains("解压后超过"), "{e}");
        assert_eq!(r.stopped, Some(Stop::Bytes(4096)));
        assert!(out.len() <= 4096 && r.count() == 4097);
        let mut ok = Bounded::new(&data[..4096], 4096);
        assert_eq!(ok.read_to_end(&mut Vec::new()).unwrap(), 4096);
    }

    #[test]
    fn bounded_reader_stops_a_long_run_across_chunks() {
        let mut data = b"<a>".to_vec();
        data.extend(std::iter::repeat_n(b'x', MAX_XML_RUN_BYTES as usize + 1));
        data.extend(b"</a>");
        let mut r = Bounded::new(&data[..], u64::MAX - 1);
        let mut buf = [0u8; 1000];
        let e = loop {
            match r.read(&mut buf) {
                Ok(0) => panic!("read to the end"),
                Ok(_) => {}
                Err(e) => break e,
            }
        };
        assert_eq!(r.stopped, Some(Stop::Run), "{e}");
        assert!(r.count() < MAX_XML_RUN_BYTES + 2000);
        // The same length in short runs is fine.
        let ok = "<a>xxxx</a>".repeat(MAX_XML_RUN_BYTES as usize / 5);
        let mut r = Bounded::new(ok.as_bytes(), u64::MAX - 1);
        assert_eq!(r.read_to_end(&mut Vec::new()).unwrap(), ok.len());
    }

    #[test]
    fn text_limit_counts_characters() {
        assert!(check_text(&"报".repeat(MAX_REPORT_CHARS)).is_ok());
        let e = check_text(&"a".repeat(MAX_REPORT_CHARS + 1)).unwrap_err();
        assert!(e.to_string().contains("已拒绝"), "{e}");
    }

    #[test]
    fn declared_entries_of_small_and_zip64_archives() {
        let mut buf = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut buf);
        for i in 0..3 {
            zip.start_file(format!("{i}.txt"), zip::write::SimpleFileOptions::default())
                .unwrap();
        }
        zip.finish().unwrap();
        assert_eq!(declared_entries(buf.get_ref()), Some(3));
        assert_eq!(declared_entries(b"not a zip"), None);
    }
}
