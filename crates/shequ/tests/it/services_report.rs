//! The report engine states the services figures (issue 18): a year of activities, volunteer hours, party
//! meetings, organisations and agreements entered through the API, and the annual report of the community
//! says them — approximate figures as reports write them, only approved hours, 参学率 from the meetings.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::App;

#[tokio::test(flavor = "multi_thread")]
async fn the_annual_report_states_the_services_figures() {
    let app = App::start().await;
    let w = &app.world;
    let shuji = app.login("shuji").await;
    let today = shequ::db::today().to_string();
    let c = w.community_a1;
    for (total, materials) in [(300, 2000), (50, 0), (8, 0)] {
        let mut figures = vec![
            json!({"metric": "participants", "qualifier": if total > 100 { "余" } else { "" }, "value": total}),
        ];
        if materials > 0 {
            figures.push(json!({"metric": "materials", "qualifier": "约", "value": materials}));
            figures.push(json!({"metric": "consultations", "value": 120}));
        }
        let (st, a) = shuji.post_json("/api/activities", json!({"title": "活动", "kind": "宣传", "starts_on": today, "area_id": c, "figures": figures})).await;
        assert_eq!(st, StatusCode::OK, "{a}");
    }
    let (_, t) = shuji
        .post_json(
            "/api/volunteer-teams",
            json!({"name": "环保队", "service": "环保", "area_id": c}),
        )
        .await;
    let team = t["id"].as_i64().unwrap();
    let (_, m) = shuji
        .post_json(
            &format!("/api/volunteer-teams/{team}/members"),
            json!({"person_id": w.zhao}),
        )
        .await;
    for (hours, approve) in [(2.0, true), (4.0, true), (5.0, false)] {
        let (_, r) = shuji
            .post_json(
                &format!("/api/volunteer-teams/{team}/records"),
                json!({"member_id": m["id"], "served_on": today, "what": "清扫", "hours": hours}),
            )
            .await;
        if approve {
            let (st, _) = shuji
                .post_json(
                    &format!("/api/volunteer-records/{}/decision", r["id"]),
                    json!({"step": "approve"}),
                )
                .await;
            assert_eq!(st, StatusCode::OK);
        }
    }
    let (_, o) = shuji
        .post_json(
            "/api/party/orgs",
            json!({"name": "第一党支部", "kind": "党支部", "area_id": c}),
        )
        .await;
    let org = o["id"].as_i64().unwrap();
    let (_, pm) = shuji
        .post_json(
            &format!("/api/party/orgs/{org}/members"),
            json!({"person_id": w.zhao, "category": "在职", "joined_on": "2000-07-01"}),
        )
        .await;
    shuji
        .post_json(
            &format!("/api/party/orgs/{org}/members"),
            json!({"person_id": w.qian, "category": "离退休", "joined_on": "1980-07-01"}),
        )
        .await;
    for (kind, n) in [("党员大会", 1), ("支委会", 2), ("党小组会", 3), ("党课", 1)] {
        for i in 0..n {
            let absences = if kind == "党员大会" {
                json!([{"member_id": pm["id"], "reason": "出差"}])
            } else {
                json!([])
            };
            let (st, g) = shuji.post_json(&format!("/api/party/orgs/{org}/meetings"), json!({"kind": kind, "held_on": today, "topic": format!("第{i}次"), "absences": absences})).await;
            assert_eq!(st, StatusCode::OK, "{g}");
        }
    }
    for name in ["舞蹈队", "书画社"] {
        shuji.post_json("/api/units", json!({"kind": "社会组织", "name": name, "category": "文体类", "filing": "已备案", "area_id": c})).await;
    }
    for kind in ["消防安全", "门前三包"] {
        let (st, a) = shuji.post_json("/api/agreements", json!({"kind": kind, "title": kind, "party_a": "居委会", "party_b": "药房", "signed_on": today, "area_id": c})).await;
        assert_eq!(st, StatusCode::OK, "{a}");
    }

    let year = chrono::Datelike::year(&shequ::db::today()).to_string();
    let (st, r) = shuji
        .post_json(
            "/api/reports",
            json!({"template": "annual", "node": c, "period": year}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{r}");
    let (_, d) = shuji.get_json(&format!("/api/reports/{}", r["id"])).await;
    let fig = |code: &str| {
        d["document"]["figures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == code)
            .unwrap_or_else(|| panic!("{code}"))["value"]
            .as_f64()
    };
    assert_eq!(fig("activities.count"), Some(3.0));
    assert_eq!(fig("activities.participants"), Some(358.0));
    assert_eq!(fig("activities.materials"), Some(2000.0));
    assert_eq!(
        fig("volunteers.hours"),
        Some(6.0),
        "the unapproved 5 hours count nowhere"
    );
    assert_eq!(fig("volunteers.services"), Some(2.0));
    assert_eq!(fig("party.general_meetings"), Some(1.0));
    assert_eq!(fig("party.committee_meetings"), Some(2.0));
    assert_eq!(fig("party.group_meetings"), Some(3.0));
    // 7 meetings of 2 members, one absence: 13 ÷ 14.
    assert_eq!(fig("party.study_rate"), Some(92.9));
    assert_eq!(fig("units.social_orgs"), Some(2.0));
    assert_eq!(fig("agreements.signed"), Some(2.0));
    let md = shuji
        .get(&format!("/api/reports/{}/md", r["id"]))
        .await
        .text()
        .await
        .unwrap();
    for s in [
        "共开展各类活动3场",
        "接受咨询120人次",
        "经审核的志愿服务时长6小时",
        "召开党员大会1次、支委会2次、党小组会3次,上党课1次,党员参学率92.9%",
        "登记社会组织2家,签订各类责任书2份",
    ] {
        assert!(md.contains(s), "the report says {s:?}: {md}");
    }
    assert!(md.contains("参加活动350余人次"), "{md}");
    assert!(md.contains("发放宣传资料2000份"), "{md}");
}
