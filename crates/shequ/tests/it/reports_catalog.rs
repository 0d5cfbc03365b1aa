//! Indicators and ledgers from the domains' plug-ins (issues 13 and 14): figures computed from records entered
//! through the public API, within the caller's scope and narrowed to a node; rates with their parts and 无数据
//! without a denominator; a ledger page and its .xlsx (title, header, data, totals, footer) read back.

use std::io::Cursor;

use calamine::{Data, Reader};
use reqwest::StatusCode;
use serde_json::json;

use crate::cases::{ok, report};
use crate::support::{App, Session};

async fn value(s: &Session, q: String) -> serde_json::Value {
    let (st, v) = s.get_json(&q).await;
    assert_eq!(st, StatusCode::OK, "{q}: {v}");
    v
}

#[tokio::test(flavor = "multi_thread")]
async fn indicators_and_ledgers_count_the_records_in_scope() {
    let app = App::start().await;
    let w = &app.world;
    let g1 = app.login("wangge1").await;
    let g2 = app.login("wangge2").await;
    let shuji = app.login("shuji").await;

    // Four disputes in grid 1, three mediated successfully; one in grid 2.
    let mut ids = Vec::new();
    for i in 0..4 {
        let id = report(&g1, "dispute.neighbour", w.grid1, &format!("邻里纠纷{i}")).await;
        ok(&g1, id, "accept", json!({})).await;
        if i < 3 {
            let (st, m) = g1
                .put_json(&format!("/api/cases/{id}/mediation"), json!({"mediators": "人民调解员", "agreement": "双方和解", "result": "调解成功"}))
                .await;
            assert_eq!(st, StatusCode::OK, "{m}");
        }
        ids.push(id);
    }
    report(&g2, "dispute.family", w.grid2, "家庭矛盾").await;

    let v = value(&shuji, "/api/indicators/cases.disputes".into()).await;
    assert_eq!(v["value"], 5.0);
    let v = value(&g1, "/api/indicators/cases.disputes".into()).await;
    assert_eq!(v["value"], 4.0, "a grid worker counts their grids only");
    let v = value(
        &shuji,
        format!("/api/indicators/cases.mediation_rate?node={}", w.grid1),
    )
    .await;
    assert_eq!(
        (
            v["value"].as_f64(),
            v["numerator"].as_f64(),
            v["denominator"].as_f64()
        ),
        (Some(75.0), Some(3.0), Some(4.0))
    );
    assert_eq!(v["unit"], "%");
    // No hazards: the rectification rate has no value (无数据), never 0.
    let v = value(&shuji, "/api/indicators/hazards.rectify_rate".into()).await;
    assert!(v["value"].is_null(), "{v}");
    // Last year had no disputes; a bad period or an out-of-scope node changes nothing and says why.
    let v = value(
        &shuji,
        format!(
            "/api/indicators/cases.disputes?period={}",
            chrono::Datelike::year(&shequ::db::today()) - 1
        ),
    )
    .await;
    assert_eq!(v["value"], 0.0);
    let (st, e) = shuji
        .get_json("/api/indicators/cases.disputes?period=2025-Q5")
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (st, _) = g1
        .get_json(&format!("/api/indicators/cases.disputes?node={}", w.grid2))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = g1.get_json("/api/indicators/no.such").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (_, all) = g1.get_json("/api/indicators").await;
    assert!(all.as_array().unwrap().len() >= 25);

    // The ledger lists the grid's disputes; its .xlsx has the office layout.
    let (_, l) = g1.get_json("/api/ledgers/cases.disputes").await;
    let rows = l["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows.iter().filter(|r| r[6] == "调解成功").count(), 3);
    assert!(
        rows.iter().all(|r| r[7] == "立案"),
        "states as people say them: {rows:?}"
    );
    // The period form sends an empty node for the whole area; the unit is the user's area by name.
    let r = g1.get("/reports/indicators?period=2026&node=").await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = g1
        .get("/reports/ledgers/cases.disputes?period=&node=")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("填报单位:第一网格"), "the unit is named");
    assert!(!page.contains("填报单位:管辖范围"));
    let page = g1
        .get("/reports/ledgers/cases.disputes")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("矛盾纠纷排查调处台账") && page.contains("邻里纠纷3"));
    let r = g1.get("/reports/ledgers/cases.disputes/export.xlsx").await;
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut book = calamine::Xlsx::new(Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("台账").unwrap();
    let cell = |r: usize, c: usize| {
        sheet
            .get((r, c))
            .map(|d: &Data| d.to_string())
            .unwrap_or_default()
    };
    assert!(
        cell(0, 0).starts_with("矛盾纠纷排查调处台账"),
        "{}",
        cell(0, 0)
    );
    assert!(cell(1, 0).contains("填报单位"));
    assert_eq!((cell(2, 0).as_str(), cell(2, 1).as_str()), ("序号", "编号"));
    assert_eq!(cell(3, 0), "1");
    assert_eq!(cell(7, 0), "合计");
    assert!(cell(7, 1).contains('4'));
    assert!(cell(9, 0).starts_with("填表人"));
    let exports: i64 = sqlx::Row::get(
        &sqlx::query(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'export' AND entity = 'ledger'",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap(),
        0,
    );
    assert_eq!(exports, 1);
    let page = g1.get("/reports/indicators").await.text().await.unwrap();
    assert!(page.contains("调解成功率") && page.contains("无数据"));
}
