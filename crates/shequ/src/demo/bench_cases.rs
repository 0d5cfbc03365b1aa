//! Case volume for benchmarks (`shequ bench-cases --count N`, hidden; used by `bench/cases.sh`): adds `N`
//! cases with their trail (case_events) and mediation records to an existing demo database, spread over
//! the ~3 years before the demo's reference date, over every leaf category, every building of the district
//! and a grid worker and a community office worker per grid/community (accounts created here, without a
//! usable password). Most cases are closed and rated, ~10% were overdue at some stage, recent ones are
//! often still open and some of those are overdue now. Deterministic (own seeded RNG); ids follow the
//! creation time, as they would in use. Never run by `shequ demo` or the tests. The rows themselves are built
//! by [`super::case_rows`], as for the demo records.

use std::collections::HashMap;
use std::time::Instant;

use chrono::Duration;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::{Connection, Row};

use super::bulk::{advance_sequences, next_id, Table, V};
use super::case_rows::{self, number, Case, CaseRows, Location, Step};
use super::{names, REF};
use crate::db::{Db, Dialect};

/// Days covered, ending the day before the reference date.
const DAYS: i64 = 3 * 365;
/// Cases written per transaction.
const BATCH: usize = 20_000;

const TITLES: &[(&str, &[&str])] = &[
    (
        "dispute.neighbour",
        &["楼上漏水到楼下", "邻居装修噪音扰民", "楼道堆物引发争执"],
    ),
    ("dispute.family", &["老人赡养问题", "兄弟分家纠纷"]),
    ("dispute.property", &["物业费收取争议", "停车位使用纠纷"]),
    ("dispute.labour", &["拖欠农民工工资", "装修工人工钱纠纷"]),
    (
        "sanitation",
        &["垃圾清运不及时", "小区绿地杂草丛生", "楼道小广告"],
    ),
    ("urban", &["占道经营", "路灯损坏", "井盖松动", "违章搭建"]),
    ("help.hardship", &["申请临时救助", "困难家庭孩子入学"]),
    (
        "help.elderly",
        &["独居老人需要送餐", "老人行动不便需上门服务"],
    ),
    ("hazard.fire", &["楼道电动车充电", "消防通道被占"]),
    ("hazard.building", &["外墙瓷砖松动", "阳台护栏锈蚀"]),
    ("hazard.public_security", &["单元门禁损坏", "夜间可疑人员"]),
    ("petition", &["反映拆迁补偿问题", "反映小区加装电梯问题"]),
    ("other", &["咨询政策", "其他事项"]),
];
/// Relative frequency of each entry of TITLES.
const WEIGHTS: [u32; 13] = [14, 5, 8, 2, 18, 14, 6, 7, 6, 3, 4, 3, 10];
const SOURCES: [&str; 5] = ["来访", "电话", "网格巡查", "入户走访", "12345热线"];
const DEPARTMENTS: [&str; 4] = ["城管", "派出所", "物业", "市场监管所"];
const OPEN: [&str; 5] = ["reported", "accepted", "dispatched", "handling", "verified"];

struct Building {
    id: i64,
    street: i64,
    community: i64,
    grid: i64,
    address: String,
}

pub struct Added {
    pub cases: i64,
    pub events: i64,
    pub mediations: i64,
    pub workers: i64,
    pub seconds: f64,
}

/// Adds `count` cases to the demo data in `db` (which must hold a generated district, street or community).
pub async fn add(db: &Db, count: usize, progress: &dyn Fn(&str)) -> anyhow::Result<Added> {
    let started = Instant::now();
    let mut conn = db.pool.acquire().await?;
    if db.dialect == Dialect::Sqlite {
        sqlx::query("PRAGMA cache_size = -262144")
            .execute(&mut *conn)
            .await?;
    }
    let buildings: Vec<Building> = sqlx::query(
        "SELECT b.id, b.street_id, b.community_id, b.grid_id, e.name || b.name FROM nodes b \
         JOIN nodes e ON e.id = b.parent_id WHERE b.kind = 'building' AND b.archived = 0 ORDER BY b.id",
    )
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| Building {
        id: r.get(0),
        street: r.get(1),
        community: r.get(2),
        grid: r.get(3),
        address: r.get(4),
    })
    .collect();
    anyhow::ensure!(
        !buildings.is_empty(),
        "no buildings: generate the demo data first (shequ demo --scale district)"
    );
    let categories = case_rows::categories(&mut conn).await?;

    // Workers: one grid worker per grid and one office worker per community (no usable password).
    let mut rng = StdRng::seed_from_u64(1_000_000);
    let mut next_user = next_id(&mut conn, "users").await?;
    let mut users = Table::new(
        "users",
        &[
            "id",
            "username",
            "display_name",
            "password_hash",
            "role",
            "street_id",
            "community_id",
            "created_at",
        ],
    );
    let mut user_grids = Table::new("user_grids", &["user_id", "grid_id"]);
    let mut grid_worker: HashMap<i64, (i64, String)> = HashMap::new();
    let mut office_worker: HashMap<i64, (i64, String)> = HashMap::new();
    let mut workers = 0;
    for b in &buildings {
        if let std::collections::hash_map::Entry::Vacant(slot) = office_worker.entry(b.community) {
            let name = names::WORKERS[rng.gen_range(0..names::WORKERS.len())].to_string();
            users.push(vec![
                V::I(next_user),
                format!("bench_c{}", b.community).into(),
                name.as_str().into(),
                "!".into(),
                "social_worker".into(),
                V::I(b.street),
                V::I(b.community),
                super::STAMP.into(),
            ]);
            slot.insert((next_user, name));
            next_user += 1;
            workers += 1;
        }
        if let std::collections::hash_map::Entry::Vacant(slot) = grid_worker.entry(b.grid) {
            let name = names::WORKERS[rng.gen_range(0..names::WORKERS.len())].to_string();
            users.push(vec![
                V::I(next_user),
                format!("bench_g{}", b.grid).into(),
                name.as_str().into(),
                "!".into(),
                "grid_worker".into(),
                V::I(b.street),
                V::I(b.community),
                super::STAMP.into(),
            ]);
            user_grids.push(vec![V::I(next_user), V::I(b.grid)]);
            slot.insert((next_user, name));
            next_user += 1;
            workers += 1;
        }
    }
    let mut tx = conn.begin().await?;
    users.flush(&mut tx, db.dialect).await?;
    user_grids.flush(&mut tx, db.dialect).await?;
    tx.commit().await?;

    let mut rows = CaseRows::new(&mut conn).await?;
    let total_weight: u32 = WEIGHTS.iter().sum();
    let first_day = (REF - Duration::days(DAYS))
        .and_hms_opt(0, 0, 0)
        .expect("midnight");
    let now = REF.and_hms_opt(0, 0, 0).expect("midnight");
    let mut made = 0usize;
    let mut buffered = 0usize;
    for day in 0..DAYS {
        // An even share per day, in creation order; office hours in China (UTC 00:00–10:00) mostly.
        let n = (count * (day as usize + 1)) / DAYS as usize - made;
        let mut times: Vec<i64> = (0..n)
            .map(|_| {
                if rng.gen_bool(0.85) {
                    rng.gen_range(0..36_000)
                } else {
                    rng.gen_range(0..86_400)
                }
            })
            .collect();
        times.sort_unstable();
        for secs in times {
            let created = first_day + Duration::days(day) + Duration::seconds(secs);
            let b = &buildings[rng.gen_range(0..buildings.len())];
            let mut pick = rng.gen_range(0..total_weight);
            let mut k = 0;
            while pick >= WEIGHTS[k] {
                pick -= WEIGHTS[k];
                k += 1;
            }
            let (code, titles) = TITLES[k];
            let Some(&(category, hours)) = categories.get(code) else {
                continue;
            };
            let title = titles[rng.gen_range(0..titles.len())];
            let source = SOURCES[rng.gen_range(0..SOURCES.len())];
            let (gw, gw_name) = grid_worker[&b.grid].clone();
            let (ow, ow_name) = office_worker[&b.community].clone();
            let (owner, owner_name) = if rng.gen_bool(0.75) {
                (gw, gw_name.clone())
            } else {
                (ow, ow_name.clone())
            };
            let due = created + Duration::hours(hours);
            let age_days = (now - created).num_days();
            let p_open = match age_days {
                0..=2 => 0.6,
                3..=13 => 0.25,
                14..=59 => 0.05,
                _ => 0.002,
            };
            let open = rng.gen_bool(p_open);
            let rejected = !open && rng.gen_bool(0.03);
            let late = rng.gen_bool(0.1);
            let accepted = created + Duration::minutes(rng.gen_range(10..(hours * 10).max(11)));
            let dispatched = accepted + Duration::minutes(rng.gen_range(5..120));
            let handling = dispatched + Duration::minutes(rng.gen_range(30..600));
            let frac: f64 = if late {
                rng.gen_range(1.05..2.5)
            } else {
                rng.gen_range(0.2..0.95)
            };
            let closed = (created + Duration::minutes((hours as f64 * 60.0 * frac) as i64))
                .max(handling + Duration::hours(1));
            let verified = closed - Duration::minutes(30);
            let rated = closed + Duration::hours(rng.gen_range(2..72));
            // Where an open case stands now.
            let open_state = OPEN[rng.gen_range(0..OPEN.len())];
            let state = if rejected {
                "rejected"
            } else if open {
                open_state
            } else if rated < now && rng.gen_bool(0.85) {
                "rated"
            } else {
                "closed"
            };
            let rating = (state == "rated").then(|| match rng.gen_range(0..40) {
                0 => "不满意",
                1..=6 => "基本满意",
                _ => "满意",
            });
            let dept = rng.gen_range(0..10);
            let (assignee_kind, assignee_user, assignee_name) = if dept < 6 {
                ("user", Some(gw), gw_name.clone())
            } else if dept < 8 {
                ("community", None, "社区居委会".to_string())
            } else {
                (
                    "department",
                    None,
                    DEPARTMENTS[rng.gen_range(0..DEPARTMENTS.len())].to_string(),
                )
            };
            let reached = |s: &str| -> bool {
                let order = ["reported", "accepted", "dispatched", "handling", "verified"];
                let want = order.iter().position(|o| *o == s).unwrap_or(0);
                match state {
                    "rejected" => want == 0,
                    "closed" | "rated" => true,
                    st => order.iter().position(|o| *o == st).unwrap_or(0) >= want,
                }
            };
            let stage_started = if rejected {
                accepted
            } else if !open {
                closed
            } else {
                match state {
                    "reported" => created,
                    "accepted" => accepted,
                    "dispatched" => dispatched,
                    "handling" => handling,
                    _ => verified,
                }
            };
            let overdue_now = open && now > due;
            let was_overdue = (late && !rejected) || overdue_now;
            let deadline_status = if overdue_now {
                "overdue"
            } else if open && now + Duration::hours(hours / 4) > due {
                "due_soon"
            } else {
                "ok"
            };
            let id = rows.case_id();
            let phone = format!("13{:09}", rng.gen_range(0..1_000_000_000u64));
            let dispatched_now = !rejected && (!open || reached("dispatched"));
            let place = Location {
                node: b.id,
                dwelling: None,
                street: b.street,
                community: b.community,
                grid: b.grid,
                building: b.id,
                address: &b.address,
            };
            let case = Case {
                id,
                number: number(created, id, 7),
                category,
                source,
                title,
                place: &place,
                reporter_phone: Some(phone),
                state,
                owner: Some(owner),
                assignee_kind: dispatched_now.then_some(assignee_kind),
                assignee_user: assignee_user.filter(|_| dispatched_now),
                assignee_name: dispatched_now.then(|| assignee_name.clone()),
                handler: assignee_user.filter(|_| !rejected && (!open || reached("handling"))),
                stage_started,
                stage_due: open.then_some(due),
                due,
                deadline_status,
                was_overdue,
                rating,
                created,
                accepted: (!rejected && (!open || reached("accepted"))).then_some(accepted),
                closed: (!open && !rejected).then_some(closed),
                rated: (state == "rated").then_some(rated),
                updated: match state {
                    "rated" => rated,
                    _ => stage_started,
                },
            };
            rows.case(&case);
            let mut steps: Vec<Step> = vec![("create", None, "reported", created, None)];
            if rejected {
                steps.push(("reject", Some("reported"), "rejected", accepted, None));
            } else {
                let all = [
                    (
                        "accept",
                        Some("reported"),
                        "accepted",
                        accepted,
                        None::<(i64, String)>,
                    ),
                    (
                        "dispatch",
                        Some("accepted"),
                        "dispatched",
                        dispatched,
                        Some((assignee_user.unwrap_or(0), assignee_name.clone())),
                    ),
                    ("handle", Some("dispatched"), "handling", handling, None),
                    ("verify", Some("handling"), "verified", verified, None),
                ];
                for s in all {
                    if !open || reached(s.2) {
                        steps.push(s);
                    }
                }
                if !open {
                    steps.push(("close", Some("verified"), "closed", closed, None));
                    if state == "rated" {
                        steps.push(("rate", Some("closed"), "rated", rated, None));
                    }
                }
                if was_overdue {
                    let at = due.min(now);
                    let pos = steps.iter().position(|s| s.3 > at).unwrap_or(steps.len());
                    steps.insert(pos, ("overdue", None, "", at, None));
                }
            }
            rows.trail(&case, (Some(owner), &owner_name), steps);
            if code.starts_with("dispute") && !open && !rejected {
                let success = rng.gen_bool(0.88);
                rows.mediation(&case, &gw_name, success, accepted, closed);
            }
            buffered += 1;
        }
        made += n;
        if buffered >= BATCH || day == DAYS - 1 {
            let mut tx = conn.begin().await?;
            rows.flush(&mut tx, db.dialect).await?;
            tx.commit().await?;
            buffered = 0;
            progress(&format!(
                "cases {}/{count} ({:.0}s)",
                rows.cases.written,
                started.elapsed().as_secs_f64()
            ));
        }
    }
    advance_sequences(
        db,
        &mut conn,
        &["users", "cases", "case_events", "mediations"],
    )
    .await?;
    progress("analyze");
    super::settle(
        db,
        &mut conn,
        &["users", "user_grids", "cases", "case_events", "mediations"],
    )
    .await?;
    Ok(Added {
        cases: rows.cases.written,
        events: rows.events.written,
        mediations: rows.mediations.written,
        workers,
        seconds: started.elapsed().as_secs_f64(),
    })
}
