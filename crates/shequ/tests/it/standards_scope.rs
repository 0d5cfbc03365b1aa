//! Standards self-inspection, scope isolation: another community's head gets 404 on an inspection, its scores,
//! evidence, rectifications, report and page; a building leader cannot write; another street sees nothing.

use reqwest::StatusCode;
use serde_json::json;

use crate::standards::{import, item_id, xlsx, GOOD};
use crate::support::App;

#[tokio::test]
async fn another_community_sees_nothing_and_a_building_leader_cannot_write() {
    let app = App::start().await;
    let admin = app.login("admin").await;
    let (_, s) = import(&admin, "文明社区", xlsx(&GOOD)).await;
    // The street administrator starts community A2's inspection.
    let (st, i) = admin
        .post_json(
            "/api/standards/inspections",
            json!({"standard_id": s["id"], "community_id": app.world.community_a2, "year": 2026}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{i}");
    let id = i["id"].as_i64().unwrap();
    let (st, _) = admin
        .post_json(
            "/api/standards/inspections",
            json!({"standard_id": s["id"], "community_id": app.world.community_a2, "year": 2026}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    let (st, _) = admin
        .put_json(
            &format!("/api/standards/inspections/{id}/scores"),
            json!({"scores": [{"item_id": item_id(&s, "1"), "score": 2}]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    // Community A1's head: 404 on A2's inspection, its scores, evidence, rectifications, report and page.
    let shuji = app.login("shuji").await;
    let (st, _) = shuji
        .get_json(&format!("/api/standards/inspections/{id}"))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = shuji
        .put_json(
            &format!("/api/standards/inspections/{id}/scores"),
            json!({"scores": []}),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = shuji
        .post_json(&format!("/api/standards/inspections/{id}/evidence"), json!({"item_id": item_id(&s, "1"), "kind": "ledger", "ref_code": "governance.meetings"}))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = shuji
        .post_json(
            &format!("/api/standards/inspections/{id}/rectifications"),
            json!({"item_id": item_id(&s, "1"), "owner_id": 1, "working_days": 3}),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    for page in [
        format!("/standards/inspections/{id}"),
        format!("/standards/inspections/{id}/report"),
    ] {
        assert_eq!(
            shuji.get(&page).await.status(),
            StatusCode::NOT_FOUND,
            "{page}"
        );
    }
    let (_, list) = shuji.get_json("/api/standards/inspections").await;
    assert_eq!(list.as_array().unwrap().len(), 0);
    // Community A1 cannot start an inspection for A2.
    let (st, _) = shuji
        .post_json(
            "/api/standards/inspections",
            json!({"standard_id": s["id"], "community_id": app.world.community_a2, "year": 2027}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    // A rectification of A2 answers 404 to A1's head.
    let kid: i64 = {
        let r = admin
            .put_json(
                &format!("/api/standards/inspections/{id}/scores"),
                json!({"scores": [{"item_id": item_id(&s, "2"), "score": 0}]}),
            )
            .await;
        assert_eq!(r.0, StatusCode::OK);
        let owner: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'shuji'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        // shuji works in A1, not A2: refused as owner.
        let (st, _) = admin
            .post_json(
                &format!("/api/standards/inspections/{id}/rectifications"),
                json!({"item_id": item_id(&s, "2"), "owner_id": owner, "working_days": 3}),
            )
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        // A worker of A2's grid owns it.
        let g3 = shequ::accounts::users::create(
            &app.db,
            &shequ::accounts::Actor::system(),
            &shequ::accounts::users::NewUser {
                username: "wangge3".into(),
                display_name: "王网格".into(),
                password: crate::support::PASSWORD.into(),
                role: shequ::accounts::Role::GridWorker,
                street_id: Some(app.world.street_a),
                community_id: None,
                grids: vec![app.world.grid3],
                buildings: vec![],
            },
        )
        .await
        .unwrap();
        let (st, k) = admin
            .post_json(
                &format!("/api/standards/inspections/{id}/rectifications"),
                json!({"item_id": item_id(&s, "2"), "owner_id": g3, "working_days": 3}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{k}");
        k["id"].as_i64().unwrap()
    };
    let (st, _) = shuji
        .post_json(
            &format!("/api/standards/rectifications/{kid}/rectified"),
            json!({"note": "x"}),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = shuji
        .post_json(
            &format!("/api/standards/rectifications/{kid}/verify"),
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // A building leader cannot write (and sees no inspection).
    let louzu = app.login("louzu").await;
    let (st, _) = louzu
        .post_json(
            "/api/standards/inspections",
            json!({"standard_id": s["id"], "year": 2026}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = louzu
        .put_json(
            &format!("/api/standards/inspections/{id}/scores"),
            json!({"scores": []}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = import(&louzu, "x", xlsx(&GOOD)).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = louzu
        .get_json(&format!("/api/standards/inspections/{id}"))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // Another street's administrator: 404 everywhere.
    let other = app.login("admin_b").await;
    let (st, _) = other
        .get_json(&format!("/api/standards/inspections/{id}"))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = other
        .get_json(&format!("/api/standards/{}/comparison", s["id"]))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

async fn upload(
    s: &crate::support::Session,
    id: i64,
    item: i64,
    ty: &str,
    bytes: Vec<u8>,
) -> (StatusCode, String, String) {
    let form = reqwest::multipart::Form::new()
        .text("item_id", item.to_string())
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes)
                .file_name("照片.png")
                .mime_str(ty)
                .unwrap(),
        );
    let r = s
        .client
        .post(s.url(&format!("/standards/inspections/{id}/files")))
        .header("X-CSRF-Token", &s.csrf)
        .header("HX-Request", "true")
        .multipart(form)
        .send()
        .await
        .unwrap();
    let st = r.status();
    let redirect = r
        .headers()
        .get("HX-Redirect")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (st, redirect, r.text().await.unwrap())
}

#[tokio::test]
async fn evidence_files_are_checked_and_served_inside_the_scope_only() {
    let app = App::start().await;
    let admin = app.login("admin").await;
    let (_, s) = import(&admin, "绿色社区", xlsx(&GOOD)).await;
    let shuji = app.login("shuji").await;
    let (_, i) = shuji
        .post_json(
            "/api/standards/inspections",
            json!({"standard_id": s["id"], "year": 2026}),
        )
        .await;
    let id = i["id"].as_i64().unwrap();
    let item = item_id(&s, "3");
    // A script declared as a PNG and a file over 5 MB are refused, nothing stored.
    let (_, _, e) = upload(&shuji, id, item, "image/png", b"<script>".to_vec()).await;
    assert!(e.contains("不符"), "{e}");
    let mut big = crate::hazards::PNG.to_vec();
    big.resize(5 * 1024 * 1024 + 10, 0);
    let (_, _, e) = upload(&shuji, id, item, "image/png", big).await;
    assert!(e.contains("5MB"), "{e}");
    let (_, i) = shuji
        .get_json(&format!("/api/standards/inspections/{id}"))
        .await;
    assert_eq!(i["items"][2]["evidence"].as_array().unwrap().len(), 0);
    let (st, to, _) = upload(&shuji, id, item, "image/png", crate::hazards::PNG.to_vec()).await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        to.starts_with(&format!("/standards/inspections/{id}")),
        "{to}"
    );
    let (_, i) = shuji
        .get_json(&format!("/api/standards/inspections/{id}"))
        .await;
    let ev = &i["items"][2]["evidence"][0];
    assert_eq!(ev["kind_label"], "文件");
    assert_eq!(ev["label"], "照片.png");
    let href = ev["href"].as_str().unwrap();
    let r = shuji.get(href).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.bytes().await.unwrap().as_ref(), crate::hazards::PNG);
    // The page shows the file by its name; another street and a grid worker get 404.
    let page = shuji
        .get(&format!("/standards/inspections/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("照片.png"));
    for who in ["admin_b", "wangge1"] {
        let other = app.login(who).await;
        assert_eq!(
            other.get(href).await.status(),
            StatusCode::NOT_FOUND,
            "{who}"
        );
    }
}
