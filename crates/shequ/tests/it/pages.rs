//! The HTML pages a person uses: dashboard, tree, person forms, masking on screen, language switch.

use reqwest::StatusCode;

use sqlx::Row;

use crate::support::{id, App};

#[tokio::test(flavor = "multi_thread")]
async fn dashboard_tree_and_person_pages_work_in_chinese_and_english() {
    let app = App::start().await;
    let w = &app.world;
    let s = app.login("shuji").await;
    let home = s.get("/").await.text().await.unwrap();
    assert!(
        home.contains("id=\"stat-population\">2<"),
        "two residents in community A1"
    );
    assert!(home.contains("<svg class=\"chart\""));
    let tree = s
        .get(&format!("/registry/nodes/{}", w.community_a1))
        .await
        .text()
        .await
        .unwrap();
    assert!(tree.contains("第一网格") && tree.contains("第二网格") && !tree.contains("第三网格"));
    // Register a person through the form and see the masked number on their page.
    let form = s
        .get(&format!("/persons/new?household_id={}", w.household1))
        .await;
    assert_eq!(form.status(), StatusCode::OK);
    let number = id("1985-12-01", 456);
    let r = s
        .post_form(
            "/persons",
            &[
                ("name", "孟庆华"),
                ("id_type", "居民身份证"),
                ("id_number", &number),
                ("phone", "13700001234"),
                ("household_id", &w.household1.to_string()),
                ("relation", "配偶"),
                ("hukou_type", "户籍"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let page = s.get(&location).await.text().await.unwrap();
    assert!(page.contains(&format!("110***********{}", &number[14..])));
    assert!(
        !page.contains(&number),
        "the full number is not on the page"
    );
    assert!(page.contains("137****1234"));
    // A form error names the field in Chinese and writes nothing.
    let r = s
        .post_form(
            "/persons",
            &[
                ("name", "错号"),
                ("id_number", "123"),
                ("household_id", &w.household1.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("身份证号") && body.contains("18位"), "{body}");
    // The reveal button returns the full number.
    let revealed = s
        .post_form(&format!("{location}/reveal"), &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(revealed.contains(&number));
    // English.
    let r = s.post_form("/lang", &[("lang", "en")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let home = s.get("/").await.text().await.unwrap();
    assert!(home.contains("Population") && home.contains("Households"));
    let r = s.post_form("/lang", &[("lang", "zh")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(s.get("/").await.text().await.unwrap().contains("人口"));
    // History page shows who changed what.
    let history = s
        .get(&format!("{location}/history"))
        .await
        .text()
        .await
        .unwrap();
    assert!(history.contains("shuji") && history.contains("create"));
    // The list page itself, with its export link carrying the search.
    let list = s.get("/persons?q=孟").await;
    assert_eq!(list.status(), StatusCode::OK);
    let list = list.text().await.unwrap();
    assert!(
        list.contains("孟庆华") && list.contains("/persons/export.xlsx?q=%E5%AD%9F"),
        "{list}"
    );
    // Search results fragment (htmx) by pinyin initials.
    let rows = s.get("/persons/results?q=mqh").await.text().await.unwrap();
    assert!(rows.contains("孟庆华"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pasted_report_is_checked_and_its_figures_compared_with_the_records() {
    let app = App::start().await;
    let s = app.login("shuji").await;
    assert_eq!(s.get("/reports/check").await.status(), StatusCode::OK);
    let text = "2023年幸福社区工作报告\n20xx年共受理各类纠纷3起,调解成功3起。\n社区总人数有6035人,热线满意率达%。\n注册志愿者120人。\n";
    let form = reqwest::multipart::Form::new()
        .text("text", text)
        .text("year", "2026");
    let r = s
        .client
        .post(s.url("/reports/check"))
        .header("X-CSRF-Token", &s.csrf)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    // rules by their Chinese names, not their codes
    assert!(html.contains("<td>年份未填写</td>"), "{html}");
    assert!(html.contains("<td>缺少数字</td>"));
    assert!(!html.contains("placeholder."), "{html}");
    // the cleaned text with its changes marked (half-width punctuation made full-width), and downloads
    assert!(html.contains("<h3>清理后的文本</h3>"), "{html}");
    assert!(html.contains("<mark title=\"原文:,\">，</mark>"), "{html}");
    for (name, mime) in [
        ("报告_清理后.txt", "data:text/plain;charset=utf-8;base64,"),
        (
            "报告_清理后.docx",
            "data:application/vnd.openxmlformats-officedocument.wordprocessingml.document;base64,UEsD",
        ),
        (
            "报告_数据.xlsx",
            "data:application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;base64,UEsD",
        ),
    ] {
        assert!(
            html.contains(&format!("download=\"{name}\" href=\"{mime}")),
            "{name}: {html}"
        );
    }
    // Community A1 has two residents today; the report claims 6035.
    assert!(
        html.contains("<td>总人口</td><td>6035人</td><td>2人</td><td>+6033</td><td>不符</td>"),
        "{html}"
    );
    // Disputes come from the case records (none in 2026 here); volunteers are not a domain yet: no value.
    assert!(
        html.contains("<td>受理纠纷数</td><td>3起</td><td>0"),
        "{html}"
    );
    assert!(
        html.contains("<td>志愿者人数</td><td>120人</td><td>无数据</td>"),
        "{html}"
    );
    // Without the CSRF header the upload is refused.
    let form = reqwest::multipart::Form::new().text("text", text);
    let r = s
        .client
        .post(s.url("/reports/check"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread")]
async fn figures_of_a_past_report_saved_as_history_give_a_year_over_year_comparison() {
    let app = App::start().await;
    let s = app.login("shuji").await;
    let check = |text: &'static str, year: &'static str, save: bool| {
        let mut form = reqwest::multipart::Form::new()
            .text("text", text)
            .text("year", year);
        if save {
            form = form.text("save_history", "1");
        }
        s.client
            .post(s.url("/reports/check"))
            .header("X-CSRF-Token", &s.csrf)
            .multipart(form)
            .send()
    };
    let html = check(
        "2024年幸福社区工作报告\n全年为居民解决实际问题250件。\n",
        "2024",
        true,
    )
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    assert!(html.contains("id=\"history-saved\""), "{html}");
    let html = check(
        "2025年幸福社区工作报告\n全年为居民解决实际问题280余件。\n",
        "2025",
        false,
    )
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    let yoy = &html[html.find("与往年对比").expect("year-over-year section")..];
    assert!(yoy.contains("250") && yoy.contains("280"), "{yoy}");
    // Another community's head does not see this community's history.
    let n: i64 = sqlx::query("SELECT COUNT(*) FROM report_history")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_page_renders_for_every_role_in_both_languages() {
    let app = App::start().await;
    let w = &app.world;
    let pages = vec![
        "/".to_string(),
        "/registry".into(),
        "/persons".into(),
        "/persons?q=zjj".into(),
        "/persons?page=1".into(),
        "/tags".into(),
        "/rentals".into(),
        "/reports/check".into(),
        "/cases".into(),
        "/cases/dashboard".into(),
        format!("/persons/{}", w.zhao),
        format!("/persons/{}/history", w.zhao),
        format!("/households/{}", w.household1),
        format!("/registry/nodes/{}", w.building1),
        format!("/registry/nodes/{}", w.dwelling1),
    ];
    let writers = [
        format!("/persons/{}/edit", w.zhao),
        format!("/persons/new?household_id={}", w.household1),
        "/cases/new".to_string(),
    ];
    for who in ["admin", "shuji", "shegong", "wangge1", "louzu"] {
        let s = app.login(who).await;
        for lang in ["zh", "en"] {
            assert_eq!(
                s.post_form("/lang", &[("lang", lang)]).await.status(),
                StatusCode::SEE_OTHER
            );
            let mut all = pages.clone();
            if who != "louzu" {
                all.extend(writers.iter().cloned());
            }
            for path in &all {
                let r = s.get(path).await;
                assert_eq!(r.status(), StatusCode::OK, "{who} {lang} GET {path}");
                let body = r.text().await.unwrap();
                assert!(
                    body.contains("</html>") && !body.contains("系统错误"),
                    "{who} {lang} GET {path}"
                );
            }
        }
    }
}
