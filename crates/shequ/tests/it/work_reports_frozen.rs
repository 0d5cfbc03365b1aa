//! The drill-down of a finalised report (issue 14): each frozen figure lists the records it counted when the
//! report was finalised — a record added afterwards shows in the live drill-down, not in the frozen one —
//! paged, as .xlsx, with the time of finalisation in Beijing time, within the reader's scope.

use calamine::Reader;
use chrono::Datelike;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::cases::category;
use crate::support::App;
use crate::work_reports::{closed_case, new_report};

fn links(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["link"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_finalised_figure_lists_the_records_counted_at_finalisation() {
    let app = App::start().await;
    let w = &app.world;
    let shuji = app.login("shuji").await;
    let shegong = app.login("shegong").await;
    let dispute = category(&shuji, "dispute.neighbour").await;
    let first = closed_case(&shuji, &shegong, dispute, w.grid1, "邻里纠纷").await;
    let year = shequ::db::today().year().to_string();
    let r = new_report(&shuji, "annual", w.community_a1, &year).await;
    let id = r["id"].as_i64().unwrap();

    // A draft's figures are live: there is no frozen list yet.
    let frozen = format!("/api/reports/{id}/figures/cases.disputes/records");
    let (st, e) = shuji.get_json(&frozen).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");

    let (st, f) = shuji
        .post_json(&format!("/api/reports/{id}/finalise"), json!({}))
        .await;
    assert_eq!(st, StatusCode::OK, "{f}");
    let (st, kept) = shuji.get_json(&frozen).await;
    assert_eq!(st, StatusCode::OK, "{kept}");
    assert_eq!(kept["value"], 1.0);
    assert_eq!(kept["total"], 1);
    assert_eq!(links(&kept), [format!("/cases/{first}")]);
    assert!(kept["finalised_at"].is_string());

    // A record added afterwards: the live drill-down lists it, the frozen one does not.
    let second = closed_case(&shuji, &shegong, dispute, w.grid1, "又一起纠纷").await;
    let live = format!(
        "/api/indicators/cases.disputes/records?period={year}&node={}",
        w.community_a1
    );
    let (st, now) = shuji.get_json(&live).await;
    assert_eq!(st, StatusCode::OK, "{now}");
    let mut now_links = links(&now);
    now_links.sort();
    let mut want = vec![format!("/cases/{first}"), format!("/cases/{second}")];
    want.sort();
    assert_eq!(now_links, want);
    let (_, again) = shuji.get_json(&frozen).await;
    assert_eq!(links(&again), [format!("/cases/{first}")]);
    assert_eq!(again["total"], 1);

    // The report's page links its figures to the frozen list; that page says it is the list as of then.
    let page = shuji
        .get(&format!("/reports/work/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!(
            "/reports/work/{id}/figures/cases.disputes/records"
        )),
        "{page}"
    );
    let html = shuji
        .get(&format!(
            "/reports/work/{id}/figures/cases.disputes/records"
        ))
        .await;
    assert_eq!(html.status(), StatusCode::OK);
    let html = html.text().await.unwrap();
    assert!(
        html.contains("定稿时计入的记录") && html.contains("北京时间"),
        "{html}"
    );
    let html = html.replace("&#x2f;", "/");
    assert!(html.contains(&format!("/cases/{first}\"")), "{html}");
    assert!(!html.contains(&format!("/cases/{second}\"")), "{html}");

    // The .xlsx holds the frozen list: a title, the header, one record.
    let x = shuji
        .get(&format!(
            "/reports/work/{id}/figures/cases.disputes/records.xlsx"
        ))
        .await;
    assert_eq!(x.status(), StatusCode::OK);
    let bytes = x.bytes().await.unwrap().to_vec();
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(sheet.rows().count(), 3);
    assert!(sheet.rows().next().unwrap()[0]
        .to_string()
        .contains("定稿于"));

    // A code the report does not state, and a reader outside the report's scope: 404.
    let (st, _) = shuji
        .get_json(&format!("/api/reports/{id}/figures/no.such/records"))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let admin_b = app.login("admin_b").await;
    let (st, _) = admin_b.get_json(&frozen).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let st = admin_b
        .get(&format!(
            "/reports/work/{id}/figures/cases.disputes/records"
        ))
        .await
        .status();
    assert_eq!(st, StatusCode::NOT_FOUND);
}
