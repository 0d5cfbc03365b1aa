//! Input decoding: UTF-8 / UTF-16 / GBK / GB18030 detection and .docx text extraction.

use std::fmt;
use std::io::{BufReader, Cursor};

use quick_xml::events::Event;
use serde::Serialize;

use crate::limits::{self, Bounded, Stop};

/// Errors of reading an input file (messages in Chinese).
#[derive(Debug)]
pub enum Error {
    Io(std::io::Error),
    Docx(String),
    Unsupported(String),
    /// Over one of the [`crate::limits`]: the message says which, with the limit.
    TooLarge(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => write!(f, "无法读取文件:{e}"),
            Error::Docx(m) => write!(f, "无法读取 Word 文档:{m}"),
            Error::Unsupported(m) => write!(f, "不支持的文件格式:{m}"),
            Error::TooLarge(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e)
    }
}

/// Text of an input with the name of the encoding or format it was read as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decoded {
    pub text: String,
    /// "UTF-8", "UTF-16LE", "UTF-16BE", "GBK", "GB18030" or "DOCX".
    pub encoding: String,
}

/// Decode an input file's bytes; `filename_hint` (may be empty) helps recognise .docx and old .doc.
/// Refuses files over [`limits::MAX_FILE_BYTES`] and texts over [`limits::MAX_REPORT_CHARS`].
pub fn decode_bytes(bytes: &[u8], filename_hint: &str) -> Result<Decoded, Error> {
    if bytes.len() > limits::MAX_FILE_BYTES {
        return Err(limits::file_too_large(bytes.len()));
    }
    let decoded = decode_unchecked(bytes, filename_hint)?;
    limits::check_text(&decoded.text)?;
    Ok(decoded)
}

fn decode_unchecked(bytes: &[u8], filename_hint: &str) -> Result<Decoded, Error> {
    let lower = filename_hint.to_lowercase();
    if bytes.starts_with(b"PK\x03\x04") || lower.ends_with(".docx") {
        return Ok(Decoded {
            text: docx_text(bytes)?,
            encoding: "DOCX".into(),
        });
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) || lower.ends_with(".doc") {
        return Err(Error::Unsupported(
            "旧版 Word(.doc)文件请先另存为 .docx 或 .txt".into(),
        ));
    }
    Ok(decode_text(bytes))
}

/// Decode plain text bytes, detecting BOMs, UTF-8, GBK and GB18030.
pub fn decode_text(bytes: &[u8]) -> Decoded {
    if let Some((enc, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        return Decoded {
            text: text.into_owned(),
            encoding: enc.name().into(),
        };
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Decoded {
            text: s.to_string(),
            encoding: "UTF-8".into(),
        };
    }
    let (gbk, _, gbk_err) = encoding_rs::GBK.decode(bytes);
    // encoding_rs decodes GBK labels with the GB18030 decoder; name what was actually needed.
    let four_byte = has_gb18030_four_byte(bytes);
    if !gbk_err {
        return Decoded {
            text: gbk.into_owned(),
            encoding: if four_byte { "GB18030" } else { "GBK" }.into(),
        };
    }
    // Mostly UTF-8 with a few broken bytes, or broken GBK: take the one with fewer replacement characters.
    let utf8 = String::from_utf8_lossy(bytes);
    let bad_utf8 = utf8.matches('\u{fffd}').count();
    let bad_gbk = gbk.matches('\u{fffd}').count();
    if bad_utf8 <= bad_gbk {
        Decoded {
            text: utf8.into_owned(),
            encoding: "UTF-8".into(),
        }
    } else {
        Decoded {
            text: gbk.into_owned(),
            encoding: "GB18030".into(),
        }
    }
}

fn has_gb18030_four_byte(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            i += 1;
        } else if i + 1 < bytes.len() && (0x30..=0x39).contains(&bytes[i + 1]) {
            return true;
        } else {
            i += 2;
        }
    }
    false
}

/// Text of a .docx: one line per paragraph of `word/document.xml`. The XML is parsed as it is inflated and
/// every limit of [`crate::limits`] is enforced while reading: entries, inflated bytes (counted, whatever the
/// archive declares), XML runs and characters of text.
pub fn docx_text(bytes: &[u8]) -> Result<String, Error> {
    if let Some(n) = limits::declared_entries(bytes) {
        if n > limits::MAX_ZIP_ENTRIES as u64 {
            return Err(limits::too_many_entries(n));
        }
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| Error::Docx(format!("不是有效的压缩包({e})")))?;
    if zip.len() > limits::MAX_ZIP_ENTRIES {
        return Err(limits::too_many_entries(zip.len() as u64));
    }
    let entry = zip
        .by_name("word/document.xml")
        .map_err(|_| Error::Docx("缺少 word/document.xml".into()))?;
    if entry.size() > limits::MAX_DOCUMENT_XML_BYTES {
        // An honest bomb is refused before anything is inflated.
        return Err(limits::document_refused(Stop::Bytes(
            limits::MAX_DOCUMENT_XML_BYTES,
        )));
    }
    let bounded = Bounded::new(entry, limits::MAX_DOCUMENT_XML_BYTES);
    let mut reader = quick_xml::Reader::from_reader(BufReader::with_capacity(1 << 16, bounded));
    let mut buf = Vec::new();
    let mut out = String::new();
    let mut chars = 0usize;
    let mut in_text = false;
    let mut in_para = false;
    loop {
        buf.clear();
        let event = reader.read_event_into(&mut buf);
        if let Some(stop) = reader.get_ref().get_ref().stopped {
            return Err(limits::document_refused(stop));
        }
        let before = out.len();
        match event {
            Ok(Event::Start(e)) => match e.name().as_ref() {
                b"w:t" => in_text = true,
                b"w:p" => in_para = true,
                _ => {}
            },
            Ok(Event::Empty(e)) => match e.name().as_ref() {
                b"w:tab" => out.push('\t'),
                b"w:br" | b"w:cr" => out.push('\n'),
                b"w:p" => out.push('\n'),
                _ => {}
            },
            Ok(Event::End(e)) => match e.name().as_ref() {
                b"w:t" => in_text = false,
                b"w:p" => {
                    if in_para {
                        out.push('\n');
                    }
                    in_para = false;
                }
                _ => {}
            },
            Ok(Event::Text(t)) if in_text => {
                let s = t.unescape().map_err(|e| Error::Docx(e.to_string()))?;
                out.push_str(&s);
            }
            Ok(Event::Eof) => break,
            Err(e) => return Err(Error::Docx(format!("XML 解析失败({e})"))),
            _ => {}
        }
        if out.len() > before {
            chars += out[before..].chars().count();
            if chars > limits::MAX_REPORT_CHARS {
                return Err(limits::text_too_long());
            }
        }
    }
    if out.ends_with('\n') {
        out.pop();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_and_gbk() {
        let s = "社区服务中心2023年工作报告";
        assert_eq!(
            decode_bytes(s.as_bytes(), "a.txt").unwrap().encoding,
            "UTF-8"
        );
        let gbk = encoding_rs::GBK.encode(s).0.into_owned();
        let d = decode_bytes(&gbk, "a.txt").unwrap();
        assert_eq!(d.text, s);
        assert_eq!(d.encoding, "GBK");
        let rare = "社区𠀀"; // needs a GB18030 four-byte sequence
        let g = encoding_rs::GB18030.encode(rare).0.into_owned();
        let d = decode_bytes(&g, "").unwrap();
        assert_eq!(d.text, rare);
        assert_eq!(d.encoding, "GB18030");
    }

    #[test]
    fn utf8_bom() {
        let mut b = vec![0xEF, 0xBB, 0xBF];
        b.extend_from_slice("报告".as_bytes());
        assert_eq!(decode_bytes(&b, "").unwrap().text, "报告");
    }

    #[test]
    fn old_doc_is_refused_in_chinese() {
        let e = decode_bytes(&[0xD0, 0xCF, 0x11, 0xE0, 0, 0], "a.doc").unwrap_err();
        assert!(e.to_string().contains(".docx"));
    }
}
