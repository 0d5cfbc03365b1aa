//! The case list: its total comes from the per-scope counts kept with the case writes (a new case counts at
//! once; the kept numbers always equal a count of the records), pages follow each other by id (keyset
//! "下一页" / "上一页" links: no case lost or repeated), `?page=N` still works, and a grid worker's list and
//! total never include another grid.

use reqwest::StatusCode;
use sqlx::Row;

use crate::cases::report;
use crate::support::{App, Session};

/// The case ids on an HTML list page, its total (共 N 件) and its next / previous links.
async fn html_page(s: &Session, url: &str) -> (Vec<i64>, i64, Option<String>, Option<String>) {
    let r = s.get(url).await;
    assert_eq!(r.status(), StatusCode::OK, "{url}");
    let html = r.text().await.unwrap();
    let ids = html
        .split("<td><a href=\"/cases/")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].parse().unwrap())
        .collect();
    let total = html
        .split("共 ")
        .nth(1)
        .map(|s| s[..s.find(' ').unwrap()].parse().unwrap())
        .unwrap();
    let link = |rel: &str| {
        html.split(&format!("rel=\"{rel}\" href=\""))
            .nth(1)
            .map(|s| s[..s.find('"').unwrap()].to_string())
    };
    (ids, total, link("next"), link("prev"))
}

/// Case ids of the records with `cond`, newest first.
async fn ids_where(app: &App, cond: &str) -> Vec<i64> {
    sqlx::query(&format!(
        "SELECT id FROM cases WHERE {cond} ORDER BY id DESC"
    ))
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
    .iter()
    .map(|r| r.get::<i64, _>(0))
    .collect()
}

/// The kept counts equal a count of the records, for every street, community and grid.
async fn assert_counts_match_records(app: &App) {
    let kept: Vec<(i64, i64)> =
        sqlx::query_as("SELECT node_id, cases FROM case_scope_counts ORDER BY node_id")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    let counted: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT id, CAST(COUNT(*) AS BIGINT) FROM (SELECT street_id AS id FROM cases \
         UNION ALL SELECT community_id FROM cases UNION ALL SELECT grid_id FROM cases) x \
         GROUP BY id ORDER BY id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(kept, counted);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_case_list_total_is_kept_pages_follow_by_id_and_stay_in_scope() {
    let app = App::start().await;
    let w = &app.world;
    let admin = app.login("admin").await;
    for i in 0..64 {
        report(
            &admin,
            "dispute.neighbour",
            w.building1,
            &format!("一网格{i}"),
        )
        .await;
    }
    for i in 0..12 {
        report(
            &admin,
            "dispute.neighbour",
            w.building2,
            &format!("二网格{i}"),
        )
        .await;
    }
    assert_counts_match_records(&app).await;
    let street = ids_where(&app, &format!("street_id = {}", w.street_a)).await;
    let grid1 = ids_where(&app, &format!("grid_id = {}", w.grid1)).await;
    assert_eq!(street.len(), 76);

    // Forward by the next-page links: every case once, newest first, with the street's total on each page.
    let mut seen = Vec::new();
    let mut url = "/cases".to_string();
    let last = loop {
        let (ids, total, next, _) = html_page(&admin, &url).await;
        assert_eq!(total, 76);
        assert!(!ids.is_empty() && ids.len() <= 50);
        seen.extend(ids);
        match next {
            Some(n) => {
                assert!(n.contains("&page=2&after="), "{n}");
                url = n;
            }
            None => break url,
        }
    };
    assert_eq!(seen, street);
    // And back from the last page: the first page again.
    let (_, _, _, prev) = html_page(&admin, &last).await;
    let (ids, _, _, prev2) = html_page(&admin, &prev.expect("a previous page")).await;
    assert_eq!(ids, street[..50].to_vec());
    assert!(prev2.is_none(), "nothing newer than the first page");
    // ?page=2 (by offset) and the API's `after` answer the same.
    let (ids, _, _, _) = html_page(&admin, "/cases?page=2").await;
    assert_eq!(ids, street[50..].to_vec());
    let (st, p) = admin
        .get_json(&format!("/api/cases?after={}", street[49]))
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(crate::cases::ids(&p), street[50..].to_vec());
    assert_eq!(p["total"], 76);
    assert_eq!(p["has_older"], false);
    assert_eq!(p["has_newer"], true);

    // A new case counts at once, in the street's, the community's and the grid's total.
    report(&admin, "dispute.neighbour", w.building1, "刚上报").await;
    let (ids, total, _, _) = html_page(&admin, "/cases").await;
    assert_eq!(total, 77);
    assert_eq!(ids[0], *ids_where(&app, "1=1").await.first().unwrap());
    let shuji = app.login("shuji").await;
    let (st, p) = shuji.get_json("/api/cases").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(p["total"], 77, "both grids lie in community a1");
    assert_counts_match_records(&app).await;

    // A grid worker's list and total hold their grid only, through every way of asking.
    let g1 = app.login("wangge1").await;
    let grid1 = [
        ids_where(&app, &format!("grid_id = {}", w.grid1)).await[..1].to_vec(),
        grid1,
    ]
    .concat();
    let (ids, total, next, _) = html_page(&g1, "/cases").await;
    assert_eq!(total, 65);
    let (more, _, _, _) = html_page(&g1, &next.unwrap()).await;
    assert_eq!([ids, more].concat(), grid1);
    let (ids, total, _, _) = html_page(&g1, &format!("/cases?after={}", i64::MAX)).await;
    assert_eq!(total, 65);
    assert!(ids.iter().all(|i| grid1.contains(i)));
    let (ids, _, _, _) = html_page(&g1, "/cases?before=0").await;
    assert!(ids.iter().all(|i| grid1.contains(i)));
    let (_, p) = g1
        .get_json(&format!("/api/cases?grid_id={}", w.grid2))
        .await;
    assert_eq!(p["total"], 0);
    assert!(crate::cases::ids(&p).is_empty());
    let g2 = app.login("wangge2").await;
    let (ids, total, next, _) = html_page(&g2, "/cases").await;
    assert_eq!(total, 12);
    assert!(next.is_none());
    assert_eq!(
        ids,
        ids_where(&app, &format!("grid_id = {}", w.grid2)).await
    );
    // A filtered list is counted from the records.
    let (_, p) = admin
        .get_json(&format!("/api/cases?grid_id={}", w.grid2))
        .await;
    assert_eq!(p["total"], 12);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_kept_counts_are_rebuilt_after_bulk_writes() {
    let app = App::start().await;
    let w = &app.world;
    let admin = app.login("admin").await;
    for i in 0..3 {
        report(
            &admin,
            "dispute.neighbour",
            w.building1,
            &format!("批量{i}"),
        )
        .await;
    }
    // A bulk writer (the generators) bypasses the kept counts, then rebuilds them.
    sqlx::query("DELETE FROM case_scope_counts")
        .execute(&app.db.pool)
        .await
        .unwrap();
    shequ::cases::counts::rebuild(&app.db).await.unwrap();
    assert_counts_match_records(&app).await;
    let (_, p) = admin.get_json("/api/cases").await;
    assert_eq!(p["total"], 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_list_filters_show_a_new_grid_and_category_at_once() {
    use serde_json::json;
    let app = App::start().await;
    let w = &app.world;
    let admin = app.login("admin").await;
    let g1 = app.login("wangge1").await;
    // Read once so that the lists are cached.
    let page = admin.get("/cases").await.text().await.unwrap();
    assert!(page.contains("第一网格") && !page.contains("新建网格"));
    let page = g1.get("/cases").await.text().await.unwrap();
    assert!(page.contains("第一网格") && !page.contains("第二网格"));
    let (st, n) = admin
        .post_json(
            "/api/nodes",
            json!({"parent_id": w.community_a1, "kind": "grid", "name": "新建网格"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{n}");
    let dispute = crate::cases::category(&admin, "dispute").await;
    let (st, c) = admin
        .post_json(
            "/api/case-categories",
            json!({"code": "dispute.noise", "name": "噪音纠纷", "parent_id": dispute, "dispute": true,
                   "accept_hours": 12, "dispatch_hours": 12, "handle_hours": 48, "close_hours": 24}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{c}");
    let page = admin.get("/cases").await.text().await.unwrap();
    assert!(page.contains("新建网格"), "grid");
    assert!(page.contains("噪音纠纷"), "category");
    // The chosen filter stays selected.
    let page = admin
        .get(&format!("/cases?grid_id={}", w.grid2))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("<option value=\"{}\" selected>第二网格", w.grid2)));
    // Scoped: the grid worker's filter still holds their grid only.
    let page = g1.get("/cases").await.text().await.unwrap();
    assert!(page.contains("第一网格") && !page.contains("新建网格") && !page.contains("第二网格"));
}
