//! Hazards (安全隐患) over HTTP: found → reported → rectified with a photo, the checks on uploads (size, type,
//! content), attachments of cases, overdue hazards, the audit trail, and scope isolation on every endpoint.

use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::Row;

use crate::cases::report;
use crate::support::{App, Session};

pub(crate) const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR-test-image-bytes";

pub(crate) fn today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

pub(crate) fn day(offset: i64) -> String {
    (today() + chrono::Duration::days(offset)).to_string()
}

pub(crate) async fn upload(
    s: &Session,
    path: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &str, Vec<u8>)>,
) -> (StatusCode, Value) {
    let mut form = Form::new();
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    if let Some((field, ty, bytes)) = file {
        let part = Part::bytes(bytes)
            .file_name("现场.png")
            .mime_str(ty)
            .unwrap();
        form = form.part(field.to_string(), part);
    }
    let r = s
        .client
        .post(s.url(path))
        .header("X-CSRF-Token", &s.csrf)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let st = r.status();
    (st, r.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn new_hazard(s: &Session, location: i64, found: &str, by: &str) -> Value {
    let (st, h) = s
        .post_json(
            "/api/hazards",
            json!({"kind": "消防", "title": "楼道堆放杂物", "description": "3楼楼道堆放纸箱,堵塞消防通道",
                   "location_id": location, "found_on": found, "rectify_by": by}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{h}");
    h
}

async fn audit_actions(app: &App, entity: &str, id: i64) -> Vec<String> {
    sqlx::query("SELECT action FROM audit_log WHERE entity = $1 AND entity_id = $2 ORDER BY id")
        .bind(entity)
        .bind(id)
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hazard_is_found_reported_and_rectified_with_a_photo() {
    let app = App::start().await;
    let w = &app.world;
    let g1 = app.login("wangge1").await;

    // Checks name the field.
    let (st, e) = g1
        .post_json(
            "/api/hazards",
            json!({"kind": "消防", "title": "x", "location_id": w.building1}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "整改期限", "{e}");
    let (st, e) = g1
        .post_json(
            "/api/hazards",
            json!({"kind": "地震", "title": "x", "location_id": w.building1, "rectify_by": day(3)}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "隐患类型");

    let h = new_hazard(&g1, w.building1, "", &day(7)).await;
    let id = h["id"].as_i64().unwrap();
    assert!(h["number"].as_str().unwrap().starts_with("YH"));
    assert_eq!(h["state"], "found");
    assert_eq!(h["state_label"], "发现");
    assert_eq!(h["grid_id"], w.grid1);
    assert_eq!(h["found_on"], day(0));
    assert_eq!(h["overdue"], false);

    // Rectified needs a photo; reporting first.
    let (st, e) = g1
        .post_json(&format!("/api/hazards/{id}/report"), json!({}))
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "上报对象");
    let (st, h) = g1
        .post_json(
            &format!("/api/hazards/{id}/report"),
            json!({"reported_to": "物业", "note": "请物业当天清理"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{h}");
    assert_eq!(h["state"], "reported");
    assert_eq!(h["reported_to"], "物业");

    let path = format!("/api/hazards/{id}/rectify");
    let (st, e) = upload(&g1, &path, &[("note", "已清理")], None).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "整改照片", "{e}");
    // A script declared as a PNG, a text file, and a file over 5 MB are refused.
    let (st, e) = upload(
        &g1,
        &path,
        &[("note", "已清理")],
        Some(("photo", "image/png", b"<script>alert(1)</script>".to_vec())),
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e["error"].as_str().unwrap().contains("不符"), "{e}");
    let (st, e) = upload(
        &g1,
        &path,
        &[("note", "已清理")],
        Some(("photo", "text/html", b"<html>".to_vec())),
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "整改照片");
    let mut big = PNG.to_vec();
    big.resize(5 * 1024 * 1024 + 10, 0);
    let (st, e) = upload(
        &g1,
        &path,
        &[("note", "已清理")],
        Some(("photo", "image/png", big)),
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e["error"].as_str().unwrap().contains("5MB"), "{e}");
    let (st, e) = upload(&g1, &path, &[], Some(("photo", "image/png", PNG.to_vec()))).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "整改情况");
    // Nothing was stored by the refused attempts.
    let (_, d) = g1.get_json(&format!("/api/hazards/{id}")).await;
    assert_eq!(d["attachments"].as_array().unwrap().len(), 0);

    let (st, h) = upload(
        &g1,
        &path,
        &[("note", "纸箱已清走,通道畅通")],
        Some(("photo", "image/png", PNG.to_vec())),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{h}");
    assert_eq!(h["state"], "rectified");
    assert_eq!(h["rectified_on"], day(0));
    assert_eq!(h["rectify_note"], "纸箱已清走,通道畅通");
    let (_, d) = g1.get_json(&format!("/api/hazards/{id}")).await;
    let atts = d["attachments"].as_array().unwrap();
    assert_eq!(atts.len(), 1);
    assert_eq!(atts[0]["purpose"], "rectification");
    assert_eq!(atts[0]["content_type"], "image/png");
    assert_eq!(atts[0]["size"], PNG.len() as i64);
    let aid = atts[0]["id"].as_i64().unwrap();
    let r = g1.get(&format!("/api/attachments/{aid}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.bytes().await.unwrap().as_ref(), PNG);
    let (st, _) = upload(
        &g1,
        &path,
        &[("note", "again")],
        Some(("photo", "image/png", PNG.to_vec())),
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);

    // Linked to a case; every write is in the audit log.
    let case = report(&g1, "hazard.fire", w.building1, "楼道堆物").await;
    let (st, h) = g1
        .post_json(&format!("/api/hazards/{id}/link"), json!({"case_id": case}))
        .await;
    assert_eq!(st, StatusCode::OK, "{h}");
    assert_eq!(h["case_id"], case);
    assert_eq!(
        audit_actions(&app, "hazard", id).await,
        vec!["create", "report", "rectify", "update"]
    );
    assert_eq!(audit_actions(&app, "attachment", aid).await, vec!["create"]);

    // A hazard past its deadline and not rectified is overdue.
    let late = new_hazard(&g1, w.building1, &day(-10), &day(-3)).await;
    assert_eq!(late["overdue"], true);
    let (_, page) = g1.get_json("/api/hazards?overdue=true").await;
    let ids: Vec<i64> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![late["id"].as_i64().unwrap()]);
    let (_, page) = g1.get_json("/api/hazards?state=rectified").await;
    assert_eq!(page["total"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn case_attachments_and_hazards_stay_inside_scope() {
    let app = App::start().await;
    let w = &app.world;
    let g1 = app.login("wangge1").await;
    let g2 = app.login("wangge2").await;
    let other = app.login("admin_b").await;
    let shuji = app.login("shuji").await;
    let h = new_hazard(&g1, w.building1, "", &day(5)).await;
    let id = h["id"].as_i64().unwrap();
    let (st, a) = upload(
        &g1,
        &format!("/api/hazards/{id}/attachments"),
        &[],
        Some(("file", "image/png", PNG.to_vec())),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{a}");
    assert_eq!(a["purpose"], "photo");
    let hazard_photo = a["id"].as_i64().unwrap();
    let case = report(&g1, "sanitation", w.building1, "垃圾堆放").await;
    let (st, a) = upload(
        &g1,
        &format!("/api/cases/{case}/attachments"),
        &[("purpose", "file")],
        Some(("file", "application/pdf", b"%PDF-1.4 test".to_vec())),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{a}");
    let case_file = a["id"].as_i64().unwrap();
    let r = g1.get(&format!("/api/attachments/{case_file}")).await;
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let (_, list) = g1.get_json(&format!("/api/cases/{case}/attachments")).await;
    assert_eq!(list.as_array().unwrap().len(), 1);

    // The community head sees it all; a worker of another grid and another street get 404 everywhere.
    for s in [&g1, &shuji] {
        assert_eq!(
            s.get(&format!("/api/attachments/{hazard_photo}"))
                .await
                .status(),
            StatusCode::OK
        );
    }
    for s in [&g2, &other] {
        for path in [
            format!("/api/hazards/{id}"),
            format!("/api/hazards/{id}/attachments"),
            format!("/api/attachments/{hazard_photo}"),
            format!("/api/attachments/{case_file}"),
            format!("/api/cases/{case}/attachments"),
        ] {
            assert_eq!(s.get(&path).await.status(), StatusCode::NOT_FOUND, "{path}");
        }
        let (st, _) = s
            .post_json(
                &format!("/api/hazards/{id}/report"),
                json!({"reported_to": "物业"}),
            )
            .await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        let (st, _) = s
            .post_json(&format!("/api/hazards/{id}/link"), json!({"case_id": case}))
            .await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        for path in [
            format!("/api/hazards/{id}/rectify"),
            format!("/api/hazards/{id}/attachments"),
            format!("/api/cases/{case}/attachments"),
        ] {
            let (st, _) = upload(
                s,
                &path,
                &[("note", "x")],
                Some(("photo", "image/png", PNG.to_vec())),
            )
            .await;
            assert_eq!(st, StatusCode::NOT_FOUND, "{path}");
        }
        let (_, page) = s.get_json("/api/hazards").await;
        assert_eq!(page["total"], 0);
        // Nor can they place a hazard outside their scope.
        let (st, e) = s
            .post_json(
                "/api/hazards",
                json!({"kind": "消防", "title": "x", "location_id": w.building1, "rectify_by": day(3)}),
            )
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["field"], "地点");
    }
    // A building leader may look but not write.
    let louzu = app.login("louzu").await;
    let (st, _) = louzu.get_json(&format!("/api/hazards/{id}")).await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = louzu
        .post_json(
            &format!("/api/hazards/{id}/report"),
            json!({"reported_to": "物业"}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread")]
async fn record_pages_render_and_work() {
    let app = App::start().await;
    let w = &app.world;
    let g1 = app.login("wangge1").await;
    let shuji = app.login("shuji").await;
    // A hazard through the page form, then rectified through the htmx upload.
    let r = g1
        .post_form(
            "/hazards",
            &[
                ("kind", "用电"),
                ("title", "飞线充电"),
                ("location_id", &w.grid1.to_string()),
                ("rectify_by", &day(3)),
                ("found_on", &day(0)),
                ("address", ""),
                ("description", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let at = r.headers()["location"].to_str().unwrap().to_string();
    let page = g1.get(&at).await.text().await.unwrap();
    assert!(
        page.contains("飞线充电") && page.contains("hx-post"),
        "{page}"
    );
    let id: i64 = at.rsplit('/').next().unwrap().parse().unwrap();
    let r = g1
        .client
        .post(g1.url(&format!("/hazards/{id}/rectify")))
        .header("X-CSRF-Token", &g1.csrf)
        .multipart(
            Form::new().text("note", "已拆除").part(
                "photo",
                Part::bytes(PNG.to_vec())
                    .file_name("a.png")
                    .mime_str("image/png")
                    .unwrap(),
            ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["hx-redirect"], format!("/hazards/{id}"));
    let page = g1.get(&at).await.text().await.unwrap();
    assert!(page.contains("已整改") && page.contains("<img src=\"/attachments/"));
    // Without the CSRF header the upload is refused.
    let r = g1
        .client
        .post(g1.url(&format!("/hazards/{id}/rectify")))
        .multipart(Form::new().text("note", "x"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // Every new page renders, in Chinese and in English.
    for path in [
        "/hazards".to_string(),
        format!("/hazards/{id}"),
        "/patrols".into(),
        "/visits".into(),
        "/visits/coverage".into(),
        "/visits/rules".into(),
        "/diary".into(),
    ] {
        for s in [&g1, &shuji] {
            let r = s.get(&path).await;
            assert_eq!(r.status(), StatusCode::OK, "{path}");
        }
    }
    let r = shuji.post_form("/lang", &[("lang", "en")]).await;
    assert!(r.status().is_redirection());
    let page = shuji.get("/visits/coverage").await.text().await.unwrap();
    assert!(page.contains("Visit coverage"), "{page}");
    // Pages write too: a visit, a rule, a diary note, a team and a patrol log with a finding made a case.
    let r = g1
        .post_form(
            "/visits",
            &[
                ("household_id", &w.household1.to_string()),
                ("kind", "日常走访"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = shuji
        .post_form(
            "/visits/rules",
            &[
                ("name", "每年一次"),
                ("every_days", "365"),
                ("tag_type_id", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = g1
        .post_form("/diary", &[("day", &day(0)), ("note", "今天走访一户")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(g1
        .get("/diary")
        .await
        .text()
        .await
        .unwrap()
        .contains("今天走访一户"));
    let r = shuji
        .post_form(
            "/patrols/teams",
            &[
                ("name", "夕阳红巡逻队"),
                ("kind", "志愿者巡逻队"),
                ("area_id", &w.community_a1.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, teams) = g1.get_json("/api/patrol-teams").await;
    let team = teams[0]["id"].as_i64().unwrap().to_string();
    let r = g1
        .post_form(
            "/patrols/logs",
            &[
                ("team_id", team.as_str()),
                ("area_id", &w.grid1.to_string()),
                ("started_at", &format!("{}T19:00", day(0))),
                ("ended_at", &format!("{}T21:00", day(0))),
                ("patrollers", "张三、李四"),
                ("summary", ""),
                ("findings", "井盖松动\n\n路灯不亮"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let at = r.headers()["location"].to_str().unwrap().to_string();
    let page = g1.get(&at).await.text().await.unwrap();
    assert!(page.contains("井盖松动") && page.contains("路灯不亮"));
    let log: i64 = at.rsplit('/').next().unwrap().parse().unwrap();
    let (_, detail) = g1.get_json(&format!("/api/patrol-logs/{log}")).await;
    let finding = detail["findings"][0]["id"].as_i64().unwrap();
    let cat = crate::cases::category(&g1, "urban").await.to_string();
    let r = g1
        .post_form(
            &format!("/patrols/findings/{finding}/case"),
            &[("category_id", cat.as_str()), ("title", "")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("/cases/"));
    // A photo added to a case from its page; the household page leads to the visit form.
    let case = report(&g1, "sanitation", w.building1, "垃圾堆放").await;
    let r = g1
        .client
        .post(g1.url(&format!("/cases/{case}/attachments")))
        .header("X-CSRF-Token", &g1.csrf)
        .multipart(
            Form::new().part(
                "file",
                Part::bytes(PNG.to_vec())
                    .file_name("b.png")
                    .mime_str("image/png")
                    .unwrap(),
            ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["hx-redirect"], format!("/cases/{case}"));
    let page = g1
        .get(&format!("/cases/{case}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("<img src=\"/attachments/"), "{page}");
    let page = g1
        .get(&format!("/households/{}", w.household1))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("/visits?household_id={}", w.household1)));
    // Out of scope pages answer 404.
    let g2 = app.login("wangge2").await;
    for path in [format!("/hazards/{id}"), format!("/patrols/logs/{log}")] {
        assert_eq!(
            g2.get(&path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}

/// A hazard recorded on a phone at discovery (issue 21): the photo from the camera and the phone's location
/// in the same form, through htmx; a bad position or a file that is not a photo records nothing.
#[tokio::test(flavor = "multi_thread")]
async fn a_hazard_is_recorded_with_its_photo_and_where_it_was_found() {
    let app = App::start().await;
    let w = &app.world;
    let g1 = app.login("wangge1").await;
    let send = |lat: &'static str, file: Option<(&'static str, Vec<u8>)>| {
        let g1 = &g1;
        async move {
            let mut form = Form::new()
                .text("kind", "消防")
                .text("title", "电动车楼道充电")
                .text("location_id", w.grid1.to_string())
                .text("rectify_by", day(3))
                .text("found_on", day(0))
                .text("found_lat", lat)
                .text("found_lng", if lat.is_empty() { "" } else { "120.155150" });
            if let Some((ty, bytes)) = file {
                form = form.part(
                    "photo",
                    Part::bytes(bytes)
                        .file_name("现场.jpg")
                        .mime_str(ty)
                        .unwrap(),
                );
            }
            g1.client
                .post(g1.url("/hazards"))
                .header("X-CSRF-Token", &g1.csrf)
                .header("HX-Request", "true")
                .multipart(form)
                .send()
                .await
                .unwrap()
        }
    };
    let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM hazards")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    // Refused: a position off the globe, a "photo" that is not one.
    let r = send("930.1", Some(("image/png", PNG.to_vec()))).await;
    assert!(r.headers().get("hx-redirect").is_none());
    assert!(r.text().await.unwrap().contains("位置应为纬度、经度"));
    let r = send(
        "30.274150",
        Some(("application/x-msdownload", b"MZ...".to_vec())),
    )
    .await;
    assert!(r.headers().get("hx-redirect").is_none());
    let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM hazards")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(after, before, "nothing recorded");

    let r = send("30.274150", Some(("image/png", PNG.to_vec()))).await;
    let page = r.headers()["hx-redirect"].to_str().unwrap().to_string();
    assert!(page.starts_with("/hazards/"), "{page}");
    let html = g1.get(&page).await.text().await.unwrap();
    assert!(html.contains("电动车楼道充电"));
    assert!(html.contains("30.27415, 120.15515"), "{html}");
    assert!(
        html.contains("<img src=\"/attachments/"),
        "the photo from discovery is shown"
    );
    let id: i64 = page.rsplit('/').next().unwrap().parse().unwrap();
    let (lat, photos): (Option<f64>, i64) = (
        sqlx::query_scalar("SELECT found_lat FROM hazards WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap(),
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM attachments WHERE owner_kind = 'hazard' AND owner_id = $1",
        )
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap(),
    );
    assert!((lat.unwrap() - 30.27415).abs() < 1e-6);
    assert_eq!(photos, 1);
    // Without the phone's location and photo it is a hazard all the same.
    let r = send("", None).await;
    assert!(r.headers().get("hx-redirect").is_some());
}

/// A hazard recorded offline is sent when the network is back, perhaps twice (issue 21): the phone's key
/// makes it one hazard, whichever way it arrives; a bad key is refused.
#[tokio::test(flavor = "multi_thread")]
async fn a_hazard_sent_twice_with_the_phones_key_is_recorded_once() {
    let app = App::start().await;
    let w = &app.world;
    let g1 = app.login("wangge1").await;
    let grid = w.grid1.to_string();
    let (by, on) = (day(5), day(0));
    let fields = |key: &'static str| {
        vec![
            ("kind", "燃气"),
            ("title", "燃气管道锈蚀"),
            ("location_id", grid.as_str()),
            ("rectify_by", by.as_str()),
            ("found_on", on.as_str()),
            ("found_lat", "30.1"),
            ("found_lng", "120.2"),
            ("client_key", key),
        ]
    };
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM hazards WHERE title = '燃气管道锈蚀'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
    };
    let to = |r: &reqwest::Response| {
        r.headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_string())
    };
    let first = g1.post_form("/hazards", &fields("k-7f3a-01")).await;
    let first_url = to(&first).expect("to the new hazard");
    assert!(first_url.starts_with("/hazards/"), "{first_url}");
    let again = g1.post_form("/hazards", &fields("k-7f3a-01")).await;
    assert_eq!(to(&again), Some(first_url), "the hazard already recorded");
    assert_eq!(count().await, 1);
    let located: Option<f64> =
        sqlx::query_scalar("SELECT found_lat FROM hazards WHERE client_key = 'k-7f3a-01'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(located, Some(30.1), "the location queued with it");
    let bad = g1.post_form("/hazards", &fields("not a key; DROP")).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(count().await, 1);
}
