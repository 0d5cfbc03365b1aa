//! Exports of the case list and the new lists (hazards, visits, patrol logs, overdue visits) read back with
//! calamine: the same filters and scope as the pages, phones masked for roles that may not reveal them, and
//! every export in the audit log with its row count.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use reqwest::StatusCode;
use serde_json::json;
use sqlx::Row;

use crate::cases::report;
use crate::hazards::{day, new_hazard};
use crate::support::{App, Session};

/// The rows of the first sheet as text (dates as 2026-05-01).
async fn sheet(s: &Session, path: &str) -> Vec<Vec<String>> {
    let r = s.get(path).await;
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("spreadsheetml"));
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    let range = wb.worksheet_range_at(0).unwrap().unwrap();
    range
        .rows()
        .map(|row| {
            row.iter()
                .map(|c| match c {
                    Data::DateTime(d) => {
                        let base = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap();
                        (base + chrono::Duration::days(d.as_f64() as i64)).to_string()
                    }
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

fn col(rows: &[Vec<String>], header: &str) -> Vec<String> {
    let i = rows[0]
        .iter()
        .position(|h| h == header)
        .unwrap_or_else(|| panic!("column {header} in {:?}", rows[0]));
    rows[1..].iter().map(|r| r[i].clone()).collect()
}

async fn exports_recorded(app: &App, entity: &str) -> Vec<i64> {
    sqlx::query(
        "SELECT after_json FROM audit_log WHERE action = 'export' AND entity = $1 ORDER BY id",
    )
    .bind(entity)
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
    .iter()
    .map(|r| {
        let v: serde_json::Value = serde_json::from_str(&r.get::<String, _>(0)).unwrap();
        v["rows"].as_i64().unwrap()
    })
    .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_case_list_exports_with_the_pages_filters_scope_and_masking() {
    let app = App::start().await;
    let w = &app.world;
    let g1 = app.login("wangge1").await;
    let g2 = app.login("wangge2").await;
    let shuji = app.login("shuji").await;
    let a = report(&g1, "dispute.neighbour", w.building1, "一号楼漏水").await;
    report(&g1, "sanitation", w.grid1, "垃圾未清运").await;
    report(&g2, "sanitation", w.estate2, "阳光小区垃圾").await;
    crate::cases::ok(&g1, a, "accept", json!({})).await;

    let rows = sheet(&shuji, "/cases/export.xlsx").await;
    assert_eq!(rows[0][0], "编号");
    assert_eq!(rows.len(), 1 + 3);
    let rows = sheet(&shuji, &format!("/cases/export.xlsx?grid_id={}", w.grid1)).await;
    let mut titles = col(&rows, "标题");
    titles.sort();
    assert_eq!(titles, vec!["一号楼漏水", "垃圾未清运"]);
    assert_eq!(col(&rows, "网格"), vec!["第一网格", "第一网格"]);
    let rows = sheet(&shuji, "/cases/export.xlsx?state=accepted").await;
    assert_eq!(col(&rows, "标题"), vec!["一号楼漏水"]);
    assert_eq!(col(&rows, "状态"), vec!["立案"]);
    assert_eq!(col(&rows, "负责人"), vec!["wangge1用户"]);
    assert_eq!(col(&rows, "联系电话"), vec!["13900001111"]);
    // The grid worker of grid 2 exports only their own grid, whatever the filter says.
    let rows = sheet(&g2, &format!("/cases/export.xlsx?grid_id={}", w.grid1)).await;
    assert_eq!(rows.len(), 1);
    let rows = sheet(&g2, "/cases/export.xlsx").await;
    assert_eq!(col(&rows, "标题"), vec!["阳光小区垃圾"]);
    // A building leader sees the case in their building with the phone masked.
    let louzu = app.login("louzu").await;
    let rows = sheet(&louzu, "/cases/export.xlsx").await;
    assert_eq!(col(&rows, "标题"), vec!["一号楼漏水"]);
    assert_eq!(col(&rows, "联系电话"), vec!["139****1111"]);
    assert_eq!(exports_recorded(&app, "case").await, vec![3, 2, 1, 0, 1, 1]);
}

#[tokio::test(flavor = "multi_thread")]
async fn hazards_visits_patrols_and_overdue_lists_export() {
    let app = App::start().await;
    let w = &app.world;
    let g1 = app.login("wangge1").await;
    let g2 = app.login("wangge2").await;
    let shuji = app.login("shuji").await;
    new_hazard(&g1, w.building1, &day(-10), &day(-2)).await;
    new_hazard(&g2, w.estate2, "", &day(5)).await;
    let rows = sheet(&shuji, "/hazards/export.xlsx").await;
    assert_eq!(rows.len(), 3);
    let rows = sheet(&shuji, "/hazards/export.xlsx?overdue=true").await;
    assert_eq!(col(&rows, "网格"), vec!["第一网格"]);
    assert_eq!(col(&rows, "发现日期"), vec![day(-10)]);
    assert_eq!(col(&rows, "整改期限"), vec![day(-2)]);
    assert_eq!(col(&rows, "是否逾期"), vec!["是"]);
    let rows = sheet(&g2, "/hazards/export.xlsx").await;
    assert_eq!(col(&rows, "网格"), vec!["第二网格"]);

    for (s, h, ago, reason) in [(&g1, w.household1, 3, "病"), (&g2, w.household2, 40, "困")] {
        let (st, v) = s
            .post_json(
                "/api/visits",
                json!({"household_id": h, "visited_on": day(-ago), "kind": "四必访", "reason": reason, "note": "送医"}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{v}");
    }
    let rows = sheet(&shuji, &format!("/visits/export.xlsx?from={}", day(-30))).await;
    assert_eq!(col(&rows, "户号"), vec!["H001"]);
    assert_eq!(col(&rows, "走访日期"), vec![day(-3)]);
    assert_eq!(col(&rows, "事由"), vec!["病"]);
    assert_eq!(col(&rows, "走访人"), vec!["wangge1用户"]);
    let rows = sheet(&g1, "/visits/export.xlsx").await;
    assert_eq!(rows.len(), 2, "grid 1 only");

    let (_, rule) = shuji
        .post_json(
            "/api/visit-rules",
            json!({"name": "每月走访", "every_days": 30}),
        )
        .await;
    let rows = sheet(
        &shuji,
        &format!("/visits/rules/{}/overdue.xlsx", rule["id"]),
    )
    .await;
    assert_eq!(col(&rows, "户号"), vec!["H002"]);
    assert_eq!(col(&rows, "上次走访"), vec![day(-40)]);
    assert_eq!(col(&rows, "距上次走访天数"), vec!["40"]);

    let (_, team) = shuji
        .post_json(
            "/api/patrol-teams",
            json!({"name": "联防队", "kind": "治安联防队", "area_id": w.community_a1}),
        )
        .await;
    for (s, area) in [(&g1, w.estate1), (&g2, w.estate2)] {
        let (st, l) = s
            .post_json(
                "/api/patrol-logs",
                json!({"team_id": team["id"], "area_id": area, "started_at": format!("{} 20:00", day(-1)),
                       "ended_at": format!("{} 22:00", day(-1)), "patrollers": "周大海、刘志强", "summary": "夜间巡逻"}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{l}");
    }
    let rows = sheet(&shuji, "/patrols/logs/export.xlsx").await;
    assert_eq!(rows.len(), 3);
    let rows = sheet(&g1, "/patrols/logs/export.xlsx").await;
    assert_eq!(col(&rows, "巡逻区域"), vec!["锦绣花园"]);
    assert_eq!(col(&rows, "开始时间"), vec![format!("{} 20:00", day(-1))]);
    assert_eq!(exports_recorded(&app, "hazard").await, vec![2, 1, 1]);
    assert_eq!(exports_recorded(&app, "visit").await, vec![1, 1]);
    assert_eq!(exports_recorded(&app, "visit_overdue").await, vec![1]);
    assert_eq!(exports_recorded(&app, "patrol_log").await, vec![2, 1]);
}
