//! The case dashboard equals the figures computed one case at a time from the records, on a known data set
//! whose report, close and rating times fall before, inside (both halves) and after the periods asked for,
//! for a street, a community and a grid worker (who sees their grid only).

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde_json::Value;

use crate::cases::{category, report, user_id};
use crate::support::{App, Session};

/// One case's fields the figures read.
struct Rec {
    category: i64,
    grid: i64,
    owner: Option<i64>,
    created: String,
    closed: Option<String>,
    rated: Option<String>,
    due: String,
    was_overdue: i64,
    state: String,
    rating: Option<String>,
}

const OPEN: [&str; 5] = ["reported", "accepted", "dispatched", "handling", "verified"];

fn ts(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// [received, closed, closed_on_time, overdue, open, rated, satisfied] per key, and the total, computed case
/// by case.
fn expected(
    recs: &[Rec],
    from: NaiveDate,
    to: NaiveDate,
    key: impl Fn(&Rec) -> i64,
) -> (BTreeMap<i64, [i64; 7]>, [i64; 7]) {
    let start = ts(from.and_hms_opt(0, 0, 0).unwrap() - Duration::hours(8));
    let end = ts(to.and_hms_opt(0, 0, 0).unwrap() + Duration::hours(16));
    let inside = |t: &Option<String>| t.as_ref().is_some_and(|t| *t >= start && *t < end);
    let mut by = BTreeMap::new();
    let mut total = [0; 7];
    for r in recs {
        let (cr, cl, ra) = (
            inside(&Some(r.created.clone())),
            inside(&r.closed),
            inside(&r.rated),
        );
        if !(cr || cl || ra) {
            continue;
        }
        let f = [
            cr as i64,
            cl as i64,
            (cl && r.closed.as_ref().unwrap() <= &r.due) as i64,
            (cr && r.was_overdue == 1) as i64,
            (cr && OPEN.contains(&r.state.as_str())) as i64,
            ra as i64,
            (ra && matches!(r.rating.as_deref(), Some("满意") | Some("基本满意"))) as i64,
        ];
        let e = by.entry(key(r)).or_insert([0; 7]);
        for i in 0..7 {
            e[i] += f[i];
            total[i] += f[i];
        }
    }
    (by, total)
}

fn figures(row: &Value) -> [i64; 7] {
    [
        "received",
        "closed",
        "closed_on_time",
        "overdue",
        "open",
        "rated",
        "satisfied",
    ]
    .map(|k| row[k].as_i64().unwrap())
}

fn rows(d: &Value, part: &str) -> BTreeMap<i64, [i64; 7]> {
    d[part]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_i64().unwrap(), figures(r)))
        .collect()
}

async fn check(s: &Session, recs: &[Rec], from: NaiveDate, to: NaiveDate) {
    let (st, d) = s
        .get_json(&format!("/api/cases/dashboard?from={from}&to={to}"))
        .await;
    assert_eq!(st, reqwest::StatusCode::OK, "{d}");
    let (by_category, total) = expected(recs, from, to, |r| r.category);
    assert_eq!(figures(&d["total"]), total, "{from}…{to}");
    assert_eq!(rows(&d, "by_category"), by_category, "{from}…{to}");
    assert_eq!(rows(&d, "by_grid"), expected(recs, from, to, |r| r.grid).0);
    assert_eq!(
        rows(&d, "by_worker"),
        expected(recs, from, to, |r| r.owner.unwrap_or(0)).0
    );
    // The page shows the same total.
    let html = s
        .get(&format!("/cases/dashboard?from={from}&to={to}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&format!("<div class=\"n\">{}</div>", total[0])),
        "received on the page"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dashboard_equals_the_figures_computed_case_by_case() {
    let app = App::start().await;
    let w = &app.world;
    let admin = app.login("admin").await;
    let cats = [
        category(&admin, "sanitation").await,
        category(&admin, "dispute.neighbour").await,
    ];
    let owners = [
        Some(user_id(&app, "wangge1").await),
        Some(user_id(&app, "shuji").await),
        None,
    ];
    let grids = [(w.grid1, w.building1), (w.grid2, w.building2)];
    let base = NaiveDate::from_ymd_opt(2024, 12, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let states = ["closed", "rated", "handling", "reported", "accepted"];
    let ratings = ["满意", "不满意", "基本满意"];
    let mut recs = Vec::new();
    for i in 0..90i64 {
        let (grid, building) = grids[(i % 2) as usize];
        let id = report(&admin, "sanitation", building, &format!("看板{i}")).await;
        // Report times every 5 days and 7 hours from 2024-12-01 (China midnight ± 8 h included), closing
        // 0–40 days later, rating after that; some never closed or rated.
        let created = base + Duration::hours(i * (5 * 24 + 7)) - Duration::hours(8);
        let closed = (i % 4 != 3).then(|| created + Duration::hours((i * 37) % (40 * 24)));
        let rated = closed
            .filter(|_| i % 3 != 0)
            .map(|c| c + Duration::hours(30 + i));
        let state = if closed.is_none() {
            states[2 + (i % 3) as usize]
        } else if rated.is_some() {
            "rated"
        } else {
            "closed"
        };
        let r = Rec {
            category: cats[(i % 2 == 0 && i % 3 == 0) as usize],
            grid,
            owner: owners[(i % 3) as usize],
            created: ts(created),
            closed: closed.map(ts),
            rated: rated.map(ts),
            due: ts(created + Duration::hours(24 * (3 + i % 20))),
            was_overdue: (i % 5 == 1) as i64,
            state: state.into(),
            rating: rated.map(|_| ratings[(i % 3) as usize].to_string()),
        };
        sqlx::query(
            "UPDATE cases SET category_id = $1, owner_id = $2, created_at = $3, closed_at = $4, rated_at = $5, \
             due_at = $6, was_overdue = $7, state = $8, rating = $9 WHERE id = $10",
        )
        .bind(r.category)
        .bind(r.owner)
        .bind(&r.created)
        .bind(&r.closed)
        .bind(&r.rated)
        .bind(&r.due)
        .bind(r.was_overdue)
        .bind(&r.state)
        .bind(&r.rating)
        .bind(id)
        .execute(&app.db.pool)
        .await
        .unwrap();
        recs.push(r);
    }
    let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let periods = [
        (d(2025, 1, 1), d(2025, 12, 31)),
        (d(2024, 12, 1), d(2026, 6, 30)),
        (d(2025, 3, 1), d(2025, 3, 31)),
        (d(2025, 2, 4), d(2025, 2, 4)),
        (d(2025, 6, 15), d(2025, 8, 2)),
    ];
    for (from, to) in periods {
        check(&admin, &recs, from, to).await;
    }
    // A grid worker's dashboard counts their own grid only.
    let g2 = app.login("wangge2").await;
    let mine: Vec<Rec> = recs.into_iter().filter(|r| r.grid == w.grid2).collect();
    for (from, to) in periods {
        check(&g2, &mine, from, to).await;
    }
}
