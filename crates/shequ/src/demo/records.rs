//! Demo records around the cases loop, per grid: home visits over the year before the reference date (about
//! 7 households in 10 visited, some twice, a few 四必访), cases of every category with their trail (most
//! closed and rated, a few still open; disputes with a mediation record) and hazards (most rectified). They
//! are written with the same bulk inserts as the registry and use their own seeded RNG, so adding them
//! leaves the registry data of every scale unchanged. The case rows are built by [`super::case_rows`], as for
//! the benchmark case volume.

use std::collections::HashMap;

use chrono::Duration;
use rand::rngs::StdRng;
use rand::Rng;
use sqlx::AnyConnection;

use super::bulk::{next_id, Table, V};
use super::case_rows::{self, number, ts, Case, CaseRows, Location, Step};
use super::tree::Place;
use super::REF;
use crate::db::Dialect;

/// The next id of the visits and hazards (the case tables' are kept by [`CaseRows`]).
struct Ids {
    visit: i64,
    hazard: i64,
}

pub struct Records {
    rng: StdRng,
    ids: Ids,
    /// category code → (id, total hours)
    categories: HashMap<String, (i64, i64)>,
    /// cases, their trail and mediations
    cases: CaseRows,
    visits: Table,
    hazards: Table,
}

pub const TABLES: [&str; 5] = ["cases", "case_events", "mediations", "visits", "hazards"];

/// (category code, titles)
const CASES: &[(&str, &[&str])] = &[
    (
        "dispute.neighbour",
        &["楼上漏水到楼下", "邻居装修噪音扰民", "楼道堆物引发争执"],
    ),
    ("dispute.family", &["老人赡养问题", "兄弟分家纠纷"]),
    ("dispute.property", &["物业费收取争议", "停车位使用纠纷"]),
    (
        "sanitation",
        &["垃圾清运不及时", "小区绿地杂草丛生", "楼道小广告"],
    ),
    ("urban", &["占道经营", "路灯损坏", "井盖松动"]),
    ("help.hardship", &["申请临时救助", "困难家庭孩子入学"]),
    (
        "help.elderly",
        &["独居老人需要送餐", "老人行动不便需上门服务"],
    ),
    ("hazard.fire", &["楼道电动车充电", "消防通道被占"]),
    ("petition", &["反映拆迁补偿问题"]),
];

const HAZARDS: &[(&str, &str)] = &[
    ("消防", "楼道堆放杂物堵塞通道"),
    ("用电", "飞线充电"),
    ("燃气", "燃气管道老化"),
    ("房屋安全", "外墙瓷砖松动"),
    ("交通", "小区出入口视线遮挡"),
];

const REASONS: [&str; 4] = ["病", "困", "矛盾", "婚丧"];

impl Records {
    pub async fn new(conn: &mut AnyConnection) -> anyhow::Result<Records> {
        let categories = case_rows::categories(conn).await?;
        Ok(Records {
            rng: rand::SeedableRng::seed_from_u64(4),
            ids: Ids {
                visit: next_id(conn, "visits").await?,
                hazard: next_id(conn, "hazards").await?,
            },
            categories,
            cases: CaseRows::new(conn).await?,
            visits: Table::new(
                "visits",
                &[
                    "id",
                    "household_id",
                    "visited_on",
                    "worker_name",
                    "kind",
                    "reason",
                    "note",
                    "street_id",
                    "community_id",
                    "grid_id",
                    "building_id",
                    "created_at",
                ],
            ),
            hazards: Table::new(
                "hazards",
                &[
                    "id",
                    "number",
                    "kind",
                    "title",
                    "location_node_id",
                    "street_id",
                    "community_id",
                    "grid_id",
                    "building_id",
                    "address",
                    "state",
                    "found_on",
                    "found_by_name",
                    "reported_at",
                    "reported_to",
                    "rectify_by",
                    "rectified_at",
                    "rectified_on",
                    "rectify_note",
                    "created_at",
                    "updated_at",
                ],
            ),
        })
    }

    /// The records of one grid: `places[i]` is home to household `first_household + i`; `worker` is the
    /// grid's (invented) worker.
    pub fn grid(&mut self, places: &[Place], first_household: i64, worker: &str) {
        let year_start = REF - Duration::days(364);
        for (i, p) in places.iter().enumerate() {
            let roll: f64 = self.rng.gen();
            let n = if roll < 0.6 {
                1
            } else if roll < 0.72 {
                2
            } else {
                0
            };
            for _ in 0..n {
                let on = year_start + Duration::days(self.rng.gen_range(0..365));
                let special = self.rng.gen_bool(0.12);
                let reason = special.then(|| REASONS[self.rng.gen_range(0..REASONS.len())]);
                let id = self.ids.visit;
                self.ids.visit += 1;
                self.visits.push(vec![
                    V::I(id),
                    V::I(first_household + i as i64),
                    on.to_string().into(),
                    worker.into(),
                    if special { "四必访" } else { "日常走访" }.into(),
                    reason.map(String::from).into(),
                    if special {
                        "上门看望,了解困难"
                    } else {
                        "入户了解家庭情况"
                    }
                    .into(),
                    V::I(p.street_id),
                    V::I(p.community_id),
                    V::I(p.grid_id),
                    V::I(p.building_id),
                    ts(on.and_hms_opt(10, 0, 0).expect("time")).into(),
                ]);
            }
        }
        if places.is_empty() {
            return;
        }
        let n_cases = self.rng.gen_range(5..=11);
        for _ in 0..n_cases {
            let p = &places[self.rng.gen_range(0..places.len())];
            self.case(p, worker);
        }
        for _ in 0..self.rng.gen_range(1..=4) {
            let p = &places[self.rng.gen_range(0..places.len())];
            self.hazard(p, worker);
        }
    }

    fn case(&mut self, p: &Place, worker: &str) {
        let (code, titles) = CASES[self.rng.gen_range(0..CASES.len())];
        let Some(&(category, hours)) = self.categories.get(code) else {
            return;
        };
        let title = titles[self.rng.gen_range(0..titles.len())];
        let id = self.cases.case_id();
        // Reported in the first half of 2026 (UTC office hours).
        let created = (REF - Duration::days(self.rng.gen_range(1..180)))
            .and_hms_opt(self.rng.gen_range(0..9), self.rng.gen_range(0..60), 0)
            .expect("time");
        let due = created + Duration::hours(hours);
        let open = self.rng.gen_bool(0.12);
        let late = self.rng.gen_bool(0.1);
        let took = Duration::hours(if late { hours + 24 } else { hours / 2 });
        let closed = created + took;
        let rating = if open {
            None
        } else {
            Some(match self.rng.gen_range(0..20) {
                0 => "不满意",
                1..=4 => "基本满意",
                _ => "满意",
            })
        };
        let source = ["来访", "电话", "网格巡查", "入户走访"][self.rng.gen_range(0..4)];
        let state = if open { "handling" } else { "rated" };
        let accepted = created + Duration::hours(1);
        let dispatched = created + Duration::hours(2);
        let place = Location {
            node: p.dwelling_id,
            dwelling: Some(p.dwelling_id),
            street: p.street_id,
            community: p.community_id,
            grid: p.grid_id,
            building: p.building_id,
            address: &p.address,
        };
        let case = Case {
            id,
            number: number(created, id, 6),
            category,
            source,
            title,
            place: &place,
            reporter_phone: None,
            state,
            owner: None,
            assignee_kind: Some("community"),
            assignee_user: None,
            assignee_name: Some("社区居委会".into()),
            handler: None,
            stage_started: dispatched,
            stage_due: open.then_some(due),
            due,
            deadline_status: if open { "overdue" } else { "ok" },
            was_overdue: late || open,
            rating,
            created,
            accepted: Some(accepted),
            closed: (!open).then_some(closed),
            rated: (!open).then(|| closed + Duration::hours(20)),
            updated: if open { dispatched } else { closed },
        };
        self.cases.case(&case);
        let mut steps: Vec<Step> = vec![
            ("create", None, "reported", created, None),
            ("accept", Some("reported"), "accepted", accepted, None),
            ("dispatch", Some("accepted"), "dispatched", dispatched, None),
            (
                "handle",
                Some("dispatched"),
                "handling",
                dispatched + Duration::hours(3),
                None,
            ),
        ];
        if !open {
            steps.extend([
                (
                    "verify",
                    Some("handling"),
                    "verified",
                    closed - Duration::hours(1),
                    None,
                ),
                ("close", Some("verified"), "closed", closed, None),
                (
                    "rate",
                    Some("closed"),
                    "rated",
                    closed + Duration::hours(20),
                    None,
                ),
            ]);
        }
        self.cases.trail(&case, (None, worker), steps);
        if code.starts_with("dispute") && !open {
            let success = self.rng.gen_bool(0.9);
            self.cases
                .mediation(&case, worker, success, accepted, closed);
        }
    }

    fn hazard(&mut self, p: &Place, worker: &str) {
        let (kind, title) = HAZARDS[self.rng.gen_range(0..HAZARDS.len())];
        let id = self.ids.hazard;
        self.ids.hazard += 1;
        let found = REF - Duration::days(self.rng.gen_range(1..200));
        let by = found + Duration::days(self.rng.gen_range(3..15));
        let rectified = self.rng.gen_bool(0.85);
        let on = found + Duration::days(self.rng.gen_range(1..10));
        let at = |d: chrono::NaiveDate| ts(d.and_hms_opt(2, 0, 0).expect("time"));
        self.hazards.push(vec![
            V::I(id),
            format!("YH{}{:06}", found.format("%Y%m%d"), id).into(),
            kind.into(),
            title.into(),
            V::I(p.building_id),
            V::I(p.street_id),
            V::I(p.community_id),
            V::I(p.grid_id),
            V::I(p.building_id),
            p.address.as_str().into(),
            if rectified { "rectified" } else { "reported" }.into(),
            found.to_string().into(),
            worker.into(),
            at(found).into(),
            "物业".into(),
            by.to_string().into(),
            if rectified { V::S(at(on)) } else { V::NullS },
            if rectified {
                V::S(on.to_string())
            } else {
                V::NullS
            },
            if rectified {
                V::S("已整改到位".into())
            } else {
                V::NullS
            },
            at(found).into(),
            at(if rectified { on } else { found }).into(),
        ]);
    }

    /// Writes everything buffered (after the registry rows of the same transaction).
    pub async fn flush(
        &mut self,
        conn: &mut AnyConnection,
        dialect: Dialect,
    ) -> anyhow::Result<()> {
        self.cases.flush(conn, dialect).await?;
        self.visits.flush(conn, dialect).await?;
        self.hazards.flush(conn, dialect).await?;
        Ok(())
    }

    /// (cases, visits, hazards) written.
    pub fn written(&self) -> (i64, i64, i64) {
        (
            self.cases.cases.written,
            self.visits.written,
            self.hazards.written,
        )
    }
}
