//! The worker's day (issue 21): Beijing time on every page, names instead of ids in the forms (type-ahead
//! lookups, scoped and masked), natural order of grids and buildings, and the 工作台 of what needs doing.

use crate::cases::report;
use crate::support::App;

#[tokio::test(flavor = "multi_thread")]
async fn a_case_page_shows_beijing_time() {
    let app = App::start().await;
    let w = &app.world;
    let g1 = app.login("wangge1").await;
    let id = report(&g1, "dispute.neighbour", w.dwelling1, "楼道漏水").await;
    // Stored in UTC: 02:30 UTC is 10:30 in Beijing; 18:00 UTC on the 1st is 02:00 on the 2nd.
    sqlx::query("UPDATE cases SET created_at = $1, stage_due_at = $2, due_at = $3 WHERE id = $4")
        .bind("2026-03-01 02:30:00")
        .bind("2026-03-01 18:00:00")
        .bind("2026-03-05 16:00:00")
        .bind(id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE case_events SET at = $1 WHERE case_id = $2")
        .bind("2026-03-01 02:30:00")
        .bind(id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let page = g1.get(&format!("/cases/{id}")).await.text().await.unwrap();
    assert!(
        page.contains("2026-03-02 02:00"),
        "stage due in Beijing time"
    );
    assert!(page.contains("2026-03-06 00:00"), "due in Beijing time");
    assert!(page.contains("2026-03-01 10:30"), "trail in Beijing time");
    assert!(!page.contains("UTC"), "no UTC label");
    assert!(!page.contains("02:30:00") && !page.contains("18:00:00"));
    let list = g1.get("/cases").await.text().await.unwrap();
    assert!(
        list.contains("2026-03-01 10:30"),
        "the list in Beijing time"
    );
}
