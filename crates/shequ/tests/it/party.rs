//! Party building, organisations and agreements over HTTP (issue 18): the organisation tree and its rules,
//! members from the registry, meetings with absences and their reasons, 参学率 on a known set of meetings,
//! the organisations that missed a month, units, agreements expiring within a month (with the rentals'
//! safety agreements, and on the 工作台), the exports and scope isolation.

use reqwest::StatusCode;
use serde_json::json;
use shequ::accounts::Actor;

use crate::activities::xlsx;
use crate::support::{App, Session};

async fn meeting(
    s: &Session,
    org: i64,
    kind: &str,
    on: &str,
    absences: serde_json::Value,
) -> (StatusCode, serde_json::Value) {
    s.post_json(
        &format!("/api/party/orgs/{org}/meetings"),
        json!({"kind": kind, "held_on": on, "topic": "学习党章", "absences": absences}),
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn study_rate_missed_months_and_scope() {
    let app = App::start().await;
    let w = &app.world;
    let shuji = app.login("shuji").await;
    let (st, top) = shuji
        .post_json(
            "/api/party/orgs",
            json!({"name": "幸福社区党委", "kind": "党委", "area_id": w.community_a1}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{top}");
    let top = top["id"].as_i64().unwrap();
    let (_, branch) = shuji.post_json("/api/party/orgs", json!({"name": "第一党支部", "kind": "党支部", "parent_id": top, "area_id": w.community_a1})).await;
    let branch = branch["id"].as_i64().unwrap();
    let (_, group) = shuji.post_json("/api/party/orgs", json!({"name": "第一党小组", "kind": "党小组", "parent_id": branch, "area_id": w.grid1})).await;
    let group = group["id"].as_i64().unwrap();
    let (st, e) = shuji
        .post_json(
            "/api/party/orgs",
            json!({"name": "错", "kind": "党委", "parent_id": group, "area_id": w.community_a1}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e.to_string().contains("上级组织"), "{e}");
    let (_, tree) = shuji.get_json("/api/party/orgs").await;
    let depths: Vec<_> = tree
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["depth"].as_i64().unwrap())
        .collect();
    assert_eq!(depths, vec![0, 1, 2]);

    let (st, zm) = shuji.post_json(&format!("/api/party/orgs/{branch}/members"), json!({"person_id": w.zhao, "category": "在职", "joined_on": "2001-07-01", "employer": "区医院"})).await;
    assert_eq!(st, StatusCode::OK, "{zm}");
    let (st, qm) = shuji.post_json(&format!("/api/party/orgs/{branch}/members"), json!({"person_id": w.qian, "category": "离退休", "joined_on": "1985-07-01", "transferred_from": "外区党支部"})).await;
    assert_eq!(st, StatusCode::OK, "{qm}");
    let (st, _) = shuji
        .post_json(
            &format!("/api/party/orgs/{group}/members"),
            json!({"person_id": w.qian, "category": "离退休", "joined_on": "1985-07-01"}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "one organisation per member");
    let (st, e) = shuji
        .post_json(
            &format!("/api/party/orgs/{branch}/members"),
            json!({"person_id": w.zhao, "category": "党员", "joined_on": "2001-07-01"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e.to_string().contains("党员类别"));
    let (zm, qm) = (zm["id"].as_i64().unwrap(), qm["id"].as_i64().unwrap());

    // Meetings of 2025: January 党员大会 with 赵 absent, February 支委会 all present; none from March on.
    let (st, e) = meeting(
        &shuji,
        branch,
        "党员大会",
        "2025-01-10",
        json!([{"member_id": zm, "reason": ""}]),
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e.to_string().contains("缺席原因"), "{e}");
    let (st, m) = meeting(
        &shuji,
        branch,
        "党员大会",
        "2025-01-10",
        json!([{"member_id": zm, "reason": "外出"}]),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{m}");
    assert_eq!(
        (m["expected"].as_i64(), m["attended"].as_i64()),
        (Some(2), Some(1))
    );
    let (st, _) = meeting(&shuji, branch, "支委会", "2025-02-15", json!([])).await;
    assert_eq!(st, StatusCode::OK);
    let (_, r) = shuji
        .get_json("/api/party/study-rates?from=2025-01-01&to=2025-12-31")
        .await;
    assert_eq!(r["total"]["rate"], 75.0, "{r}");
    let rate_of = |id: i64| {
        r["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == id)
            .unwrap()["rate"]
            .clone()
    };
    assert_eq!(rate_of(zm), 50.0);
    assert_eq!(rate_of(qm), 100.0);
    let (_, v) = shuji
        .get_json("/api/indicators/party.study_rate?period=2025")
        .await;
    assert_eq!(v["value"], 75.0, "{v}");
    let (_, v) = shuji
        .get_json("/api/indicators/party.general_meetings?period=2025")
        .await;
    assert_eq!(v["value"], 1.0);
    let (_, v) = shuji
        .get_json("/api/indicators/party.committee_meetings?period=2025")
        .await;
    assert_eq!(v["value"], 1.0);
    let (_, v) = shuji
        .get_json("/api/indicators/party.study_rate?period=2024")
        .await;
    assert!(v["value"].is_null(), "无数据 without meetings: {v}");
    let (_, v) = shuji
        .get_json("/api/indicators/party.members?period=2025")
        .await;
    assert_eq!(v["value"], 2.0);

    // Missed months of 2025: the branch from March, the group every month; the 党委 is not listed.
    let (_, missed) = shuji.get_json("/api/party/missed?year=2025").await;
    let of = |org: i64| -> Vec<String> {
        missed
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["org_id"] == org)
            .map(|m| m["month"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        of(branch),
        (3..=12).map(|m| format!("2025-{m:02}")).collect::<Vec<_>>()
    );
    assert_eq!(of(group).len(), 12);
    assert!(of(top).is_empty());
    let page = shuji.get("/party").await.text().await.unwrap();
    assert!(page.contains("第一党小组") && page.contains("未按月开展组织生活"));
    let page = shuji
        .get("/party/meetings?from=2025-01-01&to=2025-12-31")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("75.0%"), "{page}");
    xlsx(&shuji, "/party/meetings.xlsx?from=2025-01-01&to=2025-12-31").await;
    xlsx(&shuji, &format!("/party/orgs/{branch}/members.xlsx")).await;
    xlsx(&shuji, "/party/missed.xlsx").await;

    // A transfer out: no longer expected.
    let r = shuji
        .post_form(
            &format!("/party/members/{zm}/transfer"),
            &[("to", "区卫健委党支部"), ("org_id", &branch.to_string())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, o) = shuji.get_json(&format!("/api/party/orgs/{branch}")).await;
    assert_eq!(o["members"].as_array().unwrap().len(), 1);

    // Scope.
    let b = app.login("admin_b").await;
    let g2 = app.login("wangge2").await;
    for path in [
        format!("/api/party/orgs/{branch}"),
        format!("/party/orgs/{branch}"),
        format!("/party/orgs/{branch}/members.xlsx"),
    ] {
        assert_eq!(b.get(&path).await.status(), StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(
        g2.get(&format!("/api/party/orgs/{group}")).await.status(),
        StatusCode::NOT_FOUND,
        "grid 1's group"
    );
    assert_eq!(
        g2.get(&format!("/api/party/orgs/{branch}")).await.status(),
        StatusCode::OK,
        "the community's branch"
    );
    let (st, _) = meeting(&b, branch, "党课", "2025-03-01", json!([])).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (_, r) = b
        .get_json("/api/party/study-rates?from=2025-01-01&to=2025-12-31")
        .await;
    assert!(r["total"]["rate"].is_null());
}

#[tokio::test(flavor = "multi_thread")]
async fn units_and_agreements_expiring_within_a_month() {
    let app = App::start().await;
    let w = &app.world;
    let shuji = app.login("shuji").await;
    let (st, u) = shuji.post_json("/api/units", json!({"kind": "社会组织", "name": "夕阳红舞蹈队", "category": "文体类", "filing": "已备案", "leader": "王阿姨", "phone": "13700001234", "area_id": w.community_a1})).await;
    assert_eq!(st, StatusCode::OK, "{u}");
    assert_eq!(u["phone"], "137****1234");
    let (st, e) = shuji.post_json("/api/units", json!({"kind": "社会组织", "name": "x", "category": "文体类", "filing": "不知道", "area_id": w.community_a1})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e.to_string().contains("备案情况"));
    let (st, _) = shuji.post_json("/api/units", json!({"kind": "便民服务网点", "name": "百姓药房", "category": "药店", "address": "幸福路1号", "area_id": w.community_a1})).await;
    assert_eq!(st, StatusCode::OK);
    let y = chrono::Datelike::year(&shequ::db::today());
    let (_, v) = shuji
        .get_json(&format!("/api/indicators/units.social_orgs?period={y}"))
        .await;
    assert_eq!(v["value"], 1.0);
    let card = shuji.get("/units/card").await.text().await.unwrap();
    assert!(card.contains("百姓药房") && !card.contains("夕阳红舞蹈队"));

    let today = shequ::db::today();
    let day = |n: i64| (today + chrono::Duration::days(n)).to_string();
    for (title, expires) in [
        ("消防安全责任书(百姓药房)", day(10)),
        ("门前三包责任书(百姓药房)", day(60)),
        ("去年的", day(-5)),
    ] {
        let (st, a) = shuji.post_json("/api/agreements", json!({"kind": if title.starts_with('消') { "消防安全" } else { "门前三包" },
            "title": title, "party_a": "幸福社区居委会", "party_b": "百姓药房", "signed_on": day(-300), "expires_on": expires, "area_id": w.community_a1})).await;
        assert_eq!(st, StatusCode::OK, "{a}");
    }
    let (st, e) = shuji.post_json("/api/agreements", json!({"kind": "平安建设", "title": "x", "party_a": "a", "party_b": "b", "signed_on": day(0), "expires_on": day(-1), "area_id": w.community_a1})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e.to_string().contains("到期日期"));
    let (st, _) = shuji.post_json("/api/agreements", json!({"kind": "房屋出租安全", "title": "x", "party_a": "a", "party_b": "b", "signed_on": day(0), "area_id": w.community_a1})).await;
    assert_eq!(
        st,
        StatusCode::UNPROCESSABLE_ENTITY,
        "rental agreements live on the rental"
    );
    // A rental's safety agreement expiring in 20 days is one of them.
    shequ::registry::rentals::create(
        &app.db,
        &Actor::system(),
        w.dwelling1,
        &shequ::registry::rentals::RentalInput {
            landlord_name: "房东甲".into(),
            agreement_signed: day(-345),
            agreement_expires: day(20),
            ..Default::default()
        },
    )
    .await
    .unwrap();

    let (_, list) = shuji.get_json("/api/agreements/expiring").await;
    let titles: Vec<_> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(titles.len(), 2, "{list}");
    assert_eq!(titles[0], "消防安全责任书(百姓药房)");
    assert!(titles[1].starts_with("房屋出租安全责任书"), "{titles:?}");
    assert_eq!(list[1]["kind"], "房屋出租安全");
    let (_, all) = shuji.get_json("/api/agreements").await;
    assert_eq!(all.as_array().unwrap().len(), 4);
    let (_, rentals_only) = shuji.get_json("/api/agreements?kind=房屋出租安全").await;
    assert_eq!(rentals_only.as_array().unwrap().len(), 1);
    // On the 工作台 of the community's workers.
    let home = shuji.get("/").await.text().await.unwrap();
    assert!(
        home.contains("todo-agreements") && home.contains("消防安全责任书(百姓药房)"),
        "{home}"
    );
    let (_, v) = shuji
        .get_json(&format!(
            "/api/indicators/agreements.signed?period={}",
            chrono::Datelike::year(&(today - chrono::Duration::days(300)))
        ))
        .await;
    assert!(v["value"].as_f64().unwrap() >= 1.0, "{v}");
    xlsx(&shuji, "/units/export.xlsx").await;
    xlsx(&shuji, "/agreements/export.xlsx").await;
    xlsx(&shuji, "/agreements/export.xlsx?expiring=1").await;
    let page = shuji
        .get("/agreements?expiring=1")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("消防安全责任书(百姓药房)") && !page.contains("门前三包责任书(百姓药房)")
    );

    let b = app.login("admin_b").await;
    let (_, list) = b.get_json("/api/agreements/expiring").await;
    assert_eq!(list.as_array().unwrap().len(), 0);
    let (_, list) = b.get_json("/api/units").await;
    assert_eq!(list.as_array().unwrap().len(), 0);
    assert!(!b
        .get("/")
        .await
        .text()
        .await
        .unwrap()
        .contains("todo-agreements"));
}
