//! Decompression bombs and oversize input: every file the report check is given is refused with a clear
//! message, quickly, before it can take the memory its content asks for (issue 16).

use std::io::Write;
use std::time::{Duration, Instant};

use reportcheck::limits::{
    MAX_DOCUMENT_XML_BYTES, MAX_FILE_BYTES, MAX_REPORT_CHARS, MAX_XML_RUN_BYTES, MAX_ZIP_ENTRIES,
};
use reportcheck::{check_bytes, Error};

const LEVEL: i64 = 6;
const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>"#;
const TAIL: &str = "</w:body></w:document>";

/// A .docx whose `word/document.xml` is `HEAD`, then `chunk` `times` over, then `TAIL` — written as it is
/// compressed (fast level), never held whole.
fn docx_bomb(chunk: &str, times: usize) -> Vec<u8> {
    let t = Instant::now();
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut buf);
    let opts = zip::write::SimpleFileOptions::default().compression_level(Some(LEVEL));
    zip.start_file("[Content_Types].xml", opts).unwrap();
    zip.write_all(b"<Types/>").unwrap();
    zip.start_file("word/document.xml", opts).unwrap();
    zip.write_all(HEAD.as_bytes()).unwrap();
    let block = chunk.repeat(((1 << 20) / chunk.len()).max(1));
    let mut written = 0;
    while written < times * chunk.len() {
        zip.write_all(block.as_bytes()).unwrap();
        written += block.len();
    }
    zip.write_all(TAIL.as_bytes()).unwrap();
    zip.finish().unwrap();
    let bytes = buf.into_inner();
    eprintln!(
        "bomb: {} MB of XML in {} KB, written in {:?}",
        (times * chunk.len()) >> 20,
        bytes.len() >> 10,
        t.elapsed()
    );
    bytes
}

/// Rewrites the uncompressed size an archive declares for `name` (local header and central directory):
/// a lying archive, as an attacker would send.
fn lie_about_size(zip: &mut [u8], name: &str, size: u32) {
    let name = name.as_bytes();
    let mut patched = 0;
    for i in 0..zip.len().saturating_sub(46 + name.len()) {
        let (sig, at, name_at) = match &zip[i..i + 4] {
            b"PK\x03\x04" => ("local", i + 22, i + 30),
            b"PK\x01\x02" => ("central", i + 24, i + 46),
            _ => continue,
        };
        let len_at = if sig == "local" { i + 26 } else { i + 28 };
        let len = u16::from_le_bytes([zip[len_at], zip[len_at + 1]]) as usize;
        if len == name.len() && &zip[name_at..name_at + len] == name {
            zip[at..at + 4].copy_from_slice(&size.to_le_bytes());
            patched += 1;
        }
    }
    assert_eq!(patched, 2, "both headers of {name:?} patched");
}

fn refused(bytes: &[u8], name: &str) -> (String, Duration) {
    let t = Instant::now();
    let e = check_bytes(bytes, name).expect_err("refused");
    let took = t.elapsed();
    eprintln!("refused in {took:?}: {e}");
    assert!(matches!(e, Error::TooLarge(_)), "{e:?}");
    (e.to_string(), took)
}

const PARA: &str =
    "<w:p><w:r><w:t>社区全年开展志愿服务活动,受理居民诉求并及时办结。</w:t></w:r></w:p>";

#[test]
fn a_docx_holding_300_mb_of_text_is_refused_before_inflating() {
    let bomb = docx_bomb(PARA, 300 * 1024 * 1024 / PARA.len());
    assert!(bomb.len() < 8 << 20, "bomb is {} bytes", bomb.len());
    let (msg, took) = refused(&bomb, "报告.docx");
    assert!(
        msg.contains("解压后超过 200 MB") && msg.contains("已拒绝"),
        "{msg}"
    );
    assert!(took < Duration::from_millis(500), "{took:?}");
}

#[test]
fn a_docx_that_lies_about_its_size_is_stopped_by_its_text() {
    let mut bomb = docx_bomb(PARA, 300 * 1024 * 1024 / PARA.len());
    lie_about_size(&mut bomb, "word/document.xml", 4096);
    let (msg, took) = refused(&bomb, "报告.docx");
    assert!(
        msg.contains(&format!(
            "报告文字超过 {} 个字符",
            reportcheck::limits::thousands(MAX_REPORT_CHARS as u64)
        )),
        "{msg}"
    );
    // Stopped after ~500,000 characters, i.e. some 30 MB of 300: far less than a second of inflating.
    assert!(took < Duration::from_secs(3), "{took:?}");
}

#[test]
fn a_docx_that_lies_about_its_size_is_stopped_at_the_inflated_limit() {
    // No text at all: only the count of inflated bytes stops it (elements with a long attribute, each
    // under the run limit).
    let element = format!("<w:x w:v=\"{}\"/>", "x".repeat(1 << 20));
    let mut bomb = docx_bomb(&element, 300);
    lie_about_size(&mut bomb, "word/document.xml", 4096);
    let (msg, took) = refused(&bomb, "报告.docx");
    assert!(msg.contains("解压后超过 200 MB"), "{msg}");
    assert!(took < Duration::from_secs(4), "{took:?}");
    assert_eq!(MAX_DOCUMENT_XML_BYTES, 200 * 1024 * 1024);
}

#[test]
fn a_docx_with_one_endless_text_is_refused_at_the_run_limit() {
    // One text node of 300 MB: the XML parser would hold it whole.
    let mut bomb = docx_bomb(&"报".repeat(1 << 10), 100 * 1024);
    lie_about_size(&mut bomb, "word/document.xml", 4096);
    let (msg, took) = refused(&bomb, "a.docx");
    assert!(
        msg.contains(&format!("{} MB 的连续文字", MAX_XML_RUN_BYTES >> 20)),
        "{msg}"
    );
    assert!(took < Duration::from_secs(2), "{took:?}");
}

#[test]
fn a_docx_with_too_many_entries_is_refused() {
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut buf);
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..=MAX_ZIP_ENTRIES {
        zip.start_file(format!("{i}"), opts).unwrap();
    }
    zip.finish().unwrap();
    let (msg, _) = refused(buf.get_ref(), "a.docx");
    assert!(msg.contains("压缩条目") && msg.contains("已拒绝"), "{msg}");
}

#[test]
fn a_file_over_the_upload_limit_and_a_text_over_the_character_limit_are_refused() {
    let big = vec![b'a'; MAX_FILE_BYTES + 1];
    let (msg, _) = refused(&big, "a.txt");
    assert!(msg.contains("上限 20 MB"), "{msg}");
    let long = "社".repeat(MAX_REPORT_CHARS + 1);
    let (msg, _) = refused(long.as_bytes(), "a.txt");
    assert!(msg.contains("报告文字超过"), "{msg}");
    // At the limits, accepted.
    assert!(check_bytes("社区".repeat(1000).as_bytes(), "a.txt").is_ok());
}
