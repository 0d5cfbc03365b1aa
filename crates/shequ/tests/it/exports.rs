//! Exports of the registry tree — households and buildings under a node — read back with calamine: headers,
//! a frozen header row, rows computed from the world the test built, scope (404 for a node outside what the
//! role may see) and the audit entries; and every registry export read in keyset pages of any size giving
//! the same rows. The helpers here (sheet, col, exports_recorded, tag …) are shared with
//! `exports_people.rs`, which holds the exports of people: special-group members and rentals.

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx};
use reqwest::StatusCode;
use serde_json::Value;
use shequ::accounts::Actor;
use shequ::registry::households::{self, HouseholdInput};
use shequ::registry::nodes::{self, Kind, NodeInput};
use shequ::registry::persons::{self, PersonInput};
use shequ::registry::rentals::{self, RentalInput};
use shequ::registry::tags;
use sqlx::Row;

use crate::support::{id, person, App, Session};

/// The rows of the first sheet as text (dates as 2026-05-01, whole numbers as 2); checks that the download
/// is an .xlsx whose header row is frozen.
pub(crate) async fn sheet(s: &Session, path: &str) -> Vec<Vec<String>> {
    let r = s.get(path).await;
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("spreadsheetml"));
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut xml = String::new();
    zip::ZipArchive::new(Cursor::new(&bytes))
        .unwrap()
        .by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    assert!(xml.contains("ySplit=\"1\""), "frozen header row in {path}");
    assert!(xml.contains("<col "), "column widths in {path}");
    read_rows(bytes)
}

/// The rows of the first sheet of a workbook as text.
pub(crate) fn read_rows(bytes: Vec<u8>) -> Vec<Vec<String>> {
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
                    Data::Float(f) => format!("{f}"),
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

pub(crate) fn col(rows: &[Vec<String>], header: &str) -> Vec<String> {
    let i = rows[0]
        .iter()
        .position(|h| h == header)
        .unwrap_or_else(|| panic!("column {header} in {:?}", rows[0]));
    rows[1..]
        .iter()
        .map(|r| r.get(i).cloned().unwrap_or_default())
        .collect()
}

pub(crate) async fn status(s: &Session, path: &str) -> StatusCode {
    s.get(path).await.status()
}

/// (username, filter, rows) of every export of an entity, in order.
pub(crate) async fn exports_recorded(app: &App, entity: &str) -> Vec<(String, Value, i64)> {
    sqlx::query(
        "SELECT username, after_json FROM audit_log WHERE action = 'export' AND entity = $1 ORDER BY id",
    )
    .bind(entity)
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
    .iter()
    .map(|r| {
        let v: Value = serde_json::from_str(&r.get::<String, _>(1)).unwrap();
        (r.get(0), v["filter"].clone(), v["rows"].as_i64().unwrap())
    })
    .collect()
}

pub(crate) fn rows_of(recorded: &[(String, Value, i64)]) -> Vec<i64> {
    recorded.iter().map(|(_, _, n)| *n).collect()
}

pub(crate) fn day(offset: i64) -> String {
    (shequ::db::today() + chrono::Duration::days(offset)).to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn households_under_a_node_export_with_members_head_and_scope() {
    let app = App::start().await;
    let w = &app.world;
    let sys = Actor::system();
    // Household 1: 赵军杰 and its head 李梅, both living there; plus an archived, empty household.
    let li = PersonInput {
        relation: "户主".into(),
        ..person("李梅", &id("1982-05-05", 444), w.household1)
    };
    persons::create(&app.db, &sys, &li).await.unwrap();
    let h3 = households::create(
        &app.db,
        &sys,
        w.dwelling1,
        &HouseholdInput {
            number: "H003".into(),
        },
    )
    .await
    .unwrap()
    .id;
    households::archive(&app.db, &sys, h3).await.unwrap();

    let shuji = app.login("shuji").await;
    let page = shuji
        .get(&format!("/registry/nodes/{}", w.grid1))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("/registry/nodes/{}/households.xlsx", w.grid1)));
    assert!(page.contains(&format!("/registry/nodes/{}/buildings.xlsx", w.grid1)));
    assert!(page.contains("导出Excel"));
    let page = shuji
        .get(&format!("/registry/nodes/{}", w.dwelling1))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("/registry/nodes/{}/households.xlsx", w.dwelling1)));
    assert!(
        !page.contains("buildings.xlsx"),
        "no buildings below a dwelling"
    );

    let rows = sheet(
        &shuji,
        &format!("/registry/nodes/{}/households.xlsx", w.grid1),
    )
    .await;
    assert_eq!(
        rows[0],
        vec!["户号", "住址", "所属网格", "在住人数", "户主", "已归档"]
    );
    assert_eq!(
        rows[1],
        vec![
            "H001",
            "锦绣花园1号楼1单元101",
            "第一网格",
            "2",
            "李梅",
            "否"
        ]
    );
    assert_eq!(
        rows[2],
        vec!["H003", "锦绣花园1号楼1单元101", "第一网格", "0", "", "是"]
    );
    assert_eq!(rows.len(), 3);
    let rows = sheet(
        &shuji,
        &format!("/registry/nodes/{}/households.xlsx", w.community_a1),
    )
    .await;
    assert_eq!(col(&rows, "户号"), vec!["H001", "H002", "H003"]);
    assert_eq!(
        col(&rows, "所属网格"),
        vec!["第一网格", "第二网格", "第一网格"]
    );
    // A dwelling's own households.
    let rows = sheet(
        &shuji,
        &format!("/registry/nodes/{}/households.xlsx", w.dwelling2),
    )
    .await;
    assert_eq!(col(&rows, "户号"), vec!["H002"]);

    // Grid 2's worker: 404 for grid 1 and for the community above, their own grid only.
    let g2 = app.login("wangge2").await;
    for node in [w.grid1, w.community_a1, w.dwelling1, w.street_a] {
        assert_eq!(
            status(&g2, &format!("/registry/nodes/{node}/households.xlsx")).await,
            StatusCode::NOT_FOUND
        );
    }
    let rows = sheet(&g2, &format!("/registry/nodes/{}/households.xlsx", w.grid2)).await;
    assert_eq!(col(&rows, "户号"), vec!["H002"]);
    // Another street's administrator never reaches street A.
    let admin_b = app.login("admin_b").await;
    assert_eq!(
        status(
            &admin_b,
            &format!("/registry/nodes/{}/households.xlsx", w.street_a)
        )
        .await,
        StatusCode::NOT_FOUND
    );
    let rows = sheet(
        &admin_b,
        &format!("/registry/nodes/{}/households.xlsx", w.street_b),
    )
    .await;
    assert_eq!(col(&rows, "户号"), vec!["H900"]);
    // The building leader: their building.
    let louzu = app.login("louzu").await;
    let rows = sheet(
        &louzu,
        &format!("/registry/nodes/{}/households.xlsx", w.building1),
    )
    .await;
    assert_eq!(col(&rows, "户号"), vec!["H001", "H003"]);

    let recorded = exports_recorded(&app, "household").await;
    assert_eq!(rows_of(&recorded), vec![2, 3, 1, 1, 1, 2]);
    assert_eq!(recorded[0].0, "shuji");
    assert_eq!(recorded[0].1["node_id"], w.grid1);
    assert_eq!(recorded[0].1["node"], "第一网格");
    assert_eq!(recorded[3].0, "wangge2");
}

#[tokio::test(flavor = "multi_thread")]
async fn buildings_under_a_node_export_with_their_counts() {
    let app = App::start().await;
    let w = &app.world;
    let sys = Actor::system();
    // A second dwelling straight under building 1 (a shop), with no household.
    nodes::create(
        &app.db,
        &sys,
        Some(w.building1),
        Kind::Dwelling,
        &NodeInput {
            name: "底商".into(),
            code: None,
        },
    )
    .await
    .unwrap();
    let shuji = app.login("shuji").await;
    let rows = sheet(
        &shuji,
        &format!("/registry/nodes/{}/buildings.xlsx", w.community_a1),
    )
    .await;
    assert_eq!(
        rows[0],
        vec![
            "所属网格",
            "小区",
            "楼栋",
            "单元数",
            "房屋数",
            "户数",
            "在住人数"
        ]
    );
    assert_eq!(
        rows[1],
        vec!["第一网格", "锦绣花园", "1号楼", "1", "2", "1", "1"]
    );
    assert_eq!(
        rows[2],
        vec!["第二网格", "阳光小区", "2号楼", "0", "1", "1", "1"]
    );
    assert_eq!(rows.len(), 3);
    let rows = sheet(
        &shuji,
        &format!("/registry/nodes/{}/buildings.xlsx", w.building2),
    )
    .await;
    assert_eq!(col(&rows, "楼栋"), vec!["2号楼"]);

    let g1 = app.login("wangge1").await;
    for node in [w.community_a1, w.estate2, w.building2] {
        assert_eq!(
            status(&g1, &format!("/registry/nodes/{node}/buildings.xlsx")).await,
            StatusCode::NOT_FOUND
        );
    }
    let rows = sheet(&g1, &format!("/registry/nodes/{}/buildings.xlsx", w.grid1)).await;
    assert_eq!(col(&rows, "楼栋"), vec!["1号楼"]);
    let admin = app.login("admin").await;
    let rows = sheet(
        &admin,
        &format!("/registry/nodes/{}/buildings.xlsx", w.street_a),
    )
    .await;
    assert_eq!(col(&rows, "楼栋"), vec!["1号楼", "2号楼"], "not street B's");

    let recorded = exports_recorded(&app, "building").await;
    assert_eq!(rows_of(&recorded), vec![2, 1, 1, 2]);
    assert_eq!(recorded[2].0, "wangge1");
}

pub(crate) async fn tag_type(app: &App, code: &str) -> i64 {
    tags::types(&app.db, &Actor::system())
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.code == code)
        .unwrap()
        .id
}

pub(crate) async fn tag(app: &App, person: i64, type_id: i64, fields: Value, since: &str) {
    tags::add(
        &app.db,
        &Actor::system(),
        person,
        type_id,
        &tags::values_from_json(&fields),
        since,
    )
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn exports_read_in_keyset_pages_give_the_same_rows_at_every_page_size() {
    use shequ::exports;
    let app = App::start().await;
    let w = &app.world;
    let sys = Actor::system();
    for n in ["H004", "H005"] {
        households::create(
            &app.db,
            &sys,
            w.dwelling2,
            &HouseholdInput { number: n.into() },
        )
        .await
        .unwrap();
    }
    let veteran = tag_type(&app, "veteran").await;
    for p in [w.zhao, w.qian, w.sun] {
        tag(&app, p, veteran, serde_json::json!({}), "").await;
    }
    for d in [w.dwelling1, w.dwelling2, w.dwelling_b] {
        let input = RentalInput {
            landlord_name: format!("房东{d}"),
            ..Default::default()
        };
        rentals::create(&app.db, &sys, d, &input).await.unwrap();
    }
    let db = &app.db;
    let (all, n) = exports::households::xlsx(db, &sys, w.street_a)
        .await
        .unwrap();
    assert_eq!(n, 4);
    let all = read_rows(all);
    for size in [1, 2, 3, 4] {
        let (b, _) = exports::households::xlsx_paged(db, &sys, w.street_a, size)
            .await
            .unwrap();
        assert_eq!(read_rows(b), all, "households, pages of {size}");
    }
    let (all, n) = exports::buildings::xlsx(db, &sys, w.street_a)
        .await
        .unwrap();
    assert_eq!(n, 2);
    let all = read_rows(all);
    for size in [1, 2] {
        let (b, _) = exports::buildings::xlsx_paged(db, &sys, w.street_a, size)
            .await
            .unwrap();
        assert_eq!(read_rows(b), all, "buildings, pages of {size}");
    }
    let (all, n) = exports::tags::xlsx(db, &sys, veteran).await.unwrap();
    assert_eq!(n, 3);
    let all = read_rows(all);
    for size in [1, 2, 3] {
        let (b, _) = exports::tags::xlsx_paged(db, &sys, veteran, size)
            .await
            .unwrap();
        assert_eq!(read_rows(b), all, "special group, pages of {size}");
    }
    let (all, n) = exports::rentals::xlsx(db, &sys).await.unwrap();
    assert_eq!(n, 3);
    let all = read_rows(all);
    for size in [1, 2, 3] {
        let (b, _) = exports::rentals::xlsx_paged(db, &sys, size).await.unwrap();
        assert_eq!(read_rows(b), all, "rentals, pages of {size}");
    }
}
