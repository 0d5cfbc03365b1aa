//! Rules of the registry a worker meets every day (issue 21): a 户号 names one household of the street (a
//! second household with it is refused, on the page and the API); a special group's own rule — 独居老人 and 空巢老人
//! are 60 and over — refuses a person who does not meet it on the form and the API, and leaves the tag out of
//! an import with a notice.

use reqwest::StatusCode;
use serde_json::json;

use crate::imports::{count, import, write};
use crate::support::{id, person_json, App};

#[tokio::test(flavor = "multi_thread")]
async fn a_household_number_is_taken_once_per_street() {
    let app = App::start().await;
    let w = &app.world;
    let s = app.login("shegong").await;
    let (status, body) = s
        .post_json(
            "/api/households",
            json!({"dwelling_id": w.dwelling1, "number": "H001"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body.to_string().contains("户号“H001”在本街道已有登记"),
        "{body}"
    );
    // Another street may use the number.
    let (status, body) = app
        .login("admin_b")
        .await
        .post_json(
            "/api/households",
            json!({"dwelling_id": w.dwelling_b, "number": "H001"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = s
        .post_json(
            "/api/households",
            json!({"dwelling_id": w.dwelling1, "number": "H009"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The page's form says why and stores nothing.
    let r = s
        .post_form(
            &format!("/registry/nodes/{}/households", w.dwelling1),
            &[("number", "H009")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("已有登记"));
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM households WHERE number = 'H009'"
        )
        .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_groups_age_rule_is_kept_on_the_form_the_api_and_the_import() {
    let app = App::start().await;
    let w = &app.world;
    let s = app.login("shegong").await;
    let elderly: i64 = sqlx::query_scalar("SELECT id FROM tag_types WHERE code = 'elderly_alone'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    // 赵军杰 was born in 1980.
    let (status, body) = s
        .post_json(
            &format!("/api/persons/{}/tags", w.zhao),
            json!({"tag_type_id": elderly, "fields": {}, "since": ""}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("独居老人须年满60周岁"), "{body}");
    let r = s
        .post_form(
            &format!("/persons/{}/tags", w.zhao),
            &[("tag_type_id", &elderly.to_string()), ("since", "")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM person_tags WHERE tag_type_id IN (SELECT id FROM tag_types WHERE code = 'elderly_alone')").await,
        0
    );
    // Someone born in 1950 is tagged.
    let (status, old) = s
        .post_json(
            "/api/persons",
            person_json("周老", &id("1950-04-04", 41), w.household1),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{old}");
    let (status, body) = s
        .post_json(
            &format!("/api/persons/{}/tags", old["id"]),
            json!({"tag_type_id": elderly, "fields": {}, "since": ""}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // In an import the tag is left out with a notice; the person is imported.
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "名单.csv",
        format!(
            "姓名,身份证号,现住小区,楼栋,单元,门牌,重点人员\n吴青,{},锦绣花园,1号楼,1单元,101,独居老人\n",
            id("1985-05-05", 42)
        )
        .as_bytes(),
    );
    let o = import(
        &app,
        "shegong",
        &file,
        w.grid1,
        shequ::imports::Mode::ValidRows,
    )
    .await
    .unwrap();
    assert!(o.committed);
    assert_eq!(o.counts.created, 1);
    assert!(o
        .problems
        .iter()
        .any(|p| p.code == "tag_rule" && p.message.contains("须年满60周岁")));
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM person_tags t JOIN persons p ON p.id = t.person_id WHERE p.name = '吴青'").await,
        0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_phone_shown_in_full_is_a_tap_away_and_the_field_pages_are_in_a_bottom_bar() {
    let app = App::start().await;
    let w = &app.world;
    sqlx::query("UPDATE persons SET phone = '13900001111' WHERE id = $1")
        .bind(w.zhao)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let page = |who: &'static str| {
        let app = &app;
        async move {
            let s = app.login(who).await;
            let html = s
                .get(&format!("/persons/{}", w.zhao))
                .await
                .text()
                .await
                .unwrap();
            let revealed = s
                .post_form(&format!("/persons/{}/reveal", w.zhao), &[])
                .await;
            (html, revealed.status(), revealed.text().await.unwrap())
        }
    };
    // A social worker reveals the number (audited): it is a link a tap calls.
    let (full, status, revealed) = page("shegong").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        revealed.contains(r#"<a class="tel" href="tel:13900001111">13900001111</a>"#),
        "{revealed}"
    );
    // Masked on the page: nothing to call, nothing revealed by a link. A building leader cannot reveal.
    assert!(!full.contains("tel:13900001111"));
    let (masked, status, _) = page("louzu").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!masked.contains("13900001111"));
    // Every staff page carries the bar of field pages (shown on a phone by the style sheet).
    for link in ["/cases", "/visits", "/hazards", "/persons"] {
        assert!(
            full.contains(&format!(r#"<a href="{link}">"#)) && full.contains(r#"id="tabbar""#),
            "{link}"
        );
    }
}
