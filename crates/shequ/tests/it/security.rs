//! Findings of the security probe (issue 16) beside the upload limits: security headers on every answer, the
//! language switch redirecting only within the site, and digit search that does not confirm masked digits.

use reqwest::StatusCode;

use crate::support::App;

#[tokio::test(flavor = "multi_thread")]
async fn answers_carry_security_headers_and_personal_pages_are_not_cached() {
    let app = App::start().await;
    let s = app.login("wangge1").await;
    for path in [
        "/",
        "/persons",
        &format!("/persons/{}", app.world.zhao),
        "/api/persons",
        "/login",
    ] {
        let r = s.get(path).await;
        let h = r.headers();
        let csp = h
            .get("content-security-policy")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
            "{path}: {csp}"
        );
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["cache-control"], "no-store", "{path}");
    }
    // Static files stay cacheable.
    let r = s.get("/static/app.css").await;
    assert!(r.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("max-age"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_language_switch_goes_back_only_to_a_page_of_this_site() {
    let app = App::start().await;
    let s = app.login("wangge1").await;
    for (referer, expected) in [
        (format!("{}/persons?q=x", s.base), "/persons?q=x"),
        ("http://evil.example//evil.example/x".to_string(), "/"),
        ("http://evil.example/\\evil.example".to_string(), "/"),
        ("not a url".to_string(), "/"),
    ] {
        let r = s
            .client
            .post(s.url("/lang"))
            .header("Referer", referer.as_str())
            .form(&[("_csrf", s.csrf.as_str()), ("lang", "zh")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{referer}");
        assert_eq!(r.headers()["location"], expected, "{referer}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_role_that_may_not_unmask_cannot_confirm_masked_digits_by_search() {
    let app = App::start().await;
    let w = &app.world;
    let middle = &w.zhao_id[6..14];
    let names = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_string())
            .collect()
    };
    let g1 = app.login("wangge1").await;
    let (_, found) = g1.get_json(&format!("/api/persons?q={middle}")).await;
    assert_eq!(
        names(&found),
        vec!["赵军杰"],
        "a role that may unmask searches ID fragments"
    );
    let louzu = app.login("louzu").await;
    let (st, found) = louzu.get_json(&format!("/api/persons?q={middle}")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(names(&found).is_empty(), "{found}");
    let (_, found) = louzu.get_json("/api/persons?q=345678").await;
    assert!(
        names(&found).is_empty(),
        "six phone digits would confirm masked ones: {found}"
    );
    // The four digits the mask shows still find the person.
    let (_, found) = louzu.get_json("/api/persons?q=5678").await;
    assert_eq!(names(&found), vec!["赵军杰"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_duplicate_outside_the_scope_does_not_say_it_is_registered() {
    let app = App::start().await;
    let w = &app.world;
    // 赵军杰 lives in grid 1. The worker of grid 2 learns only that the number cannot be registered here.
    let g2 = app.login("wangge2").await;
    let (st, e) = g2
        .post_json(
            "/api/persons",
            crate::support::person_json("冒名", &w.zhao_id, w.household2),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert!(
        e.to_string()
            .contains(shequ::db::constraints::PERSON_ELSEWHERE),
        "{e}"
    );
    assert!(!e.to_string().contains("已有登记"));
    let n: i64 = sqlx::Row::get(
        &sqlx::query("SELECT COUNT(*) FROM audit_log WHERE action = 'duplicate_elsewhere' AND entity_id = $1")
            .bind(w.zhao)
            .fetch_one(&app.db.pool)
            .await
            .unwrap(),
        0,
    );
    assert_eq!(n, 1, "the street administrator can see the attempt");
    // Inside the scope the message says the person is registered.
    let g1 = app.login("wangge1").await;
    let (st, e) = g1
        .post_json(
            "/api/persons",
            crate::support::person_json("赵军杰", &w.zhao_id, w.household1),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert!(
        e.to_string()
            .contains(shequ::db::constraints::DUPLICATE_PERSON),
        "{e}"
    );
}
