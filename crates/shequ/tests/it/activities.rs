//! Activities over HTTP (issue 18): figures with 其中 lines (one above its total refused, nothing written),
//! sign-ups by the person lookup, attendance by the door code (a phone without an account, by name and
//! phone tail) and by the organiser, the figures the reports state, exports, scope isolation, and
//! concurrent bookings of one room: exactly one wins.

use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::Row;

use crate::support::{App, Session};

pub(crate) fn year() -> i32 {
    chrono::Datelike::year(&shequ::db::today())
}

pub(crate) async fn count(app: &App, table: &str) -> i64 {
    sqlx::query(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0)
}

async fn indicator(s: &Session, code: &str, period: &str) -> f64 {
    let (st, v) = s
        .get_json(&format!("/api/indicators/{code}?period={period}"))
        .await;
    assert_eq!(st, StatusCode::OK, "{code}: {v}");
    v["value"].as_f64().unwrap_or_else(|| panic!("{code}: {v}"))
}

pub(crate) async fn xlsx(s: &Session, path: &str) {
    let r = s.get(path).await;
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PK"), "{path} is an .xlsx");
}

fn activity(area: i64, figures: Value) -> Value {
    json!({"title": "三八妇女节健康宣传", "kind": "宣传", "starts_on": shequ::db::today().to_string(),
        "place": "社区活动室", "organisers": "社区妇联", "partners": "社区卫生服务站", "target_groups": "妇女",
        "area_id": area, "figures": figures})
}

#[tokio::test(flavor = "multi_thread")]
async fn figures_signups_door_check_in_and_scope() {
    let app = App::start().await;
    let w = &app.world;
    let shuji = app.login("shuji").await;

    // A 其中 line above its total is refused with the field named, and nothing is written.
    let (st, e) = shuji
        .post_json("/api/activities", activity(w.community_a1, json!([
            {"metric": "participants", "qualifier": "余", "value": 300},
            {"metric": "participants", "label": "外出务工返乡妇女", "value": 328, "part_of": 0},
        ])))
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e.to_string().contains("不能超过"), "{e}");
    assert!(e.to_string().contains("成效数据"), "{e}");
    assert_eq!(count(&app, "activities").await, 0);
    assert_eq!(count(&app, "activity_figures").await, 0);
    let (st, e) = shuji
        .post_json(
            "/api/activities",
            activity(
                w.community_a1,
                json!([{"metric": "participants", "qualifier": "大约", "value": 3}]),
            ),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e.to_string().contains("约数"), "{e}");

    let (st, a) = shuji
        .post_json("/api/activities", activity(w.community_a1, json!([
            {"metric": "participants", "qualifier": "余", "value": 300},
            {"metric": "participants", "label": "外出务工返乡妇女", "value": 128, "part_of": 0},
            {"metric": "materials", "qualifier": "约", "value": 2000},
            {"metric": "consultations", "value": 500},
        ])))
        .await;
    assert_eq!(st, StatusCode::OK, "{a}");
    let id = a["id"].as_i64().unwrap();
    let code = a["checkin_code"].as_str().unwrap().to_string();
    assert_eq!(code.len(), 6);

    // The page states the figures as reports do.
    let page = shuji
        .get(&format!("/activities/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("300余人"), "{page}");
    assert!(page.contains("其中外出务工返乡妇女 128人"), "{page}");
    assert!(page.contains("约2000份"), "{page}");

    // Sign-ups: by the lookup's person id; twice is refused.
    sqlx::query("UPDATE persons SET phone = '13812345678' WHERE id = $1")
        .bind(w.zhao)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let r = shuji
        .post_form(
            &format!("/activities/{id}/signups"),
            &[("person", "赵军杰"), ("person_id", &w.zhao.to_string())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], format!("/activities/{id}"));
    let (st, _) = shuji
        .post_json(
            &format!("/api/activities/{id}/signups"),
            json!({"person_id": w.zhao}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    let (st, q) = shuji
        .post_json(
            &format!("/api/activities/{id}/signups"),
            json!({"person_id": w.qian}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{q}");
    // A person of another street cannot be signed up.
    let (st, _) = shuji
        .post_json(
            &format!("/api/activities/{id}/signups"),
            json!({"person_id": w.sun}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);

    // The door: a phone without an account opens the code's page and checks in by name and phone tail.
    let phone = app.anonymous();
    let door = phone
        .get(&format!("/checkin/{}", code.to_lowercase()))
        .await;
    assert_eq!(door.status(), StatusCode::OK);
    let html = door.text().await.unwrap();
    assert!(
        html.contains("三八妇女节健康宣传") && html.contains("手机号后四位"),
        "{html}"
    );
    assert!(
        !html.contains("赵军杰"),
        "the door shows no sign-ups to a visitor"
    );
    let r = phone
        .post_form(
            &format!("/checkin/{code}"),
            &[("name", "赵军杰"), ("phone_tail", "0000")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("没有找到您的报名信息"));
    let r = phone
        .post_form(
            &format!("/checkin/{code}"),
            &[("name", "钱小红"), ("phone_tail", "5678")],
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "another person's phone tail"
    );
    let r = phone
        .post_form(
            &format!("/checkin/{code}"),
            &[("name", "赵军杰"), ("phone_tail", "5678")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("签到成功"));
    assert_eq!(
        phone.get("/checkin/ZZZZZZ").await.status(),
        StatusCode::NOT_FOUND
    );

    // The organiser ticks the other one at the door page.
    let html = shuji
        .get(&format!("/checkin/{code}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("钱小红"), "{html}");
    let signup = q["id"].as_i64().unwrap().to_string();
    let r = shuji
        .post_form(
            &format!("/activities/{id}/signups/{signup}/attendance"),
            &[("present", "1"), ("back", &format!("/checkin/{code}"))],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], format!("/checkin/{code}"));
    let (_, d) = shuji.get_json(&format!("/api/activities/{id}")).await;
    assert_eq!(d["activity"]["attended"], 2, "{d}");
    assert_eq!(d["signups"][0]["checked_in_by"], "本人签到");

    // The figures reports state: totals only (其中 lines are part of them).
    let y = year().to_string();
    assert_eq!(indicator(&shuji, "activities.count", &y).await, 1.0);
    assert_eq!(
        indicator(&shuji, "activities.participants", &y).await,
        300.0
    );
    assert_eq!(indicator(&shuji, "activities.materials", &y).await, 2000.0);
    assert_eq!(
        indicator(&shuji, "activities.consultations", &y).await,
        500.0
    );
    assert_eq!(indicator(&shuji, "activities.checked_in", &y).await, 2.0);
    let (st, l) = shuji
        .get_json(&format!("/api/ledgers/activities.activities?period={y}"))
        .await;
    assert_eq!(st, StatusCode::OK, "{l}");
    assert!(l.to_string().contains("其中外出务工返乡妇女128人"), "{l}");

    xlsx(&shuji, "/activities/export.xlsx").await;
    xlsx(&shuji, &format!("/activities/{id}/signups.xlsx")).await;

    // Scope: the community's grid workers see a community-wide activity; another street does not.
    let g2 = app.login("wangge2").await;
    assert_eq!(
        g2.get(&format!("/api/activities/{id}")).await.status(),
        StatusCode::OK
    );
    let b = app.login("admin_b").await;
    for path in [
        format!("/api/activities/{id}"),
        format!("/api/activities/{id}/signups"),
        format!("/activities/{id}"),
        format!("/activities/{id}/signups.xlsx"),
    ] {
        assert_eq!(b.get(&path).await.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let (st, _) = b
        .post_json(
            &format!("/api/activities/{id}/signups"),
            json!({"person_id": w.sun}),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (_, list) = b.get_json("/api/activities").await;
    assert_eq!(list.as_array().unwrap().len(), 0);
    // A grid's own activity is not seen by another grid's worker.
    let (_, ga) = shuji
        .post_json("/api/activities", activity(w.grid1, json!([])))
        .await;
    let gid = ga["id"].as_i64().unwrap();
    assert_eq!(
        g2.get(&format!("/api/activities/{gid}")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.login("wangge1")
            .await
            .get(&format!("/api/activities/{gid}"))
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_bookings_of_one_room_one_wins() {
    let app = App::start().await;
    let w = &app.world;
    let shuji = app.login("shuji").await;
    let (st, v) = shuji
        .post_json(
            "/api/venues",
            json!({"name": "多媒体教室", "kind": "多媒体教室", "area_id": w.community_a1}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let venue = v["id"].as_i64().unwrap();
    let s = std::sync::Arc::new(app.login("shegong").await);
    let day = (shequ::db::today() + chrono::Duration::days(5)).to_string();
    let mut tasks = Vec::new();
    for i in 0..12 {
        let (s, day) = (s.clone(), day.clone());
        // Overlapping times: 09:00–11:00, 09:10–11:10, … all overlap each other.
        let body = json!({"starts_at": format!("{day} 09:{:02}", i * 5), "ends_at": format!("{day} 11:{:02}", i * 5),
            "purpose": format!("培训{i}")});
        tasks.push(tokio::spawn(async move {
            s.post_json(&format!("/api/venues/{venue}/bookings"), body)
                .await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        let (st, body) = t.await.unwrap();
        match st {
            StatusCode::OK => ok += 1,
            StatusCode::CONFLICT => assert!(body.to_string().contains("已被预约"), "{body}"),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(ok, 1);
    assert_eq!(count(&app, "venue_bookings").await, 1);
    // Back to back is no overlap; a bad time names the field.
    let (st, b) = s.post_json(&format!("/api/venues/{venue}/bookings"), json!({"starts_at": format!("{day} 14:00"), "ends_at": format!("{day}T16:00"), "purpose": "党课"})).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (st, b) = s.post_json(&format!("/api/venues/{venue}/bookings"), json!({"starts_at": format!("{day} 16:00"), "ends_at": format!("{day} 15:00"), "purpose": "x"})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(b.to_string().contains("结束时间"));
    let (_, list) = s.get_json(&format!("/api/venues/{venue}/bookings")).await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    let page = s
        .get(&format!("/venues/{venue}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("党课"));
    xlsx(&s, &format!("/venues/{venue}/bookings.xlsx")).await;
    let b = app.login("admin_b").await;
    assert_eq!(
        b.get(&format!("/api/venues/{venue}/bookings"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        b.get(&format!("/venues/{venue}")).await.status(),
        StatusCode::NOT_FOUND
    );
    let (st, _) = b.post_json(&format!("/api/venues/{venue}/bookings"), json!({"starts_at": format!("{day} 18:00"), "ends_at": format!("{day} 19:00"), "purpose": "x"})).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_answers_at_the_door_make_it_wait() {
    let app = App::start().await;
    let w = &app.world;
    let shuji = app.login("shuji").await;
    let (_, a) = shuji
        .post_json("/api/activities", activity(w.community_a1, json!([])))
        .await;
    let code = a["checkin_code"].as_str().unwrap().to_string();
    sqlx::query("UPDATE persons SET phone = '13812345678' WHERE id = $1")
        .bind(w.zhao)
        .execute(&app.db.pool)
        .await
        .unwrap();
    shuji
        .post_json(
            &format!("/api/activities/{}/signups", a["id"]),
            json!({"person_id": w.zhao}),
        )
        .await;
    let phone = app.anonymous();
    for i in 0..shequ::services::activities::DOOR_FREE_PER_IP {
        let r = phone
            .post_form(
                &format!("/checkin/{code}"),
                &[
                    ("name", "赵军杰"),
                    ("phone_tail", &format!("{:04}", 1000 + i)),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    // Blocked now, even with the right answer.
    let r = phone
        .post_form(
            &format!("/checkin/{code}"),
            &[("name", "赵军杰"), ("phone_tail", "5678")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("尝试次数过多"));
    let (_, d) = shuji
        .get_json(&format!("/api/activities/{}", a["id"]))
        .await;
    assert_eq!(d["activity"]["attended"], 0);
}
