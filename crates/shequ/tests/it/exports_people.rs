//! Exports of lists of people — the members of a special group and rentals with their landlords and
//! tenants — read back with calamine: headers, rows computed from the world the test built, masking by role,
//! sensitive groups only for roles that may see them (404 otherwise), and the audit entries. The sheet and
//! audit helpers are those of `exports.rs`.

use reqwest::StatusCode;
use serde_json::Value;
use shequ::accounts::Actor;
use shequ::registry::mask;
use shequ::registry::rentals::{self, RentalInput};
use sqlx::Row;

use crate::exports::{col, day, exports_recorded, rows_of, sheet, status, tag, tag_type};
use crate::support::App;

#[tokio::test(flavor = "multi_thread")]
async fn special_groups_export_masked_by_role_and_sensitive_ones_only_to_who_may_see_them() {
    let app = App::start().await;
    let w = &app.world;
    let veteran = tag_type(&app, "veteran").await;
    let disabled = tag_type(&app, "disabled").await;
    let dibao = tag_type(&app, "dibao").await;
    tag(
        &app,
        w.zhao,
        veteran,
        serde_json::json!({"discharged": "2001-09-01", "entitled": "是"}),
        "2001-10-01",
    )
    .await;
    tag(&app, w.qian, veteran, serde_json::json!({}), "").await;
    tag(&app, w.sun, veteran, serde_json::json!({}), "").await;
    tag(
        &app,
        w.zhao,
        disabled,
        serde_json::json!({"type": "肢体", "grade": "二级"}),
        "2015-03-01",
    )
    .await;
    tag(
        &app,
        w.qian,
        dibao,
        serde_json::json!({"members": "3", "approved": "2020-06-30", "cert_no": "DB-7"}),
        "",
    )
    .await;

    let shuji = app.login("shuji").await;
    let page = shuji.get("/tags").await.text().await.unwrap();
    assert!(page.contains(&format!("/tags/{veteran}/export.xlsx")));
    assert!(page.contains(&format!("/tags/{disabled}/export.xlsx")));

    let rows = sheet(&shuji, &format!("/tags/{veteran}/export.xlsx")).await;
    assert_eq!(
        rows[0],
        vec![
            "姓名",
            "身份证号",
            "联系电话",
            "所属网格",
            "住址",
            "退役时间",
            "优抚对象",
            "起始日期"
        ]
    );
    assert_eq!(
        rows[1],
        vec![
            "赵军杰",
            w.zhao_id.as_str(),
            "13812345678",
            "第一网格",
            "锦绣花园1号楼1单元101",
            "2001-09-01",
            "是",
            "2001-10-01"
        ]
    );
    assert_eq!(
        col(&rows, "姓名"),
        vec!["赵军杰", "钱小红"],
        "not street B's"
    );
    let rows = sheet(&shuji, &format!("/tags/{dibao}/export.xlsx")).await;
    assert_eq!(col(&rows, "姓名"), vec!["钱小红"]);
    assert_eq!(col(&rows, "保障人数"), vec!["3"]);
    assert_eq!(col(&rows, "批准日期"), vec!["2020-06-30"]);
    assert_eq!(col(&rows, "低保证号"), vec!["DB-7"]);
    assert_eq!(col(&rows, "月保障金额(元)"), vec![""]);

    // The building leader may not reveal: ID number and phone masked; their building only.
    let louzu = app.login("louzu").await;
    let rows = sheet(&louzu, &format!("/tags/{veteran}/export.xlsx")).await;
    assert_eq!(col(&rows, "姓名"), vec!["赵军杰"]);
    assert_eq!(col(&rows, "身份证号"), vec![mask::id_number(&w.zhao_id)]);
    assert_eq!(col(&rows, "联系电话"), vec!["138****5678"]);
    // A grid worker may reveal (full numbers) but never sees a sensitive group: 404, nothing audited.
    let g1 = app.login("wangge1").await;
    let rows = sheet(&g1, &format!("/tags/{veteran}/export.xlsx")).await;
    assert_eq!(col(&rows, "姓名"), vec!["赵军杰"]);
    assert_eq!(col(&rows, "身份证号"), vec![w.zhao_id.clone()]);
    for t in [disabled, dibao] {
        assert_eq!(
            status(&g1, &format!("/tags/{t}/export.xlsx")).await,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            status(&louzu, &format!("/tags/{t}/export.xlsx")).await,
            StatusCode::NOT_FOUND
        );
    }
    assert_eq!(
        status(&g1, "/tags/999999/export.xlsx").await,
        StatusCode::NOT_FOUND
    );
    // The social worker sees the sensitive group; the export is a sensitive read in the audit log.
    let sw = app.login("shegong").await;
    let rows = sheet(&sw, &format!("/tags/{disabled}/export.xlsx")).await;
    assert_eq!(col(&rows, "姓名"), vec!["赵军杰"]);
    assert_eq!(col(&rows, "残疾类型"), vec!["肢体"]);
    assert_eq!(col(&rows, "残疾等级"), vec!["二级"]);
    assert_eq!(col(&rows, "起始日期"), vec!["2015-03-01"]);
    let admin_b = app.login("admin_b").await;
    let rows = sheet(&admin_b, &format!("/tags/{veteran}/export.xlsx")).await;
    assert_eq!(col(&rows, "姓名"), vec!["孙立"]);

    let recorded = exports_recorded(&app, "person_tag").await;
    let who: Vec<&str> = recorded.iter().map(|(u, _, _)| u.as_str()).collect();
    assert_eq!(
        who,
        vec!["shuji", "shuji", "louzu", "wangge1", "shegong", "admin_b"]
    );
    assert_eq!(rows_of(&recorded), vec![2, 1, 1, 1, 1, 1]);
    assert_eq!(recorded[0].1["tag"], "退役军人");
    assert_eq!(recorded[0].1["tag_type_id"], veteran);
    let sensitive: Vec<(String, Option<i64>, String)> = sqlx::query(
        "SELECT username, entity_id, after_json FROM audit_log WHERE action = 'read_sensitive' AND entity = 'tag_type' ORDER BY id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2)))
    .collect();
    assert_eq!(sensitive.len(), 2, "{sensitive:?}");
    assert_eq!(sensitive[0].0, "shuji");
    assert_eq!(sensitive[0].1, Some(dibao));
    assert_eq!(sensitive[1].0, "shegong");
    assert_eq!(sensitive[1].1, Some(disabled));
    let detail: Value = serde_json::from_str(&sensitive[1].2).unwrap();
    assert_eq!(detail["rows"], 1);
    assert_eq!(detail["tag"], "残疾");
}

#[tokio::test(flavor = "multi_thread")]
async fn rentals_export_with_dates_tenants_and_masked_phones() {
    let app = App::start().await;
    let w = &app.world;
    let sys = Actor::system();
    let rent = |dwelling: i64,
                landlord: &str,
                phone: &str,
                signed: String,
                expires: String,
                tenants: Vec<i64>| {
        let input = RentalInput {
            landlord_name: landlord.into(),
            landlord_phone: phone.into(),
            agreement_signed: signed,
            agreement_expires: expires,
            tenants,
            ..Default::default()
        };
        let (db, sys) = (app.db.clone(), sys.clone());
        async move { rentals::create(&db, &sys, dwelling, &input).await.unwrap() }
    };
    rent(
        w.dwelling1,
        "王房东",
        "13900002222",
        day(-400),
        day(-10),
        vec![w.zhao],
    )
    .await;
    rent(
        w.dwelling2,
        "李房东",
        "",
        String::new(),
        String::new(),
        vec![],
    )
    .await;
    rent(w.dwelling_b, "周房东", "", day(-30), day(300), vec![w.sun]).await;

    let shuji = app.login("shuji").await;
    let page = shuji.get("/rentals").await.text().await.unwrap();
    assert!(page.contains("/rentals/export.xlsx"));
    let rows = sheet(&shuji, "/rentals/export.xlsx").await;
    assert_eq!(
        rows[0],
        vec![
            "住址",
            "所属网格",
            "房东",
            "联系电话",
            "租户人数",
            "责任书签订日期",
            "责任书到期日期",
            "责任书状态",
            "备注"
        ]
    );
    assert_eq!(
        rows[1][..8],
        [
            "锦绣花园1号楼1单元101".to_string(),
            "第一网格".into(),
            "王房东".into(),
            "13900002222".into(),
            "1".into(),
            day(-400),
            day(-10),
            "已过期".into()
        ]
    );
    assert_eq!(col(&rows, "住址")[1], "阳光小区2号楼202");
    assert_eq!(col(&rows, "租户人数")[1], "0");
    assert_eq!(col(&rows, "责任书签订日期")[1], "");
    assert_eq!(col(&rows, "责任书状态")[1], "未签订");
    assert_eq!(rows.len(), 3, "not street B's");

    let louzu = app.login("louzu").await;
    let rows = sheet(&louzu, "/rentals/export.xlsx").await;
    assert_eq!(col(&rows, "房东"), vec!["王房东"]);
    assert_eq!(col(&rows, "联系电话"), vec!["139****2222"]);
    let g2 = app.login("wangge2").await;
    let rows = sheet(&g2, "/rentals/export.xlsx").await;
    assert_eq!(col(&rows, "房东"), vec!["李房东"]);
    let admin_b = app.login("admin_b").await;
    let rows = sheet(&admin_b, "/rentals/export.xlsx").await;
    assert_eq!(col(&rows, "房东"), vec!["周房东"]);
    assert_eq!(col(&rows, "责任书状态"), vec!["有效"]);
    assert_eq!(col(&rows, "租户人数"), vec!["1"]);

    let recorded = exports_recorded(&app, "rental").await;
    assert_eq!(rows_of(&recorded), vec![2, 1, 1, 1]);
    let who: Vec<&str> = recorded.iter().map(|(u, _, _)| u.as_str()).collect();
    assert_eq!(who, vec!["shuji", "louzu", "wangge2", "admin_b"]);
}
