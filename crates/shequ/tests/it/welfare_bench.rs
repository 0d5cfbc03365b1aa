//! The benchmark (run by hand, `--ignored`): a district's monthly payment list of 20,000 grants
//! generated and exported for the bank in under 2 s. The grants are copies of one approved grant (the list's
//! work — one INSERT … SELECT, the totals, the .xlsx rows — does not depend on who the households are).

use std::time::Instant;

use reqwest::StatusCode;
use serde_json::json;

use crate::support::App;
use crate::welfare::{approved, programme, setup};

#[tokio::test(flavor = "multi_thread")]
#[ignore]
async fn a_20000_grant_payment_list_is_generated_and_exported_in_under_2_s() {
    let app = App::start().await;
    setup(&app).await;
    let admin = app.login("admin").await;
    let dibao = programme(&admin, "dibao").await;
    let g = approved(&app, dibao, app.world.household1, 0).await;
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 19999) \
         INSERT INTO welfare_grants (programme_id, household_id, application_id, status, persons, income, amount, since, \
         next_review_on, street_id, community_id, grid_id, building_id, updated_at) \
         SELECT g.programme_id, g.household_id, NULL, 'active', g.persons, g.income, g.amount + (n.i % 7), g.since, \
         g.next_review_on, g.street_id, g.community_id, g.grid_id, g.building_id, g.updated_at FROM welfare_grants g, n WHERE g.id = $1",
    )
    .bind(g)
    .execute(&app.db.pool)
    .await
    .unwrap();
    let month = shequ::db::today().format("%Y-%m").to_string();
    let t = Instant::now();
    let (st, lists) = admin
        .post_json(
            "/api/welfare/payment-lists",
            json!({"programme_id": dibao, "month": month}),
        )
        .await;
    let generated = t.elapsed();
    assert_eq!(st, StatusCode::OK, "{lists}");
    assert_eq!(lists[0]["households"], 20000);
    let id = lists[0]["id"].as_i64().unwrap();
    admin
        .post_json(
            &format!("/api/welfare/payment-lists/{id}/approve"),
            json!({}),
        )
        .await;
    let t2 = Instant::now();
    let r = admin
        .get(&format!("/welfare/payments/{id}/export.xlsx"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap();
    let exported = t2.elapsed();
    println!(
        "generate {generated:?}, export {exported:?} ({} bytes)",
        bytes.len()
    );
    assert!(
        generated + exported < std::time::Duration::from_secs(2),
        "generate {generated:?} + export {exported:?}"
    );
}
