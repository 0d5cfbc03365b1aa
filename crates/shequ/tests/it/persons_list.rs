//! The person list page by page, newest first within the scope: by offset (`?page=N`, the API and the HTML
//! page) and by the id links of the HTML page (`after=` / `before=`), losing and repeating no one.

use reqwest::StatusCode;
use sqlx::Row;

use crate::support::{id, App};

/// `n` people named `name`, born on `birth` (ID serials from `serial`), the i-th in `household(i)`; their ids.
async fn make_people(
    app: &App,
    name: &str,
    birth: &str,
    serial: u32,
    n: u32,
    household: impl Fn(u32) -> i64,
) -> Vec<i64> {
    let sys = shequ::accounts::Actor::system();
    let mut made = Vec::new();
    for i in 0..n {
        let input = crate::support::person(name, &id(birth, serial + i), household(i));
        let p = shequ::registry::persons::create(&app.db, &sys, &input)
            .await
            .unwrap();
        made.push(p.id);
    }
    made
}

/// The list is paged newest first within the scope: pages follow each other without gaps or repeats, skip
/// archived people, and the page shows a next-page link exactly when there is more.
#[tokio::test(flavor = "multi_thread")]
async fn list_pages_follow_each_other_newest_first_in_scope() {
    use shequ::accounts::Actor;
    use shequ::registry::persons;
    let app = App::start().await;
    let w = &app.world;
    let sys = Actor::system();
    let made = make_people(&app, "测试人", "1985-01-01", 100, 110, |i| {
        if i % 3 == 2 {
            w.household_b
        } else {
            w.household1
        }
    })
    .await;
    persons::archive(&app.db, &sys, made[3]).await.unwrap();
    let expected: Vec<i64> = sqlx::query(
        "SELECT id FROM persons WHERE street_id = $1 AND archived = 0 ORDER BY id DESC",
    )
    .bind(w.street_a)
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect();
    assert_eq!(expected.len(), 2 + (110 - 36) - 1);
    let s = app.login("admin").await;
    let mut seen = Vec::new();
    for page in 0.. {
        let (st, r) = s.get_json(&format!("/api/persons?page={page}")).await;
        assert_eq!(st, StatusCode::OK);
        let ids: Vec<i64> = r
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_i64().unwrap())
            .collect();
        assert!(ids.len() <= 50);
        if ids.is_empty() {
            break;
        }
        // The HTML page holds the same people and links to the next page while there is one.
        let html = s
            .get(&format!("/persons?page={page}"))
            .await
            .text()
            .await
            .unwrap();
        for id in &ids {
            assert!(
                html.contains(&format!("/persons/{id}\"")),
                "page {page}: {id}"
            );
        }
        let more = seen.len() + ids.len() < expected.len();
        assert_eq!(
            html.contains(&format!(
                "/persons?page={}&after={}\"",
                page + 1,
                ids.last().unwrap()
            )),
            more,
            "page {page}"
        );
        seen.extend(ids);
    }
    assert_eq!(seen, expected);
    // A grid worker pages through their own grid only.
    let g2 = app.login("wangge2").await;
    let (_, r) = g2.get_json("/api/persons?page=0").await;
    let ids: Vec<i64> = r
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![w.qian]);
    let (_, r) = g2.get_json("/api/persons?page=1").await;
    assert!(r.as_array().unwrap().is_empty());
}

/// The person ids listed on an HTML page, in order, and its next / previous page links.
fn html_page(html: &str) -> (Vec<i64>, Option<String>, Option<String>) {
    let ids = html
        .split("class=\"person-link\" href=\"/persons/")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].parse().unwrap())
        .collect();
    let link = |rel: &str| {
        html.split(&format!("rel=\"{rel}\" href=\""))
            .nth(1)
            .map(|s| s[..s.find('"').unwrap()].to_string())
    };
    (ids, link("next"), link("prev"))
}

#[tokio::test(flavor = "multi_thread")]
async fn list_pages_by_id_links_lose_and_repeat_no_one_and_stay_in_scope() {
    use shequ::accounts::Actor;
    use shequ::registry::persons;
    let app = App::start().await;
    let w = &app.world;
    let sys = Actor::system();
    let made = make_people(&app, "翻页人", "1986-02-02", 200, 160, |i| {
        if i % 4 == 3 {
            w.household_b
        } else if i % 4 == 2 {
            w.household2
        } else {
            w.household1
        }
    })
    .await;
    persons::archive(&app.db, &sys, made[7]).await.unwrap();
    let in_scope = |col: &'static str, id: i64| {
        let db = app.db.clone();
        async move {
            sqlx::query(&format!(
                "SELECT id FROM persons WHERE {col} = $1 AND archived = 0 ORDER BY id DESC"
            ))
            .bind(id)
            .fetch_all(&db.pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<i64, _>(0))
            .collect::<Vec<i64>>()
        }
    };
    let expected = in_scope("street_id", w.street_a).await;
    assert!(expected.len() > 100, "three pages at least");
    let s = app.login("admin").await;
    // Forward by the next-page links: every person once, newest first, 50 a page.
    let mut pages: Vec<Vec<i64>> = Vec::new();
    let mut url = "/persons".to_string();
    loop {
        let html = s.get(&url).await.text().await.unwrap();
        let (ids, next, _) = html_page(&html);
        assert!(ids.len() <= 50 && !ids.is_empty(), "{url}");
        pages.push(ids);
        match next {
            Some(n) => {
                assert!(n.contains("&after="), "{n}");
                url = n;
            }
            None => break,
        }
    }
    assert_eq!(pages.concat(), expected);
    assert!(pages[..pages.len() - 1].iter().all(|p| p.len() == 50));
    // A person added while reading does not shift the pages after the link: the next page still starts
    // right after the last person seen.
    let (_, second, _) = html_page(&s.get("/persons").await.text().await.unwrap());
    persons::create(
        &app.db,
        &sys,
        &crate::support::person("新来的", &id("1990-03-03", 900), w.household1),
    )
    .await
    .unwrap();
    let (ids, _, _) = html_page(&s.get(&second.unwrap()).await.text().await.unwrap());
    assert_eq!(ids, pages[1]);
    // Back from the last page by the previous-page links: the same pages in reverse.
    let expected = in_scope("street_id", w.street_a).await;
    let mut url = "/persons".to_string();
    let mut last = String::new();
    while !url.is_empty() {
        last = url.clone();
        url = html_page(&s.get(&url).await.text().await.unwrap())
            .1
            .unwrap_or_default();
    }
    let mut back: Vec<Vec<i64>> = Vec::new();
    let mut url = last;
    loop {
        let (ids, _, prev) = html_page(&s.get(&url).await.text().await.unwrap());
        back.push(ids);
        match prev {
            Some(p) => {
                assert!(p.contains("&before="), "{p}");
                url = p;
            }
            None => break,
        }
    }
    back.reverse();
    assert_eq!(back.concat(), expected);
    assert_eq!(back[0].len(), 50, "the first page is full again");
    // ?page=N (by offset) still answers the same pages.
    let (ids, _, _) = html_page(&s.get("/persons?page=1").await.text().await.unwrap());
    assert_eq!(ids, back[1]);
    // A grid worker reads their own grid only, however the link is made up.
    let g2 = app.login("wangge2").await;
    let grid2 = in_scope("grid_id", w.grid2).await;
    let mut seen = Vec::new();
    let mut url = "/persons".to_string();
    loop {
        let (ids, next, _) = html_page(&g2.get(&url).await.text().await.unwrap());
        seen.extend(ids);
        match next {
            Some(n) => url = n,
            None => break,
        }
    }
    assert_eq!(seen, grid2);
    let (ids, _, _) = html_page(
        &g2.get(&format!("/persons?after={}", i64::MAX))
            .await
            .text()
            .await
            .unwrap(),
    );
    assert_eq!(ids, grid2[..grid2.len().min(50)].to_vec());
    let (ids, _, _) = html_page(&g2.get("/persons?before=0").await.text().await.unwrap());
    assert!(ids.iter().all(|i| grid2.contains(i)));
}
