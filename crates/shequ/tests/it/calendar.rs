//! The working-day calendar (issue 13): case stage limits in working days over the holiday and 调休
//! calendar, the overdue scan on them, and the calendar edited and imported by the street administrator
//! (and only by them), with years without data reported on the dashboard.

use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::json;

use crate::cases::{category, report, user_id};
use crate::support::App;
use shequ::accounts::users;
use shequ::cases::{deadlines, queries, transitions};

fn utc(s: &str) -> chrono::NaiveDateTime {
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn working_day_limits_skip_holidays_and_count_tiaoxiu_weekends() {
    let app = App::start().await;
    let admin = app.login("admin").await;
    let g1 = app.login("wangge1").await;
    let cat = category(&admin, "sanitation").await;
    // A bad unit changes nothing.
    let (st, e) = admin
        .put_json(&format!("/api/case-categories/{cat}"), json!({"accept_hours": 1, "dispatch_hours": 5, "handle_hours": 3, "close_hours": 1, "limit_unit": "周"}))
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (st, c) = admin
        .put_json(&format!("/api/case-categories/{cat}"), json!({"accept_hours": 1, "dispatch_hours": 5, "handle_hours": 3, "close_hours": 1, "limit_unit": "working_days"}))
        .await;
    assert_eq!(st, StatusCode::OK, "{c}");
    assert_eq!(c["limit_unit"], "working_days");

    let id = report(&g1, "sanitation", app.world.grid1, "楼道垃圾").await;
    let worker = users::actor(&app.db, user_id(&app, "wangge1").await)
        .await
        .unwrap();
    // 立案 on 2025-09-30 at 10:00 Beijing time: the 派遣 stage has 5 working days. 1–8 October are the
    // National Day and Mid-Autumn break, Saturday 11 October is worked: due at the end of 14 October.
    let accept = transitions::Action::Accept {
        note: String::new(),
    };
    let c = transitions::apply_at(&app.db, &worker, id, &accept, utc("2025-09-30 02:00:00"))
        .await
        .unwrap();
    assert_eq!(c.stage_due_at.as_deref(), Some("2025-10-14 16:00:00"));
    assert_eq!(c.stage_warn_at.as_deref(), Some("2025-10-13 16:00:00"));
    // The scan counts on those times: not overdue at 23:59 Beijing time on the 14th, overdue at midnight.
    let s = deadlines::scan(&app.db, utc("2025-10-14 15:59:00"))
        .await
        .unwrap();
    assert_eq!((s.due_soon, s.overdue), (1, 0));
    let s = deadlines::scan(&app.db, utc("2025-10-14 16:00:00"))
        .await
        .unwrap();
    assert_eq!(s.overdue, 1);

    // 派遣 on 2024-02-08: 3 working days of 处置 end on 19 February (Sunday the 18th is worked).
    let dispatch = transitions::Action::Dispatch {
        to: transitions::Target::User,
        to_user_id: Some(worker.user_id),
        to_name: String::new(),
        note: String::new(),
    };
    let c = transitions::apply_at(&app.db, &worker, id, &dispatch, utc("2024-02-08 01:00:00"))
        .await
        .unwrap();
    assert_eq!(c.stage_due_at.as_deref(), Some("2024-02-19 16:00:00"));
    assert_eq!(c.deadline_status, "ok");
    let stored = queries::get(&app.db, &worker, id).await.unwrap();
    assert_eq!(stored.state, "dispatched");

    // A category in hours keeps counting the clock.
    let other = report(&g1, "hazard.fire", app.world.grid1, "楼道堆物").await;
    let c = transitions::apply_at(&app.db, &worker, other, &accept, utc("2025-09-30 02:00:00"))
        .await
        .unwrap();
    let limit: i64 = {
        let (_, cats) = admin.get_json("/api/case-categories").await;
        cats.as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"] == "hazard.fire")
            .unwrap()["dispatch_hours"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(
        c.stage_due_at.as_deref(),
        Some(
            (utc("2025-09-30 02:00:00") + chrono::Duration::hours(limit))
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
                .as_str()
        )
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_street_administrator_edits_and_imports_the_calendar() {
    let app = App::start().await;
    let admin = app.login("admin").await;
    let g1 = app.login("wangge1").await;

    let (st, y) = g1.get_json("/api/calendar?year=2025").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(y["known"], true);
    let days = y["days"].as_array().unwrap();
    assert!(
        days.iter()
            .any(|d| d["day"] == "2025-10-11" && d["kind"] == "workday"),
        "{y}"
    );
    assert_eq!(
        days.iter()
            .filter(|d| d["kind"] == "holiday" && d["name"] == "国庆节")
            .count(),
        7
    );

    // Missing years (this year, and next year from November) are on the dashboard.
    let (_, now) = g1.get_json("/api/calendar").await;
    let missing: Vec<i64> = now["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    let page = g1.get("/").await.text().await.unwrap();
    assert_eq!(
        page.contains("id=\"calendar-missing\""),
        !missing.is_empty(),
        "{missing:?}"
    );

    // Only the street administrator writes; a bad day changes nothing.
    let body = json!({"days": [{"day": "2027-01-01", "kind": "holiday", "name": "元旦"}], "source": "国办发明电〔2026〕"});
    let (st, _) = g1
        .send_json(reqwest::Method::PUT, "/api/calendar", body.clone())
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, e) = admin
        .send_json(reqwest::Method::PUT, "/api/calendar", json!({"days": [{"day": "2027-01-01", "kind": "holiday"}, {"day": "2027-02-30", "kind": "holiday"}]}))
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (_, y) = admin.get_json("/api/calendar?year=2027").await;
    assert_eq!(
        (y["known"].as_bool(), y["days"].as_array().unwrap().len()),
        (Some(false), 0)
    );

    // The years deadlines may reach are put in; the dashboard's notice goes.
    for year in &missing {
        let body = json!({"days": [{"day": format!("{year}-10-01"), "kind": "holiday", "name": "国庆节"}], "source": "test"});
        let (st, e) = admin
            .send_json(reqwest::Method::PUT, "/api/calendar", body)
            .await;
        assert_eq!(st, StatusCode::OK, "{e}");
    }
    let page = g1.get("/").await.text().await.unwrap();
    assert!(!page.contains("id=\"calendar-missing\""));

    // One day added by hand does not make its year known; confirming the year does.
    let r = admin
        .post_form(
            "/calendar/days",
            &[("day", "2029-01-01"), ("kind", "holiday"), ("name", "元旦")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, y) = g1.get_json("/api/calendar?year=2029").await;
    assert_eq!(
        (y["known"].as_bool(), y["days"].as_array().unwrap().len()),
        (Some(false), 1)
    );
    let r = admin
        .post_form(
            "/calendar/confirm",
            &[("year", "2029"), ("source", "国办发明电〔2028〕")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, y) = g1.get_json("/api/calendar?year=2029").await;
    assert_eq!(y["known"], true);

    // An .ics import through the page: 2028's National Day (1–7 October) and a 调休 Sunday.
    let ics = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20281001\r\nDTEND;VALUE=DATE:20281008\r\nSUMMARY:国庆节\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20280924\r\nDTEND;VALUE=DATE:20280925\r\nSUMMARY:国庆节(班)\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let form = Form::new().part(
        "file",
        Part::bytes(ics.as_bytes().to_vec())
            .file_name("2028.ics")
            .mime_str("text/calendar")
            .unwrap(),
    );
    let r = admin
        .client
        .post(admin.url("/calendar/import"))
        .header("X-CSRF-Token", &admin.csrf)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    assert!(text.contains("已导入 8 天"), "{text}");
    let (_, y) = g1.get_json("/api/calendar?year=2028").await;
    assert_eq!(y["known"], true);
    assert!(y["days"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["day"] == "2028-09-24" && d["kind"] == "workday"));
    let page = g1.get("/calendar?year=2028").await.text().await.unwrap();
    assert!(
        page.contains("2028-10-07") && !page.contains("/calendar/days/remove"),
        "workers read, do not edit"
    );

    // Removing a day through the page form; every change is in the audit log.
    let r = admin
        .post_form("/calendar/days/remove", &[("day", "2028-10-07")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, y) = g1.get_json("/api/calendar?year=2028").await;
    assert_eq!(y["days"].as_array().unwrap().len(), 7);
    let n: i64 = sqlx::Row::get(
        &sqlx::query("SELECT COUNT(*) FROM audit_log WHERE entity = 'calendar'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap(),
        0,
    );
    assert_eq!(n, missing.len() as i64 + 4);
}
