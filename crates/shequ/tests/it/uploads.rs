//! Uploads an attacker would send (issue 16): decompression bombs to the report check and the import are
//! refused quickly with a clear message, the report check's real limit is the documented 20 MB, a job page
//! lists its problems a page at a time, a cell over Excel's limit still gives a report, and uploaded files
//! are removed when their job ends — also those a killed server left behind.

use std::io::Write;
use std::time::{Duration, Instant};

use reqwest::multipart::{Form, Part};

use crate::support::{id, App, Session};

/// A zip whose `name` entry is `head`, `chunk` repeated to `mb` megabytes, then `tail`, written as it is
/// compressed; `fixed` entries first. With `lie`, the archive declares the big entry as 1,000 bytes.
fn zip_bomb(
    fixed: &[(&str, &str)],
    name: &str,
    head: &str,
    chunk: &str,
    mb: usize,
    tail: &str,
    lie: bool,
) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut buf);
    let opts = zip::write::SimpleFileOptions::default();
    for (n, content) in fixed {
        zip.start_file(*n, opts).unwrap();
        zip.write_all(content.as_bytes()).unwrap();
    }
    zip.start_file(name, opts).unwrap();
    zip.write_all(head.as_bytes()).unwrap();
    let block = chunk.repeat(((1 << 20) / chunk.len()).max(1));
    let mut written = 0;
    while written < mb << 20 {
        zip.write_all(block.as_bytes()).unwrap();
        written += block.len();
    }
    zip.write_all(tail.as_bytes()).unwrap();
    zip.finish().unwrap();
    let mut bytes = buf.into_inner();
    if lie {
        let n = name.as_bytes();
        for i in 0..bytes.len() - 46 - n.len() {
            let (at, len_at, name_at) = match &bytes[i..i + 4] {
                b"PK\x03\x04" => (i + 22, i + 26, i + 30),
                b"PK\x01\x02" => (i + 24, i + 28, i + 46),
                _ => continue,
            };
            let len = u16::from_le_bytes([bytes[len_at], bytes[len_at + 1]]) as usize;
            if len == n.len() && &bytes[name_at..name_at + len] == n {
                bytes[at..at + 4].copy_from_slice(&1000u32.to_le_bytes());
            }
        }
    }
    bytes
}

async fn check_report(s: &Session, file: Vec<u8>, name: &str) -> (u16, String, Duration) {
    let t = Instant::now();
    let form = Form::new().part("file", Part::bytes(file).file_name(name.to_string()));
    let r = s
        .client
        .post(s.url("/reports/check"))
        .header("X-CSRF-Token", &s.csrf)
        .header("HX-Request", "true")
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let html = r.text().await.unwrap();
    (status, html, t.elapsed())
}

const DOC_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>"#;
const DOC_TAIL: &str = "</w:body></w:document>";

#[tokio::test(flavor = "multi_thread")]
async fn a_docx_bomb_from_a_building_leader_is_refused_quickly() {
    let app = App::start().await;
    let s = app.login("louzu").await;
    let para = "<w:p><w:r><w:t>社区全年开展志愿服务活动,受理居民诉求并及时办结。</w:t></w:r></w:p>";
    for lie in [false, true] {
        let bomb = zip_bomb(&[], "word/document.xml", DOC_HEAD, para, 300, DOC_TAIL, lie);
        assert!(bomb.len() < 8 << 20, "{} bytes", bomb.len());
        let (status, html, took) = check_report(&s, bomb, "报告.docx").await;
        eprintln!("docx bomb (lying: {lie}) answered {status} in {took:?}: {html}");
        assert!(html.contains("已拒绝"), "{status} {html}");
        assert!(
            html.contains(if lie {
                "报告文字超过 500,000 个字符"
            } else {
                "解压后超过 200 MB"
            }),
            "{html}"
        );
        assert!(took < Duration::from_secs(3), "{took:?}");
    }
    // A single 300 MB text (the XML parser would hold it whole) and no text at all (the inflated bytes).
    let bomb = zip_bomb(
        &[],
        "word/document.xml",
        DOC_HEAD,
        &"报".repeat(1024),
        300,
        DOC_TAIL,
        true,
    );
    let (_, html, took) = check_report(&s, bomb, "a.docx").await;
    assert!(
        html.contains("连续文字或标记") && took < Duration::from_secs(3),
        "{html}"
    );
    let tags = format!("<w:x w:v=\"{}\"/>", "x".repeat(1 << 20));
    let bomb = zip_bomb(
        &[],
        "word/document.xml",
        DOC_HEAD,
        &tags,
        300,
        DOC_TAIL,
        true,
    );
    let (_, html, took) = check_report(&s, bomb, "a.docx").await;
    assert!(
        html.contains("解压后超过 200 MB") && took < Duration::from_secs(3),
        "{html}"
    );
    // The server is still there.
    assert_eq!(s.get("/reports/check").await.status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_report_check_takes_files_up_to_its_documented_20_mb() {
    let app = App::start().await;
    let s = app.login("shuji").await;
    let page = s.get("/reports/check").await.text().await.unwrap();
    assert!(page.contains("不超过 20 MB"), "the page says the limit");
    // A 6 MB .docx (a short report and an image) — refused at 2 MB before.
    let image: Vec<u8> = (0..6u32 << 20)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut buf);
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("word/media/image1.png", stored).unwrap();
    zip.write_all(&image).unwrap();
    zip.start_file("word/document.xml", stored).unwrap();
    zip.write_all(
        format!("{DOC_HEAD}<w:p><w:r><w:t>2023年幸福社区工作报告</w:t></w:r></w:p><w:p><w:r><w:t>全年受理各类纠纷3起。</w:t></w:r></w:p>{DOC_TAIL}")
            .as_bytes(),
    )
    .unwrap();
    zip.finish().unwrap();
    let docx = buf.into_inner();
    assert!(docx.len() > 6 << 20);
    let (status, html, _) = check_report(&s, docx, "报告.docx").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("受理各类纠纷"), "{html}");
    // Over 20 MB: refused, saying the limit.
    let (status, html, _) = check_report(&s, vec![b'a'; 21 << 20], "a.txt").await;
    assert_ne!(status, 200);
    assert!(html.contains("上限 20 MB,已拒绝"), "{status} {html}");
    // A pasted text over the character limit.
    let form = Form::new().text("text", "社".repeat(500_001));
    let r = s
        .client
        .post(s.url("/reports/check"))
        .header("X-CSRF-Token", &s.csrf)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_ne!(r.status(), 200);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("报告文字超过 500,000 个字符"));
}

/// Uploads a sheet to the import (a dry run) and returns the job's URL.
async fn upload(s: &Session, grid: i64, bytes: Vec<u8>, name: &str) -> String {
    let form = Form::new()
        .text("grid_id", grid.to_string())
        .part("file", Part::bytes(bytes).file_name(name.to_string()));
    let r = s
        .client
        .post(s.url("/import"))
        .header("X-CSRF-Token", &s.csrf)
        .header("HX-Request", "true")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    r.headers()["hx-redirect"].to_str().unwrap().to_string()
}

/// Waits until the job page shows a result and returns its HTML.
async fn finished(s: &Session, job: &str) -> String {
    for _ in 0..600 {
        let html = s.get(job).await.text().await.unwrap();
        if html.contains("id=\"import-result\"") || html.contains("id=\"import-failed\"") {
            return html;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("import did not finish");
}

/// The upload files of this process holding exactly `content`.
fn uploads_holding(content: &[u8]) -> usize {
    let prefix = format!("shequ-import-{}-", std::process::id());
    std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .filter(|e| {
            e.metadata()
                .map(|m| m.len() as usize == content.len())
                .unwrap_or(false)
        })
        .filter(|e| {
            std::fs::read(e.path())
                .map(|b| b == content)
                .unwrap_or(false)
        })
        .count()
}

const XLSX_FIXED: [(&str, &str); 4] = [
    (
        "[Content_Types].xml",
        r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>"#,
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

#[tokio::test(flavor = "multi_thread")]
async fn an_xlsx_bomb_is_refused_quickly_and_its_upload_removed() {
    let app = App::start().await;
    let s = app.login("wangge1").await;
    // 300 MB of shared strings in 1.5 MB, declared as 1,000 bytes; a small sheet.
    let mut fixed = XLSX_FIXED.to_vec();
    fixed.push((
        "xl/worksheets/sheet1.xml",
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c><c r="B1" t="inlineStr"><is><t>身份证号</t></is></c></row></sheetData></worksheet>"#,
    ));
    let bomb = zip_bomb(
        &fixed,
        "xl/sharedStrings.xml",
        r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
        "<si><t>幸福社区锦绣花园1号楼</t></si>",
        300,
        "</sst>",
        true,
    );
    assert!(bomb.len() < 8 << 20, "{} bytes", bomb.len());
    let t = Instant::now();
    let job = upload(&s, app.world.grid1, bomb.clone(), "人员.xlsx").await;
    let html = finished(&s, &job).await;
    let took = t.elapsed();
    eprintln!("xlsx bomb refused in {took:?}");
    assert!(html.contains("id=\"import-failed\""), "{html}");
    assert!(
        // (the page escapes the slashes of the part's name)
        html.contains("sharedStrings.xml”解压后超过 256 MB,已拒绝"),
        "{}",
        &html[html.find("<main").unwrap_or(0)..]
    );
    assert!(took < Duration::from_secs(4), "{took:?}");
    assert_eq!(uploads_holding(&bomb), 0, "the refused upload is removed");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_import_removes_its_upload_when_it_ends() {
    let app = App::start().await;
    let s = app.login("wangge1").await;
    let csv = format!(
        "姓名,身份证号,现住小区,楼栋,门牌\n周一,{},锦绣花园,1号楼,121\n",
        id("1971-01-21", 71)
    )
    .into_bytes();
    let job = upload(&s, app.world.grid1, csv.clone(), "周家.csv").await;
    let html = finished(&s, &job).await;
    assert!(html.contains("id=\"import-checked\""), "{html}");
    assert_eq!(
        uploads_holding(&csv),
        1,
        "kept for the import after the check"
    );
    let r = s
        .post_form(&format!("{job}/run"), &[("mode", "valid_rows")])
        .await;
    assert_eq!(r.status(), 303);
    let run = r.headers()["location"].to_str().unwrap().to_string();
    let html = finished(&s, &run).await;
    assert!(html.contains("id=\"import-done\""), "{html}");
    assert_eq!(uploads_holding(&csv), 0, "removed when the import ended");
}

#[tokio::test(flavor = "multi_thread")]
async fn uploads_left_by_a_stopped_server_are_removed_at_start() {
    let dir = std::env::temp_dir();
    // No process has this id (above Linux's largest pid).
    let dead = dir.join("shequ-import-4000000000-leftover.csv");
    let ours = dir.join(format!(
        "shequ-import-{}-still-running.csv",
        std::process::id()
    ));
    std::fs::write(&dead, "姓名\n").unwrap();
    std::fs::write(&ours, "姓名\n").unwrap();
    let _app = App::start().await;
    assert!(!dead.exists(), "a stopped server's upload is removed");
    assert!(ours.exists(), "a running server's upload is kept");
    std::fs::remove_file(&ours).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_job_page_lists_problems_a_page_at_a_time() {
    let app = App::start().await;
    let s = app.login("wangge1").await;
    let mut csv = String::from("姓名,身份证号,现住小区,楼栋,门牌\n");
    for i in 0..450 {
        // one bad cell a row (a name with digits would be a second one)
        csv.push_str(&format!("错误,12345,锦绣花园,1号楼,{i}\n"));
    }
    let job = upload(&s, app.world.grid1, csv.into_bytes(), "错.csv").await;
    let first = finished(&s, &job).await;
    let rows = |html: &str| html.matches("<tr class=\"error\">").count();
    assert_eq!(rows(&first), 200, "the first page");
    assert!(first.contains(&format!("href=\"{job}?page=2\" id=\"problems-next\"")));
    assert!(first.contains("共 450 个"), "the page says how many");
    let last = s.get(&format!("{job}?page=3")).await.text().await.unwrap();
    assert_eq!(rows(&last), 50);
    assert!(last.contains(&format!("href=\"{job}?page=2\" id=\"problems-prev\"")));
    assert!(!last.contains("id=\"problems-next\""));
    // Past the end: the last page.
    let beyond = s.get(&format!("{job}?page=99")).await.text().await.unwrap();
    assert_eq!(rows(&beyond), 50);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cell_over_excels_limit_still_gives_a_small_page_and_a_report() {
    let app = App::start().await;
    let s = app.login("wangge1").await;
    let long = "长".repeat(40_000);
    let csv = format!(
        "姓名,身份证号,现住小区,楼栋,门牌\n{long},{},锦绣花园,1号楼,131\n吴二,{},锦绣花园,1号楼,132\n",
        id("1972-02-22", 72),
        id("1973-03-23", 73)
    );
    let job = upload(&s, app.world.grid1, csv.into_bytes(), "吴家.csv").await;
    let html = finished(&s, &job).await;
    assert!(html.contains("该行不能导入"), "{html}");
    assert!(html.len() < 100_000, "the page is {} bytes", html.len());
    let r = s.get(&format!("{job}/report.xlsx")).await;
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));
}
