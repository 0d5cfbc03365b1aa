//! The person list's .xlsx export: the same scope and search as the list, masking by role, an audit entry
//! per export, and an export that reads back through the importer with every value.

use reqwest::StatusCode;
use sqlx::Row;

use crate::support::App;

/// The text of the first worksheet of an .xlsx.
fn sheet_xml(bytes: &[u8]) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

#[tokio::test(flavor = "multi_thread")]
async fn the_person_list_exports_to_xlsx_with_the_same_scope_and_masking() {
    let app = App::start().await;
    let w = &app.world;
    // A social worker of community A1: both of its residents, full numbers (the role may reveal them).
    let sw = app.login("shegong").await;
    let r = sw.get("/persons/export.xlsx").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("spreadsheetml"));
    let xml = sheet_xml(&r.bytes().await.unwrap());
    assert!(xml.contains("赵军杰") && xml.contains("钱小红") && !xml.contains("孙立"));
    assert!(xml.contains(&w.zhao_id));
    assert!(xml.contains("身份证号") && xml.contains("户号") && xml.contains("H001"));
    assert!(
        xml.contains("<pane ") && xml.contains("state=\"frozen\""),
        "header row frozen"
    );
    // A grid worker's export holds only their grid; a search exports what the search shows.
    let g2 = app.login("wangge2").await;
    let xml = sheet_xml(&g2.get("/persons/export.xlsx").await.bytes().await.unwrap());
    assert!(xml.contains("钱小红") && !xml.contains("赵军杰"));
    let xml = sheet_xml(
        &sw.get("/persons/export.xlsx?q=zjj")
            .await
            .bytes()
            .await
            .unwrap(),
    );
    assert!(xml.contains("赵军杰") && !xml.contains("钱小红"));
    // The building leader's export is masked.
    let louzu = app.login("louzu").await;
    let xml = sheet_xml(
        &louzu
            .get("/persons/export.xlsx")
            .await
            .bytes()
            .await
            .unwrap(),
    );
    assert!(xml.contains("赵军杰") && !xml.contains(&w.zhao_id));
    assert!(xml.contains(&format!("110***********{}", &w.zhao_id[14..])));
    // Every export is audited with its filter and row count.
    let n: i64 =
        sqlx::query("SELECT COUNT(*) FROM audit_log WHERE action = 'export' AND entity = 'person'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
            .get(0);
    assert_eq!(n, 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_export_reads_back_through_the_importer_with_every_value() {
    use sheetimport::Field;
    let app = App::start().await;
    let w = &app.world;
    let s = app.login("shuji").await;
    let bytes = s.get("/persons/export.xlsx").await.bytes().await.unwrap();
    let mut rows = Vec::new();
    let summary = sheetimport::read_bytes(&bytes, "export.xlsx", &mut |row, problems| {
        rows.push((row, problems));
        std::ops::ControlFlow::Continue(())
    })
    .unwrap();
    let layout = &summary.layouts[0];
    // Every exported column is recognised (状态 too: it is checked against the dates that decide it).
    let unknown: Vec<&str> = layout.unknown.iter().map(|(_, h)| h.as_str()).collect();
    assert!(unknown.is_empty(), "{unknown:?}");
    assert_eq!(rows.len(), 2);
    let zhao = rows
        .iter()
        .find(|(r, _)| r.get(Field::Name) == "赵军杰")
        .expect("赵军杰 read back");
    assert!(
        zhao.1
            .iter()
            .all(|p| p.severity != sheetimport::Severity::Error),
        "{:?}",
        zhao.1
    );
    assert_eq!(zhao.0.get(Field::IdNumber), w.zhao_id);
    assert_eq!(zhao.0.get(Field::BirthDate), "1980-03-15");
    assert_eq!(zhao.0.get(Field::Phone), "13812345678");
    assert_eq!(zhao.0.get(Field::HouseholdNo), "H001");
    assert_eq!(zhao.0.get(Field::PersonType), "户籍");
}
