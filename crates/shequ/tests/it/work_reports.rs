//! Work reports (issue 14): one year of a community's records entered through the public API, and the
//! annual and quarterly reports generated from them read back from the .docx, the HTML page and the JSON —
//! the sentences and tables state exactly the figures entered. A finalised report does not change when the
//! records do; a bad field is refused with its line; a grid worker's report covers only their grids.

use std::io::Read;

use chrono::Datelike;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::cases::{category, ok};
use crate::hazards::{day, new_hazard, upload, PNG};
use crate::support::{person_json, App, Session};

/// The paragraphs of a .docx (text of each `<w:p>`), and its table rows (cells joined by `|`).
pub(crate) fn docx_text(bytes: &[u8]) -> (Vec<String>, Vec<String>, usize) {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a .docx is a zip");
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    let images = (0..zip.len())
        .filter(|i| {
            let f = zip.by_index(*i).unwrap();
            f.name().starts_with("word/media/") && f.name().ends_with(".png")
        })
        .count();
    let strip = |s: &str| {
        let mut out = String::new();
        let mut tag = false;
        for c in s.chars() {
            match c {
                '<' => tag = true,
                '>' => tag = false,
                c if !tag => out.push(c),
                _ => {}
            }
        }
        out.replace("&amp;", "&")
    };
    let paragraphs = xml
        .split("</w:p>")
        .map(strip)
        .filter(|p| !p.is_empty())
        .collect();
    let rows = xml
        .split("</w:tr>")
        .filter(|r| r.contains("<w:tc>") || r.contains("<w:tc "))
        .map(|r| {
            r.split("</w:tc>")
                .map(strip)
                .filter(|c| !c.is_empty())
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect();
    (paragraphs, rows, images)
}

/// A case through the whole loop: reported and accepted by `a`, handled, verified and closed by `b`.
pub(crate) async fn closed_case(
    a: &Session,
    b: &Session,
    cat: i64,
    location: i64,
    title: &str,
) -> i64 {
    let (st, c) = a
        .post_json(
            "/api/cases",
            json!({"category_id": cat, "source": "来访", "title": title, "location_id": location,
                   "description": "居民反映", "reporter_name": "李阿姨"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{c}");
    let id = c["id"].as_i64().unwrap();
    ok(a, id, "accept", json!({})).await;
    ok(a, id, "dispatch", json!({"to": "community"})).await;
    ok(a, id, "handle", json!({"note": "已处理"})).await;
    ok(b, id, "verify", json!({"note": "已回访"})).await;
    ok(b, id, "close", json!({"note": "办结"})).await;
    id
}

/// One year of a community's work: 280 cases resolved (4 disputes all mediated, 30 petitions none
/// escalated), 12 hazards found and 11 rectified, 19 of 20 households visited.
async fn a_year_of_records(app: &App, shuji: &Session, shegong: &Session) {
    let w = &app.world;
    let dispute = category(shuji, "dispute.neighbour").await;
    let petition = category(shuji, "petition").await;
    let help = category(shuji, "help").await;
    for i in 0..4 {
        let id = closed_case(shuji, shegong, dispute, w.grid1, &format!("邻里纠纷{i}")).await;
        let (st, m) = shuji
            .put_json(
                &format!("/api/cases/{id}/mediation"),
                json!({"mediators": "人民调解员", "agreement": "双方和解", "result": "调解成功"}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{m}");
    }
    for i in 0..30 {
        closed_case(shuji, shegong, petition, w.grid2, &format!("来访反映{i}")).await;
    }
    for i in 0..246 {
        closed_case(shuji, shegong, help, w.grid1, &format!("求助{i}")).await;
    }
    for i in 0..12 {
        let h = new_hazard(shuji, w.building1, &day(0), &day(7)).await;
        if i < 11 {
            let path = format!("/api/hazards/{}/rectify", h["id"]);
            let (st, e) = upload(
                shuji,
                &path,
                &[("note", "已清理")],
                Some(("photo", "image/png", PNG.to_vec())),
            )
            .await;
            assert_eq!(st, StatusCode::OK, "{e}");
        }
    }
    // 18 more households with a resident each: 20 in the community; 19 visited.
    let mut households = vec![w.household1, w.household2];
    for i in 0..18 {
        let (st, h) = shuji
            .post_json(
                "/api/households",
                json!({"dwelling_id": w.dwelling1, "number": format!("H1{i:03}")}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{h}");
        let hid = h["id"].as_i64().unwrap();
        let idn = crate::support::id("1970-01-01", 500 + i);
        let (st, p) = shuji
            .post_json(
                "/api/persons",
                person_json(&format!("居民{}", NAMES[i as usize]), &idn, hid),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{p}");
        households.push(hid);
    }
    for h in households.iter().take(19) {
        let (st, v) = shuji
            .post_json(
                "/api/visits",
                json!({"household_id": h, "visited_on": day(0), "kind": "日常走访", "reason": "", "note": "了解近况"}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{v}");
    }
}

const NAMES: [&str; 18] = [
    "甲", "乙", "丙", "丁", "戊", "己", "庚", "辛", "壬", "癸", "子", "丑", "寅", "卯", "辰", "巳",
    "午", "未",
];

pub(crate) async fn new_report(s: &Session, template: &str, node: i64, period: &str) -> Value {
    let (st, r) = s
        .post_json(
            "/api/reports",
            json!({"template": template, "node": node, "period": period}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{r}");
    r
}

async fn docx_of(s: &Session, id: i64) -> (Vec<String>, Vec<String>, usize) {
    let r = s.get(&format!("/api/reports/{id}/docx")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("wordprocessingml"));
    docx_text(&r.bytes().await.unwrap())
}

fn has(paragraphs: &[String], needle: &str) -> bool {
    paragraphs.iter().any(|p| p.contains(needle))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_annual_and_quarterly_reports_state_the_years_figures() {
    let app = App::start().await;
    let w = &app.world;
    let shuji = app.login("shuji").await;
    let shegong = app.login("shegong").await;
    a_year_of_records(&app, &shuji, &shegong).await;
    let today = shequ::db::today();
    let year = today.year().to_string();
    let quarter = format!("{}-Q{}", today.year(), (today.month() - 1) / 3 + 1);

    for (template, period) in [("annual", year.as_str()), ("quarter", quarter.as_str())] {
        let r = new_report(&shuji, template, w.community_a1, period).await;
        let id = r["id"].as_i64().unwrap();
        assert!(r["number"].as_str().unwrap().starts_with("BG"), "{r}");
        assert_eq!(r["status"], "draft");

        // The JSON document: each figure with its value (last year: none of these records).
        let (st, d) = shuji.get_json(&format!("/api/reports/{id}")).await;
        assert_eq!(st, StatusCode::OK, "{d}");
        let fig = |code: &str| {
            d["document"]["figures"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["code"] == code)
                .unwrap_or_else(|| panic!("{code} in {template}"))["value"]
                .as_f64()
        };
        assert_eq!(fig("cases.disputes"), Some(4.0));
        assert_eq!(fig("cases.mediated_ok"), Some(4.0));
        assert_eq!(fig("cases.mediation_rate"), Some(100.0));
        assert_eq!(fig("cases.petitions"), Some(30.0));
        assert_eq!(fig("cases.escalated"), Some(0.0));
        assert_eq!(fig("cases.closed"), Some(280.0));
        assert_eq!(fig("hazards.found"), Some(12.0));
        assert_eq!(fig("hazards.rectified"), Some(11.0));
        assert_eq!(fig("visits.coverage"), Some(95.0));

        // The .docx: the sentences, the tables and the charts (as images).
        let (paras, rows, images) = docx_of(&shuji, id).await;
        assert!(images >= 1, "{template}: charts are in the .docx");
        let expect_sentences: &[&str] = if template == "annual" {
            &[
                "共受理矛盾纠纷4起,调解成功4起,调解成功率100%",
                "接待信访30件,其中群体上访0件,因超期升级督办0件",
                "办结280件",
                "排查安全隐患12处,整改11处",
                "走访覆盖率95%",
            ]
        } else {
            &[
                "受理矛盾纠纷4起,调解成功4起,调解成功率100%",
                "接待信访30件,升级督办0件",
                "办结280件",
                "排查安全隐患12处,整改11处",
                "走访覆盖率95%",
            ]
        };
        for s in expect_sentences {
            assert!(has(&paras, s), "{template}: .docx says {s:?}: {paras:#?}");
        }
        assert!(
            has(&paras, "幸福社区"),
            "{template}: the report names the community"
        );
        let row = |name: &str| rows.iter().find(|r| r.starts_with(&format!("{name}|")));
        let r = row("调解成功").unwrap_or_else(|| panic!("{template}: {rows:#?}"));
        assert!(r.starts_with("调解成功|4起|0起"), "{r}");
        if template == "quarter" {
            assert!(row("排查安全隐患")
                .unwrap()
                .starts_with("排查安全隐患|12处"));
            assert!(row("走访覆盖率").unwrap().starts_with("走访覆盖率|95%"));
        }

        // The HTML page states the same, with the chart as SVG.
        let page = shuji.get(&format!("/reports/work/{id}")).await;
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        for needle in [
            "4起", "100%", "30件", "280件", "12处", "11处", "95%", "<svg",
        ] {
            assert!(html.contains(needle), "{template}: page has {needle}");
        }
        // The Markdown too.
        let md = shuji
            .get(&format!("/api/reports/{id}/md"))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            md.contains("调解成功4起") && md.contains("| 调解成功 | 4起 |"),
            "{md}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_finalised_report_keeps_its_figures_and_a_bad_field_is_refused_with_its_line() {
    let app = App::start().await;
    let w = &app.world;
    let shuji = app.login("shuji").await;
    let shegong = app.login("shegong").await;
    let dispute = category(&shuji, "dispute.neighbour").await;
    closed_case(&shuji, &shegong, dispute, w.grid1, "邻里纠纷").await;
    let year = shequ::db::today().year().to_string();
    let r = new_report(&shuji, "annual", w.community_a1, &year).await;
    let id = r["id"].as_i64().unwrap();
    let title = r["title"].as_str().unwrap().to_string();
    assert!(
        title.contains("幸福社区") && title.contains("年度工作总结"),
        "{title}"
    );

    // A bad field and a typed figure are refused with their line; the text is unchanged.
    let body = r["body"].as_str().unwrap().to_string();
    let bad = format!("{body}\n本年共调处{{{{cases.dispute}}}}。");
    let (st, e) = shuji
        .put_json(
            &format!("/api/reports/{id}"),
            json!({"title": title, "body": bad}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let line = bad.lines().count();
    assert!(
        e["error"]
            .as_str()
            .unwrap()
            .contains(&format!("第{line}行")),
        "{e}"
    );
    let (st, e) = shuji
        .put_json(
            &format!("/api/reports/{id}"),
            json!({"title": title, "body": "全年调处纠纷12起。"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e["error"].as_str().unwrap().contains("12起"), "{e}");
    let (_, d) = shuji.get_json(&format!("/api/reports/{id}")).await;
    assert_eq!(d["report"]["body"], body.as_str());

    // Staff rewrite a sentence around the figures.
    let edited = body.replace(
        "# 三、存在问题",
        "# 三、存在问题\n今年社区调解队伍人手紧张,调处矛盾纠纷{{cases.disputes}}。",
    );
    let (st, e) = shuji
        .put_json(
            &format!("/api/reports/{id}"),
            json!({"title": title, "body": edited}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{e}");
    let (st, f) = shuji
        .post_json(&format!("/api/reports/{id}/finalise"), json!({}))
        .await;
    assert_eq!(st, StatusCode::OK, "{f}");
    assert_eq!(f["status"], "final");
    assert!(f["computed_at"].is_string());
    let (before, _, _) = docx_of(&shuji, id).await;
    assert!(has(&before, "调处矛盾纠纷1起"), "{before:#?}");

    // The records change: the frozen report does not; a draft (a new version) does.
    closed_case(&shuji, &shegong, dispute, w.grid1, "又一起纠纷").await;
    let (after, _, _) = docx_of(&shuji, id).await;
    assert_eq!(before, after);
    let (st, e) = shuji
        .put_json(
            &format!("/api/reports/{id}"),
            json!({"title": title, "body": edited}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{e}");
    let (st, v2) = shuji
        .post_json(&format!("/api/reports/{id}/versions"), json!({}))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v2}");
    assert_eq!(v2["version"], 2);
    let (now, _, _) = docx_of(&shuji, v2["id"].as_i64().unwrap()).await;
    assert!(has(&now, "调处矛盾纠纷2起"), "{now:#?}");
    // The finalise, the edits and each download are in the audit log.
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE entity = 'work_report' AND entity_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(actions[..3], ["create", "update", "finalise"]);
    assert!(actions.iter().filter(|a| *a == "export").count() >= 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn reports_stay_inside_the_writers_scope() {
    let app = App::start().await;
    let w = &app.world;
    let shuji = app.login("shuji").await;
    let shegong = app.login("shegong").await;
    let g2 = app.login("wangge2").await;
    let louzu = app.login("louzu").await;
    let dispute = category(&shuji, "dispute.neighbour").await;
    closed_case(&shuji, &shegong, dispute, w.grid1, "第一网格的纠纷").await;
    let year = shequ::db::today().year().to_string();

    // A grid worker's report covers their grid: grid 1's dispute is not in it.
    let r = new_report(&g2, "annual", w.grid2, &year).await;
    let (_, d) = g2.get_json(&format!("/api/reports/{}", r["id"])).await;
    let disputes = d["document"]["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "cases.disputes")
        .unwrap()["value"]
        .clone();
    assert_eq!(disputes, 0.0);
    // Another grid, another street: 404, as for what does not exist.
    let (st, _) = g2
        .post_json(
            "/api/reports",
            json!({"template": "annual", "node": w.grid1, "period": year}),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let c = new_report(&shuji, "annual", w.community_a1, &year).await;
    let cid = c["id"].as_i64().unwrap();
    for path in [
        format!("/api/reports/{cid}"),
        format!("/api/reports/{cid}/docx"),
    ] {
        assert_eq!(
            g2.get(&path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let (_, list) = g2.get_json("/api/reports").await;
    assert!(list.as_array().unwrap().iter().all(|r| r["id"] != cid));
    // A building leader reads no community report and may not write one.
    assert_eq!(
        louzu.get(&format!("/reports/work/{cid}")).await.status(),
        StatusCode::NOT_FOUND
    );
    let (st, _) = louzu
        .post_json(
            "/api/reports",
            json!({"template": "annual", "node": w.building1, "period": year}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // Only the street administrator edits templates; a bad field is refused with its line.
    let (st, _) = shuji
        .put_json(
            "/api/report-templates/annual",
            json!({"name": "x", "body": "# 一"}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let admin = app.login("admin").await;
    let (st, e) = admin
        .put_json(
            "/api/report-templates/annual",
            json!({"name": "年度工作总结", "body": "# 一、基本情况\n受理{{cases.nope}}"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e["error"].as_str().unwrap().contains("第2行"), "{e}");
    let (st, t) = admin
        .put_json(
            "/api/report-templates/annual",
            json!({"name": "年度工作总结", "body": "# 一、基本情况\n{{期间}}受理矛盾纠纷{{cases.disputes}}。"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{t}");
    assert_eq!(t["builtin"], false);
    let r = new_report(&shuji, "annual", w.community_a1, &year).await;
    assert!(r["body"]
        .as_str()
        .unwrap()
        .starts_with("# 一、基本情况\n{{期间}}受理矛盾纠纷"));
}

fn labels(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect();
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn drill_down_lists_exactly_the_records_counted_within_scope() {
    let app = App::start().await;
    let w = &app.world;
    let shuji = app.login("shuji").await;
    let g1 = app.login("wangge1").await;
    let g2 = app.login("wangge2").await;
    let dispute = category(&shuji, "dispute.neighbour").await;
    let help = category(&shuji, "help").await;
    let mut numbers = Vec::new();
    for (s, grid) in [
        (&g1, w.grid1),
        (&g1, w.grid1),
        (&g1, w.grid1),
        (&g2, w.grid2),
    ] {
        let (st, c) = s
            .post_json(
                "/api/cases",
                json!({"category_id": dispute, "source": "来访", "title": "邻里纠纷", "location_id": grid, "description": "x"}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{c}");
        numbers.push(c["number"].as_str().unwrap().to_string());
    }
    // Not a dispute: never in the disputes' records.
    shuji
        .post_json(
            "/api/cases",
            json!({"category_id": help, "source": "来访", "title": "求助", "location_id": w.grid1, "description": "x"}),
        )
        .await;
    numbers.sort();
    let (st, all) = shuji
        .get_json("/api/indicators/cases.disputes/records")
        .await;
    assert_eq!(st, StatusCode::OK, "{all}");
    assert_eq!(all["indicator"]["value"], 4.0);
    assert_eq!(labels(&all), numbers);
    assert!(all["items"][0]["link"]
        .as_str()
        .unwrap()
        .starts_with("/cases/"));
    let (_, mine) = g1.get_json("/api/indicators/cases.disputes/records").await;
    assert_eq!(
        labels(&mine),
        numbers[..3].to_vec(),
        "a grid worker's drill-down is their grid"
    );
    let (_, g) = shuji
        .get_json(&format!(
            "/api/indicators/cases.disputes/records?node={}",
            w.grid2
        ))
        .await;
    assert_eq!(labels(&g), vec![numbers[3].clone()]);
    let (st, _) = g2
        .get_json(&format!(
            "/api/indicators/cases.disputes/records?node={}",
            w.grid1
        ))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // A rate names its parts.
    let (st, e) = shuji
        .get_json("/api/indicators/cases.mediation_rate/records")
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        e["error"].as_str().unwrap().contains("cases.mediated_ok"),
        "{e}"
    );

    // People by sex and age band, as of the period's end: 赵军杰 (male, 1980) and 钱小红 (female, 1990).
    let (_, men) = shuji
        .get_json("/api/indicators/registry.male/records")
        .await;
    assert_eq!(labels(&men), vec!["赵军杰".to_string()]);
    let (_, women) = shuji
        .get_json("/api/indicators/registry.female/records")
        .await;
    assert_eq!(labels(&women), vec!["钱小红".to_string()]);
    let (_, adults) = shuji.get_json("/api/indicators/registry.age_18_59").await;
    assert_eq!(adults["value"], 2.0);
    let (_, old) = shuji.get_json("/api/indicators/registry.age_60_plus").await;
    assert_eq!(old["value"], 0.0);
    // In 2000 赵军杰 (born 1980-03-15) was 20 and 钱小红 (1990-07-01) 10.
    let (_, minors) = shuji
        .get_json("/api/indicators/registry.age_under_18?period=2000")
        .await;
    assert!(minors["value"].as_f64().is_some());
    let (_, hh) = shuji
        .get_json("/api/indicators/registry.households/records")
        .await;
    assert_eq!(
        hh["items"].as_array().unwrap().len() as f64,
        hh["indicator"]["value"].as_f64().unwrap()
    );

    // The page lists them with links, pages and an .xlsx of every record.
    let page = shuji
        .get("/reports/indicators/cases.disputes/records")
        .await
        .text()
        .await
        .unwrap();
    for n in &numbers {
        assert!(page.contains(n.as_str()), "{n} on the page");
    }
    let x = shuji
        .get("/reports/indicators/cases.disputes/records.xlsx")
        .await;
    assert_eq!(x.status(), StatusCode::OK);
    let page = g1
        .get("/reports/indicators/cases.mediation_rate/records")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("rate-parts") && page.contains("调解成功"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_person_ledgers_mask_personal_data_and_the_resolved_ledger_lists_closed_cases() {
    let app = App::start().await;
    let w = &app.world;
    let shuji = app.login("shuji").await;
    let shegong = app.login("shegong").await;
    let (st, roster) = shuji.get_json("/api/ledgers/registry.roster").await;
    assert_eq!(st, StatusCode::OK, "{roster}");
    let rows = roster["rows"].as_array().unwrap();
    let zhao = rows
        .iter()
        .find(|r| r[1] == "赵军杰")
        .unwrap_or_else(|| panic!("{roster}"));
    let full = w.zhao_id.as_str();
    assert_ne!(zhao[5], full, "the ID number is masked");
    assert_eq!(zhao[5].as_str().unwrap().len(), full.len());
    assert!(zhao[5].as_str().unwrap().contains('*'));
    assert_eq!(zhao[8], "138****5678");
    assert!(!roster.to_string().contains(full));
    assert!(
        rows.iter().all(|r| r[1] != "孙立"),
        "another street's resident is not in the roster"
    );
    let x = shuji
        .get("/reports/ledgers/registry.roster/export.xlsx")
        .await
        .bytes()
        .await
        .unwrap();
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(x)).unwrap();
    use calamine::Reader;
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let text: String = sheet.rows().flatten().map(|c| c.to_string()).collect();
    assert!(
        text.contains("赵军杰") && !text.contains(full),
        "the export is masked"
    );

    let help = category(&shuji, "help").await;
    let closed = closed_case(&shuji, &shegong, help, w.grid1, "楼道灯不亮").await;
    let (_, c) = shuji.get_json(&format!("/api/cases/{closed}")).await;
    let (st, resolved) = shuji.get_json("/api/ledgers/cases.resolved").await;
    assert_eq!(st, StatusCode::OK, "{resolved}");
    let rows = resolved["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{resolved}");
    assert_eq!(
        rows[0][0],
        c["case"]["number"]
            .as_str()
            .or(c["number"].as_str())
            .unwrap()
    );
    assert_eq!(rows[0][3], "楼道灯不亮");
    assert_eq!(rows[0][8], "是");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_street_administrator_defines_a_ledger_in_the_pages() {
    let app = App::start().await;
    let w = &app.world;
    let admin = app.login("admin").await;
    let shuji = app.login("shuji").await;
    let shegong = app.login("shegong").await;
    let admin_b = app.login("admin_b").await;
    let help = category(&shuji, "help").await;
    let dispute = category(&shuji, "dispute.neighbour").await;
    let (st, c) = shuji
        .post_json(
            "/api/cases",
            json!({"category_id": help, "source": "来访", "title": "老人求助送医", "location_id": w.grid1,
                   "description": "x", "reporter_name": "王大妈", "reporter_phone": "13900001111"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{c}");
    closed_case(&shuji, &shegong, dispute, w.grid1, "邻里纠纷").await;

    // A bad column is refused with a clear message and nothing is saved; a non-administrator may not define.
    let bad = admin
        .post_form(
            "/reports/ledgers/new",
            &[
                ("type", "cases"),
                ("title", "求助台账"),
                ("columns", "number"),
                ("columns", "password"),
            ],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().await.unwrap().contains("password"));
    let refused = shuji
        .post_form(
            "/reports/ledgers/new",
            &[
                ("type", "cases"),
                ("title", "求助台账"),
                ("columns", "number"),
            ],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM custom_ledgers")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(n, 0);

    let ok = admin
        .post_form(
            "/reports/ledgers/new",
            &[
                ("type", "cases"),
                ("title", "求助台账"),
                ("columns", "number"),
                ("columns", "title"),
                ("columns", "reporter_phone"),
                ("filter", "help"),
                ("due", "月报"),
            ],
        )
        .await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    let to = ok.headers()["location"].to_str().unwrap().to_string();
    assert!(to.starts_with("/reports/ledgers/custom."), "{to}");
    let ok = admin.get(&to).await;
    let code = to.trim_start_matches("/reports/ledgers/").to_string();
    let page = ok.text().await.unwrap();
    assert!(page.contains("求助台账") && page.contains("老人求助送医"));
    assert!(
        !page.contains("邻里纠纷"),
        "the filter keeps to its category"
    );
    assert!(
        page.contains("139****1111") && !page.contains("13900001111"),
        "phones are masked"
    );
    // The community sees it for its own scope; it is listed; its .xlsx reads back; another street gets 404.
    let (st, rows) = shuji.get_json(&format!("/api/ledgers/{code}")).await;
    assert_eq!(st, StatusCode::OK, "{rows}");
    assert_eq!(rows["rows"].as_array().unwrap().len(), 1);
    assert_eq!(rows["columns"][2]["header"], "联系电话");
    let list = shuji.get("/reports/ledgers").await.text().await.unwrap();
    assert!(list.contains(&format!("/reports/ledgers/{code}")));
    let x = shuji
        .get(&format!("/reports/ledgers/{code}/export.xlsx"))
        .await;
    assert_eq!(x.status(), StatusCode::OK);
    let bytes = x.bytes().await.unwrap();
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    use calamine::Reader;
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let text: String = sheet.rows().flatten().map(|c| c.to_string()).collect();
    assert!(
        text.contains("求助台账") && text.contains("老人求助送医") && !text.contains("13900001111")
    );
    assert_eq!(
        admin_b
            .get(&format!("/reports/ledgers/{code}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}
