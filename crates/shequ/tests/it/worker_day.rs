//! The worker's day (issue 21): Beijing time on every page, names instead of ids in the forms (type-ahead
//! lookups, scoped and masked), natural order of grids and buildings, and the 工作台 of what needs doing.

use serde_json::json;

use crate::cases::report;
use crate::support::App;

#[tokio::test(flavor = "multi_thread")]
async fn a_case_page_shows_beijing_time() {
    let app = App::start().await;
    let w = &app.world;
    let g1 = app.login("wangge1").await;
    let id = report(&g1, "dispute.neighbour", w.dwelling1, "楼道漏水").await;
    // Stored in UTC: 02:30 UTC is 10:30 in Beijing; 18:00 UTC on the 1st is 02:00 on the 2nd.
    sqlx::query("UPDATE cases SET created_at = $1, stage_due_at = $2, due_at = $3 WHERE id = $4")
        .bind("2026-03-01 02:30:00")
        .bind("2026-03-01 18:00:00")
        .bind("2026-03-05 16:00:00")
        .bind(id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE case_events SET at = $1 WHERE case_id = $2")
        .bind("2026-03-01 02:30:00")
        .bind(id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let page = g1.get(&format!("/cases/{id}")).await.text().await.unwrap();
    assert!(
        page.contains("2026-03-02 02:00"),
        "stage due in Beijing time"
    );
    assert!(page.contains("2026-03-06 00:00"), "due in Beijing time");
    assert!(page.contains("2026-03-01 10:30"), "trail in Beijing time");
    assert!(!page.contains("UTC"), "no UTC label");
    assert!(!page.contains("02:30:00") && !page.contains("18:00:00"));
    let list = g1.get("/cases").await.text().await.unwrap();
    assert!(
        list.contains("2026-03-01 10:30"),
        "the list in Beijing time"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn households_are_chosen_by_number_or_address_in_scope() {
    let app = App::start().await;
    let g1 = app.login("wangge1").await;
    let admin = app.login("admin").await;
    let text = |r: reqwest::Response| async move { r.text().await.unwrap() };
    // The input sends its own name; the grid worker sees only the households of the grid.
    let mine = text(g1.get("/lookup/households?household=h00").await).await;
    assert!(mine.contains("data-value=\"H001\""), "{mine}");
    assert!(mine.contains("锦绣花园") && mine.contains("第一网格"));
    assert!(!mine.contains("H002") && !mine.contains("H900"));
    let by_address = text(g1.get("/lookup/households?q=锦绣").await).await;
    assert!(by_address.contains("H001"));
    let street = text(admin.get("/lookup/households?q=H").await).await;
    assert!(street.contains("H001") && street.contains("H002"));
    assert!(
        !street.contains("H900"),
        "another street's household never appears"
    );
    // A wildcard typed is text, not a pattern.
    let wild = text(g1.get("/lookup/households?q=%25").await).await;
    assert!(!wild.contains("H002") && !wild.contains("H900"));

    // The visit form takes the 户号 typed (any case), and refuses one outside the scope in Chinese.
    let r = g1
        .post_form(
            "/visits",
            &[
                ("household", "h001"),
                ("kind", "日常走访"),
                ("note", "看望"),
            ],
        )
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    let page = text(g1.get(r.headers()["location"].to_str().unwrap()).await).await;
    assert!(
        page.contains("value=\"H001\""),
        "the form is filled with the 户号"
    );
    assert!(page.contains("看望") && page.contains("visits-pager"));
    let r = g1
        .post_form("/visits", &[("household", "H002"), ("kind", "日常走访")])
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("户号 H002 不存在或不在您的管辖范围内"),
        "{body}"
    );
    let form = text(g1.get("/visits").await).await;
    assert!(!form.contains("户编号(ID)"));
}

#[tokio::test(flavor = "multi_thread")]
async fn people_are_chosen_by_name_masked_and_in_scope() {
    let app = App::start().await;
    let w = &app.world;
    let g1 = app.login("wangge1").await;
    let admin = app.login("admin").await;
    let found = g1
        .get("/lookup/persons?reporter_name=赵")
        .await
        .text()
        .await
        .unwrap();
    assert!(found.contains("赵军杰"), "{found}");
    assert!(found.contains(&format!("data-value=\"{}\"", w.zhao)));
    assert!(!found.contains(&w.zhao_id), "the ID number is masked");
    assert!(found.contains(&shequ::registry::mask::id_number(&w.zhao_id)));
    assert!(
        !found.contains("13812345678") && !found.contains("5678"),
        "no phone"
    );
    // By pinyin initials too; out of scope never.
    let by_pinyin = g1.get("/lookup/persons?q=zjj").await.text().await.unwrap();
    assert!(by_pinyin.contains("赵军杰"));
    let other_grid = g1.get("/lookup/persons?q=钱").await.text().await.unwrap();
    assert!(!other_grid.contains("钱小红") && other_grid.contains("没有找到"));
    // An administrator, who may unmask, is shown the mask too: choosing is not revealing.
    let street = admin
        .get("/lookup/persons?q=赵")
        .await
        .text()
        .await
        .unwrap();
    assert!(street.contains("赵军杰") && !street.contains(&w.zhao_id));
    let other_street = admin
        .get("/lookup/persons?q=孙立")
        .await
        .text()
        .await
        .unwrap();
    assert!(!other_street.contains("孙立"));
}

#[tokio::test(flavor = "multi_thread")]
async fn cases_are_linked_by_number_in_scope() {
    let app = App::start().await;
    let w = &app.world;
    let g1 = app.login("wangge1").await;
    let g2 = app.login("wangge2").await;
    let first = report(&g1, "dispute.neighbour", w.dwelling1, "楼道漏水").await;
    let number: String = sqlx::query_scalar("SELECT number FROM cases WHERE id = $1")
        .bind(first)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let found = g1.get("/lookup/cases?q=漏水").await.text().await.unwrap();
    assert!(found.contains(&number) && found.contains("上报"), "{found}");
    let tail = &number[number.len() - 4..];
    assert!(g1
        .get(&format!("/lookup/cases?linked_case={tail}"))
        .await
        .text()
        .await
        .unwrap()
        .contains(&number));
    let other = g2.get("/lookup/cases?q=漏水").await.text().await.unwrap();
    assert!(
        !other.contains(&number),
        "another grid's case never appears"
    );

    // The new-case form links by the number typed; the page shows the number, not the id.
    let form = g1.get("/cases/new").await.text().await.unwrap();
    assert!(!form.contains("(ID)") && form.contains("/lookup/persons"));
    let cat: i64 = sqlx::query_scalar("SELECT id FROM case_categories WHERE code = $1")
        .bind("dispute.neighbour")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let cat = cat.to_string();
    let grid = w.grid1.to_string();
    let r = g1
        .post_form(
            "/cases",
            &[
                ("category_id", &cat),
                ("source", "来访"),
                ("title", "又漏水了"),
                ("grid_id", &grid),
                ("linked_case", &number.to_lowercase()),
            ],
        )
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    let page = g1
        .get(r.headers()["location"].to_str().unwrap())
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("<a href=\"/cases/{first}\">{number}</a>")));
    let r = g2
        .post_form(
            "/cases",
            &[
                ("category_id", &cat),
                ("source", "来访"),
                ("title", "别处的"),
                ("grid_id", &w.grid2.to_string()),
                ("linked_case", &number),
            ],
        )
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("不存在或不在您的管辖范围内"));
}

#[tokio::test(flavor = "multi_thread")]
async fn places_are_listed_in_natural_order_with_full_paths() {
    use shequ::accounts::Actor;
    use shequ::registry::nodes::{self, Kind, NodeInput};
    let app = App::start().await;
    let w = &app.world;
    let sys = Actor::system();
    for name in ["第十一网格", "第三网格", "第十网格"] {
        nodes::create(
            &app.db,
            &sys,
            Some(w.community_a1),
            Kind::Grid,
            &NodeInput {
                name: name.into(),
                code: None,
            },
        )
        .await
        .unwrap();
    }
    for name in ["10号楼", "2号楼"] {
        nodes::create(
            &app.db,
            &sys,
            Some(w.estate1),
            Kind::Building,
            &NodeInput {
                name: name.into(),
                code: None,
            },
        )
        .await
        .unwrap();
    }
    let shuji = app.login("shuji").await;
    let visits = shuji.get("/visits").await.text().await.unwrap();
    let at = |s: &str| {
        visits
            .find(&format!(">{s}</option>"))
            .unwrap_or_else(|| panic!("{s}"))
    };
    assert!(at("第一网格") < at("第二网格"));
    assert!(at("第二网格") < at("第三网格"));
    assert!(at("第三网格") < at("第十网格"));
    assert!(at("第十网格") < at("第十一网格"));
    let options = shuji
        .get(&format!("/cases/locations?grid_id={}", w.grid1))
        .await
        .text()
        .await
        .unwrap();
    let b = |s: &str| {
        options
            .find(&format!("锦绣花园 {s}<"))
            .unwrap_or_else(|| panic!("{s}"))
    };
    assert!(b("1号楼") < b("2号楼") && b("2号楼") < b("10号楼"));
    // The move list names each place by its path.
    let admin = app.login("admin").await;
    let node = admin
        .get(&format!("/registry/nodes/{}", w.building1))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        node.contains(">幸福社区 › 第二网格 › 阳光小区</option>"),
        "{node}"
    );
}

/// The 工作台 section of a user's home page, and the ids of the cases it links.
async fn workbench(app: &App, user: &str) -> String {
    let s = app.login(user).await;
    let page = s.get("/").await.text().await.unwrap();
    let start = page.find("<section id=\"workbench\">").expect("workbench");
    let end = page[start..].find("</section>").unwrap() + start;
    page[start..end].to_string()
}

/// The part of the 工作台 under one heading.
fn part(html: &str, id: &str) -> String {
    match html.find(&format!("id=\"{id}\"")) {
        None => String::new(),
        Some(at) => {
            let rest = &html[at..];
            let end = rest[1..].find("<h2").map(|e| e + 1).unwrap_or(rest.len());
            rest[..end].to_string()
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_workbench_shows_each_todo_to_exactly_its_users() {
    use crate::cases::{ok, user_id};
    let app = App::start().await;
    let w = &app.world;
    let g1 = app.login("wangge1").await;
    let shegong = app.login("shegong").await;
    let admin = app.login("admin").await;
    let link = |id: i64| format!("href=\"/cases/{id}\"");

    // A: reported by wangge1, nobody accepted it: 立案 is for the case workers of its community and grid.
    let a = report(&g1, "dispute.neighbour", w.dwelling1, "甲案").await;
    // B: accepted by the social worker, who dispatches it next.
    let b = report(&g1, "dispute.neighbour", w.dwelling1, "乙案").await;
    ok(&shegong, b, "accept", json!({})).await;
    // C: accepted by wangge1 and sent to the social worker, who handles it.
    let c = report(&g1, "dispute.neighbour", w.dwelling1, "丙案").await;
    ok(&g1, c, "accept", json!({})).await;
    let sg = user_id(&app, "shegong").await;
    ok(&g1, c, "dispatch", json!({"to": "user", "to_user_id": sg})).await;
    // D: owned by the social worker, handled by wangge1: the owner verifies.
    let d = report(&g1, "dispute.neighbour", w.dwelling1, "丁案").await;
    ok(&shegong, d, "accept", json!({})).await;
    let g1_id = user_id(&app, "wangge1").await;
    ok(
        &shegong,
        d,
        "dispatch",
        json!({"to": "user", "to_user_id": g1_id}),
    )
    .await;
    ok(&g1, d, "handle", json!({"note": "已处理"})).await;
    // A hazard in grid 1 due in three days, one in grid 2 due in a month.
    let day = |n: i64| (shequ::db::today() + chrono::Duration::days(n)).to_string();
    for (s, loc, title, by) in [
        (&g1, w.building1, "楼道堆物", day(3)),
        (&admin, w.building2, "远期隐患", day(30)),
    ] {
        let (st, h) = s
            .post_json(
                "/api/hazards",
                json!({"kind": "消防", "title": title, "location_id": loc, "rectify_by": by}),
            )
            .await;
        assert_eq!(st, reqwest::StatusCode::OK, "{h}");
    }
    // A visit rule for every household: none has been visited.
    let (st, rule) = admin
        .post_json(
            "/api/visit-rules",
            json!({"name": "每月走访", "every_days": 30}),
        )
        .await;
    assert_eq!(st, reqwest::StatusCode::OK, "{rule}");

    let g1w = workbench(&app, "wangge1").await;
    let cases = part(&g1w, "todo-cases");
    assert!(
        cases.contains(&link(a)) && cases.contains("待立案"),
        "{g1w}"
    );
    assert!(!cases.contains(&link(b)) && !cases.contains(&link(c)) && !cases.contains(&link(d)));
    let reported = part(&g1w, "todo-reported");
    assert!(reported.contains(&link(a)));
    assert!(!reported.contains(&link(b)), "accepted cases leave 我上报");
    assert!(part(&g1w, "todo-hazards").contains("楼道堆物"));
    assert!(!g1w.contains("远期隐患"));
    let visits = part(&g1w, "todo-visits");
    assert!(
        visits.contains("H001") && !visits.contains("H002"),
        "{visits}"
    );

    let sgw = workbench(&app, "shegong").await;
    let cases = part(&sgw, "todo-cases");
    assert!(
        cases.contains(&link(a)),
        "the community's worker may accept"
    );
    let row = |id: i64| {
        let at = cases
            .find(&link(id))
            .unwrap_or_else(|| panic!("{id}: {cases}"));
        cases[at..].split("</li>").next().unwrap().to_string()
    };
    assert!(row(b).contains("待派遣"));
    assert!(row(c).contains("待处置"));
    assert!(row(d).contains("待核查"));
    assert!(part(&sgw, "todo-reported").is_empty());
    assert!(sgw.contains("id=\"todo-cases-count\">4<"));

    let g2w = workbench(&app, "wangge2").await;
    for id in [a, b, c, d] {
        assert!(
            !g2w.contains(&link(id)),
            "another grid's cases never appear"
        );
    }
    assert!(!g2w.contains("楼道堆物"));
    assert!(part(&g2w, "todo-visits").contains("H002"));

    // The street office does not accept; the building leader has no case work.
    let adw = workbench(&app, "admin").await;
    assert!(!adw.contains(&link(a)));
    let lzw = workbench(&app, "louzu").await;
    assert!(lzw.contains("id=\"todo-cases-count\">0<"));

    // 我的案件 holds the case I reported that nobody accepted.
    let (_, mine) = g1.get_json("/api/cases?view=mine").await;
    let mine = crate::cases::ids(&mine);
    assert!(mine.contains(&a) && mine.contains(&c) && !mine.contains(&b));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_patrol_team_names_the_leader_its_members_show() {
    let app = App::start().await;
    let w = &app.world;
    let shuji = app.login("shuji").await;
    let (st, team) = shuji
        .post_json(
            "/api/patrol-teams",
            json!({"name": "一网格联防队", "kind": "治安联防队", "area_id": w.grid1, "leader": "周大海"}),
        )
        .await;
    assert_eq!(st, reqwest::StatusCode::OK, "{team}");
    let id = team["id"].as_i64().unwrap();
    for (name, role) in [("吴桂兰", "队长"), ("刘志强", "队员"), ("王秀英", "队长")]
    {
        let (st, m) = shuji
            .post_json(
                &format!("/api/patrol-teams/{id}/members"),
                json!({"name": name, "role": role}),
            )
            .await;
        assert_eq!(st, reqwest::StatusCode::OK, "{m}");
    }
    let page = shuji
        .get(&format!("/patrols/teams/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("队长 王秀英"),
        "the heading names the member who leads"
    );
    let leaders = page.matches("<td>队长</td>").count();
    assert_eq!(
        leaders, 1,
        "one 队长 in the list; the one before stays a 队员"
    );
    assert!(page.contains("<tr><td>吴桂兰</td><td>队员</td>"));
    let list = shuji.get("/patrols").await.text().await.unwrap();
    assert!(list.contains("队长 王秀英") && !list.contains("队长 周大海"));
}

#[tokio::test(flavor = "multi_thread")]
async fn cut_lists_have_a_pager() {
    let app = App::start().await;
    let w = &app.world;
    let g1 = app.login("wangge1").await;
    let by = (shequ::db::today() + chrono::Duration::days(10)).to_string();
    for i in 0..51 {
        let (st, h) = g1
            .post_json(
                "/api/hazards",
                json!({"kind": "消防", "title": format!("隐患{i:02}"), "location_id": w.building1, "rectify_by": by}),
            )
            .await;
        assert_eq!(st, reqwest::StatusCode::OK, "{h}");
        let r = g1
            .post_form(
                "/visits",
                &[
                    ("household", "H001"),
                    ("kind", "日常走访"),
                    ("note", &format!("第{i}次")),
                ],
            )
            .await;
        assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    }
    let first = g1.get("/hazards").await.text().await.unwrap();
    assert!(first.contains("id=\"hazards-pager\"") && first.contains("page=2"));
    let second = g1.get("/hazards?page=2").await.text().await.unwrap();
    assert_eq!(
        second.matches("<td><a href=\"/hazards/").count(),
        1,
        "the 51st on page 2"
    );
    let visits = g1.get("/visits").await.text().await.unwrap();
    assert!(visits.contains("共 51 条") && visits.contains("page=2"));
    let second = g1.get("/visits?page=2").await.text().await.unwrap();
    assert_eq!(second.matches("<tr><td>").count(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_special_group_lists_its_members_masked_in_scope() {
    let app = App::start().await;
    let w = &app.world;
    let admin = app.login("admin").await;
    let (_, types) = admin.get_json("/api/tag-types").await;
    let veteran = types
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == "veteran")
        .expect("veteran")["id"]
        .as_i64()
        .unwrap();
    for p in [w.zhao, w.qian] {
        let (st, t) = admin
            .post_json(
                &format!("/api/persons/{p}/tags"),
                json!({"tag_type_id": veteran, "fields": {}}),
            )
            .await;
        assert_eq!(st, reqwest::StatusCode::OK, "{t}");
    }
    let tags = admin.get("/tags").await.text().await.unwrap();
    assert!(tags.contains(&format!("href=\"/tags/{veteran}\"")));
    assert!(!tags.contains(">veteran<"), "no internal codes");
    let page = admin
        .get(&format!("/tags/{veteran}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("赵军杰") && page.contains("钱小红"));
    assert!(!page.contains(&w.zhao_id) && !page.contains("13812345678"));
    assert!(page.contains(&shequ::registry::mask::id_number(&w.zhao_id)));
    let g1 = app.login("wangge1").await;
    let mine = g1
        .get(&format!("/tags/{veteran}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        mine.contains("赵军杰") && !mine.contains("钱小红"),
        "in scope only"
    );
}
