//! The home page's indicator cards come from the catalogue: each card's number equals
//! `/api/indicators/{code}` for the same scope and period, for a community secretary and a grid worker, and
//! links to its drill-down.

use chrono::Datelike;
use reqwest::StatusCode;

use crate::support::App;

/// The cards of a home page: (code, shown number, link).
fn cards(html: &str) -> Vec<(String, String, String)> {
    let html = html.replace("&#x2f;", "/");
    html.split("id=\"card-")
        .skip(1)
        .map(|c| {
            let code = c[..c.find('"').unwrap()].replace('-', ".");
            let link = c.split("href=\"").nth(1).unwrap();
            let link = link[..link.find('"').unwrap()].replace("&amp;", "&");
            let n = c.split("<div class=\"n\">").nth(1).unwrap();
            (code, n[..n.find("</div>").unwrap()].to_string(), link)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_home_cards_equal_the_catalogue_for_each_role() {
    let app = App::start().await;
    let today = shequ::db::today();
    for login in ["shuji", "wangge1"] {
        let s = app.login(login).await;
        let html = s.get("/").await.text().await.unwrap();
        let cards = cards(&html);
        assert!(cards.len() >= 4, "{login}: {cards:?}");
        for (code, shown, link) in cards {
            let period = if code.starts_with("cases.") {
                format!("{}-{:02}", today.year(), today.month())
            } else {
                today.year().to_string()
            };
            let (st, v) = s
                .get_json(&format!("/api/indicators/{code}?period={period}"))
                .await;
            assert_eq!(st, StatusCode::OK, "{v}");
            let want = match v["value"].as_f64() {
                None => "无数据".to_string(),
                Some(x) if v["unit"] == "%" => format!("{x}%"),
                Some(x) => (x as i64).to_string(),
            };
            assert_eq!(shown, want, "{login} {code}");
            assert_eq!(
                link,
                format!("/reports/indicators/{code}/records?period={period}")
            );
            assert_eq!(s.get(&link).await.status(), StatusCode::OK, "{link}");
        }
    }
}
