//! Elderly care pairs (missed contacts listed for the pair and the grid) and scope isolation on every
//! welfare endpoint: other roles and other streets get 404, as if nothing existed, and nothing changes.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::App;
use crate::welfare::{approved, programme, setup};

#[tokio::test(flavor = "multi_thread")]
async fn missed_pair_contacts_are_listed_for_the_pair_and_the_grid() {
    let app = App::start().await;
    let w = &app.world;
    let g1 = app.login("wangge1").await;
    let g2 = app.login("wangge2").await;
    let day = |n: i64| (shequ::db::today() + chrono::Duration::days(n)).to_string();
    let (st, e) = g1
        .post_json("/api/care/pairs", json!({"person_id": w.zhao, "helper_name": "吴桂兰", "helper_kind": "路人", "visit_every_days": 7}))
        .await;
    assert_eq!(
        (st, e["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("帮扶人身份"))
    );
    let (st, late) = g1
        .post_json("/api/care/pairs", json!({"person_id": w.zhao, "helper_name": "吴桂兰", "helper_kind": "志愿者",
            "helper_phone": "13900001111", "visit_every_days": 7, "call_every_days": 2, "started_on": day(-20)}))
        .await;
    assert_eq!(st, StatusCode::OK, "{late}");
    assert_eq!(
        late["helper_phone"], "139****1111",
        "the helper's phone is masked"
    );
    let late = late["id"].as_i64().unwrap();
    let (st, _) = g1
        .post_json(
            &format!("/api/care/pairs/{late}/contacts"),
            json!({"kind": "电话", "on_date": day(-5), "observed": "情况正常"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (_, kept) = g1
        .post_json(
            "/api/care/pairs",
            json!({"person_id": w.zhao, "helper_name": "李建华", "helper_kind": "党员",
            "visit_every_days": 7, "started_on": day(-10)}),
        )
        .await;
    let kept = kept["id"].as_i64().unwrap();
    g1.post_json(
        &format!("/api/care/pairs/{kept}/contacts"),
        json!({"kind": "探访", "on_date": day(-1)}),
    )
    .await;
    let (_, missed) = g1.get_json("/api/care/missed").await;
    let got: Vec<(i64, String, String)> = missed
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["pair"]["id"].as_i64().unwrap(),
                m["kind"].as_str().unwrap().to_string(),
                m["due_on"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (late, "探访".to_string(), day(-13)),
            (late, "电话".to_string(), day(-3))
        ]
    );
    let (_, missed) = g1
        .get_json(&format!("/api/care/missed?grid_id={}", w.grid1))
        .await;
    assert_eq!(missed.as_array().unwrap().len(), 2);
    // The other grid's worker sees neither the pairs nor the list.
    let (_, missed) = g2.get_json("/api/care/missed").await;
    assert_eq!(missed.as_array().unwrap().len(), 0);
    assert_eq!(
        g2.get(&format!("/api/care/pairs/{late}")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        g2.get(&format!("/care/pairs/{late}")).await.status(),
        StatusCode::NOT_FOUND
    );
    let (st, _) = g2
        .post_json(
            &format!("/api/care/pairs/{late}/contacts"),
            json!({"kind": "电话"}),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let page = g1
        .get(&format!("/care/pairs/{late}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("pair-missed"));
    let page = g1.get("/care").await.text().await.unwrap();
    assert!(page.contains(&format!("/care/pairs/{late}")));
    // The figures.
    let (_, v) = g1.get_json("/api/indicators/care.pairs").await;
    assert_eq!(v["value"], 2.0);
    // Ending a pair takes it off the lists, with its reason; the other grid's worker cannot.
    let (st, _) = g2
        .post_json(
            &format!("/api/care/pairs/{late}/end"),
            json!({"reason": "迁出"}),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, e) = g1
        .post_json(&format!("/api/care/pairs/{late}/end"), json!({}))
        .await;
    assert_eq!(
        (st, e["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("结束原因"))
    );
    let (st, e) = g1
        .post_json(
            &format!("/api/care/pairs/{late}/end"),
            json!({"reason": "随子女迁往外地"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{e}");
    let (_, missed) = g1.get_json("/api/care/missed").await;
    assert_eq!(missed.as_array().unwrap().len(), 0);
    let (_, v) = g1.get_json("/api/care/pairs").await;
    assert_eq!(v.as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_welfare_endpoint_answers_404_outside_the_role_or_scope() {
    let app = App::start().await;
    setup(&app).await;
    let w = &app.world;
    let shuji = app.login("shuji").await;
    let dibao = programme(&shuji, "dibao").await;
    let g = approved(&app, dibao, w.household1, 0).await;
    let a: i64 = sqlx::query_scalar("SELECT application_id FROM welfare_grants WHERE id = $1")
        .bind(g)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let (_, lists) = shuji
        .post_json(
            "/api/welfare/payment-lists",
            json!({"programme_id": dibao, "month": shequ::db::today().format("%Y-%m").to_string()}),
        )
        .await;
    let l = lists[0]["id"].as_i64().unwrap();
    let (_, p) = shuji
        .post_json("/api/care/pairs", json!({"person_id": w.zhao, "helper_name": "吴桂兰", "helper_kind": "志愿者", "visit_every_days": 7}))
        .await;
    let p = p["id"].as_i64().unwrap();
    let sensitive = [
        format!("/api/welfare/applications/{a}"),
        format!("/api/welfare/grants/{g}"),
        format!("/api/welfare/payment-lists/{l}"),
        format!("/welfare/applications/{a}"),
        format!("/welfare/grants/{g}"),
        format!("/welfare/payments/{l}"),
        format!("/welfare/payments/{l}/export.xlsx"),
    ];
    // Another street's administrator, a grid worker and a building leader: as if nothing existed.
    for user in ["admin_b", "wangge1", "louzu"] {
        let s = app.login(user).await;
        for path in sensitive.iter().chain(
            [
                "/api/welfare/applications".to_string(),
                "/api/welfare/grants".to_string(),
                "/api/welfare/payment-lists".to_string(),
                "/api/welfare/distributions".to_string(),
                "/welfare".to_string(),
            ]
            .iter(),
        ) {
            let st = s.get(path).await.status();
            let expected = if user == "admin_b"
                && !path.chars().last().unwrap().is_ascii_digit()
                && !path.ends_with(".xlsx")
            {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            assert_eq!(st, expected, "{user} GET {path}");
        }
        for (path, body) in [
            (
                format!("/api/welfare/applications/{a}/steps"),
                json!({"step": "withdraw", "note": "x"}),
            ),
            (
                format!("/api/welfare/applications/{a}/objections"),
                json!({"body": "异议内容五个字"}),
            ),
            (
                format!("/api/welfare/grants/{g}/events"),
                json!({"kind": "取消", "reason": "x"}),
            ),
            (
                format!("/api/welfare/grants/{g}/reviews"),
                json!({"outcome": "cancel"}),
            ),
            (format!("/api/welfare/payment-lists/{l}/approve"), json!({})),
        ] {
            assert_eq!(
                s.post_json(&path, body).await.0,
                StatusCode::NOT_FOUND,
                "{user} POST {path}"
            );
        }
        let (_, list) = s.get_json("/api/welfare/applications").await;
        assert!(
            !list.to_string().contains("H001"),
            "{user} sees no application"
        );
    }
    // Another community's workers do not see the community's pairs; the grid's worker does.
    let b = app.login("admin_b").await;
    assert_eq!(
        b.get(&format!("/api/care/pairs/{p}")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        b.post_json(
            &format!("/api/care/pairs/{p}/contacts"),
            json!({"kind": "电话"})
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.login("wangge1")
            .await
            .get(&format!("/api/care/pairs/{p}"))
            .await
            .status(),
        StatusCode::OK
    );
    // Nothing changed.
    let (_, d) = shuji.get_json(&format!("/api/welfare/grants/{g}")).await;
    assert_eq!(d["grant"]["status"], "active");
    assert_eq!(d["events"].as_array().unwrap().len(), 1);
}
