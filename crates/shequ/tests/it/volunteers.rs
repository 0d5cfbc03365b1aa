//! Volunteer service over HTTP (issue 18): teams with a leader's account and members (registry persons and
//! outside people); a record counts nowhere until the team's leader approves it; only the leader (or the
//! community head) approves, a return needs its reason; yearly hours, the certificate, the exports; a
//! patrol team becomes a volunteer team once, by link; scope isolation.

use reqwest::StatusCode;
use serde_json::json;

use crate::activities::{xlsx, year};
use crate::cases::user_id;
use crate::support::App;

#[tokio::test(flavor = "multi_thread")]
async fn hours_count_only_when_the_leader_approved_them() {
    let app = App::start().await;
    let w = &app.world;
    let shuji = app.login("shuji").await;
    let shegong = app.login("shegong").await;
    let leader = app.login("wangge1").await;
    let (st, t) = shuji
        .post_json(
            "/api/volunteer-teams",
            json!({"name": "关爱老人志愿服务队", "service": "关爱老人", "area_id": w.community_a1}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{t}");
    let team = t["id"].as_i64().unwrap();
    let (st, e) = shuji
        .post_json(
            "/api/volunteer-teams",
            json!({"name": "x", "service": "跳舞", "area_id": w.community_a1}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e.to_string().contains("服务类别"));
    let wangge1 = user_id(&app, "wangge1").await;
    let (st, lm) = shuji.post_json(&format!("/api/volunteer-teams/{team}/members"),
        json!({"person_id": w.zhao, "role": "队长", "user_id": wangge1, "phone": "13900001111", "skills": "理发"})).await;
    assert_eq!(st, StatusCode::OK, "{lm}");
    assert_eq!(lm["name"], "赵军杰");
    assert_eq!(lm["phone"], "139****1111", "phones are masked");
    let (_, qm) = shuji
        .post_json(
            &format!("/api/volunteer-teams/{team}/members"),
            json!({"person_id": w.qian}),
        )
        .await;
    let (st, om) = shuji
        .post_json(
            &format!("/api/volunteer-teams/{team}/members"),
            json!({"name": "外来志愿者", "skills": "法律"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{om}");
    let qian = qm["id"].as_i64().unwrap();

    let today = shequ::db::today().to_string();
    let (st, r) = shegong
        .post_json(
            &format!("/api/volunteer-teams/{team}/records"),
            json!({"member_id": qian, "served_on": today, "what": "陪伴独居老人", "hours": 3}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(r["state"], "submitted");
    let rec = r["id"].as_i64().unwrap();
    let (st, e) = shegong
        .post_json(
            &format!("/api/volunteer-teams/{team}/records"),
            json!({"member_id": qian, "served_on": today, "what": "x", "hours": 30}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e.to_string().contains("服务时长"));

    // Not approved: counted nowhere.
    let y = year();
    let (_, v) = shuji
        .get_json(&format!("/api/indicators/volunteers.hours?period={y}"))
        .await;
    assert_eq!(v["value"], 0.0, "{v}");
    let (_, h) = shuji
        .get_json(&format!("/api/volunteer-teams/{team}/hours?year={y}"))
        .await;
    assert!(
        h.as_array().unwrap().iter().all(|x| x["minutes"] == 0),
        "{h}"
    );
    let (_, c) = shuji
        .get_json(&format!(
            "/api/volunteer-members/{qian}/certificate?year={y}"
        ))
        .await;
    assert_eq!(c["minutes"], 0);

    // Only the leader (or the community head) approves; a return needs a reason.
    let (st, _) = shegong
        .post_json(
            &format!("/api/volunteer-records/{rec}/decision"),
            json!({"step": "approve"}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, e) = leader
        .post_json(
            &format!("/api/volunteer-records/{rec}/decision"),
            json!({"step": "reject"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e.to_string().contains("退回理由"));
    let (st, r) = leader
        .post_json(
            &format!("/api/volunteer-records/{rec}/decision"),
            json!({"step": "approve"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(r["state"], "approved");
    assert_eq!(r["decided_by"], "wangge1用户");
    let (st, _) = leader
        .post_json(
            &format!("/api/volunteer-records/{rec}/decision"),
            json!({"step": "approve"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "decided once");
    // A second record, returned: still counts nowhere.
    let (_, r2) = shegong
        .post_json(
            &format!("/api/volunteer-teams/{team}/records"),
            json!({"member_id": qian, "served_on": today, "what": "打扫楼道", "hours": 1.5}),
        )
        .await;
    let r2 = r2["id"].as_i64().unwrap();
    let (st, _) = leader
        .post_json(
            &format!("/api/volunteer-records/{r2}/decision"),
            json!({"step": "reject", "reason": "时间重复"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);

    let (_, v) = shuji
        .get_json(&format!("/api/indicators/volunteers.hours?period={y}"))
        .await;
    assert_eq!(v["value"], 3.0, "{v}");
    let (_, v) = shuji
        .get_json(&format!("/api/indicators/volunteers.services?period={y}"))
        .await;
    assert_eq!(v["value"], 1.0, "{v}");
    let (_, h) = shuji
        .get_json(&format!("/api/volunteer-teams/{team}/hours?year={y}"))
        .await;
    assert_eq!(h[0]["name"], "钱小红");
    assert_eq!(h[0]["minutes"], 180);
    let (_, c) = shuji
        .get_json(&format!(
            "/api/volunteer-members/{qian}/certificate?year={y}"
        ))
        .await;
    assert_eq!(c["hours"], "3");
    assert_eq!(c["community"], "幸福社区");
    assert_eq!(c["approvers"], json!(["wangge1用户"]));
    let page = shuji
        .get(&format!("/volunteers/members/{qian}/certificate?year={y}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("志愿服务时长证明")
            && page.contains("幸福社区")
            && page.contains("wangge1用户"),
        "{page}"
    );
    let page = shuji
        .get(&format!("/volunteers/{team}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("陪伴独居老人") && page.contains("时间重复"),
        "{page}"
    );
    assert!(!page.contains("13900001111"));
    xlsx(&shuji, "/volunteers/export.xlsx").await;
    xlsx(&shuji, &format!("/volunteers/{team}/records.xlsx")).await;
    xlsx(&shuji, &format!("/volunteers/{team}/hours.xlsx")).await;

    // The page form: the volunteer's own record by the leader, approved by the head through the page.
    let r = leader
        .post_form(
            &format!("/volunteers/{team}/records"),
            &[
                ("member_id", &lm["id"].to_string()),
                ("served_on", &today),
                ("what", "理发"),
                ("hours", "2"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // A patrol team is a volunteer team by link, once.
    let (st, p) = shuji.post_json("/api/patrol-teams", json!({"name": "夕阳红巡逻队", "kind": "志愿者巡逻队", "area_id": w.community_a1, "leader": "老李"})).await;
    assert_eq!(st, StatusCode::OK, "{p}");
    let pid = p["id"].as_i64().unwrap();
    let (st, vt) = shuji
        .post_json(
            "/api/volunteer-teams",
            json!({"service": "夕阳红巡逻", "patrol_team_id": pid}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{vt}");
    assert_eq!(vt["name"], "夕阳红巡逻队");
    let (st, _) = shuji
        .post_json(
            "/api/volunteer-teams",
            json!({"service": "夕阳红巡逻", "patrol_team_id": pid}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);

    // Scope: another street sees none of it.
    let b = app.login("admin_b").await;
    for path in [
        format!("/api/volunteer-teams/{team}"),
        format!("/api/volunteer-teams/{team}/records"),
        format!("/api/volunteer-teams/{team}/hours"),
        format!("/api/volunteer-members/{qian}/certificate"),
        format!("/volunteers/{team}"),
        format!("/volunteers/members/{qian}/certificate"),
    ] {
        assert_eq!(b.get(&path).await.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let (st, _) = b
        .post_json(
            &format!("/api/volunteer-records/{r2}/decision"),
            json!({"step": "approve"}),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (_, list) = b.get_json("/api/volunteer-teams").await;
    assert_eq!(list.as_array().unwrap().len(), 0);
}
