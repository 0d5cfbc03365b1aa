//! Figures from the case records for a scope and a period: the dispute line of a work report
//! ("共受理各类纠纷3起,调解成功3起,未发生居民群体上访事件") and the case dashboard — received, closed, closed on
//! time, overdue and satisfaction by category, grid and worker.
//!
//! A period is a pair of calendar dates in China Standard Time, both included; timestamps are stored in UTC.

use chrono::{Duration, NaiveDate};
use serde::Serialize;
use sqlx::Row;

use super::fmt_ts;
use crate::accounts::Actor;
use crate::db::Db;
use crate::error::{Error, Result};

/// The UTC bounds [from, to) of a period of China dates.
pub fn bounds(from: NaiveDate, to: NaiveDate) -> Result<(String, String)> {
    if to < from {
        return Err(Error::invalid("结束日期", "结束日期不能早于开始日期"));
    }
    let start = from.and_hms_opt(0, 0, 0).expect("midnight") - Duration::hours(8);
    let end = to.and_hms_opt(0, 0, 0).expect("midnight") + Duration::hours(16);
    Ok((fmt_ts(start), fmt_ts(end)))
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct DisputeFigure {
    pub from: String,
    pub to: String,
    /// Dispute cases accepted (立案) that were reported in the period.
    pub disputes: i64,
    /// Of those, mediated with the result 调解成功.
    pub mediated: i64,
    /// Group petitions (群体上访) reported in the period.
    pub group_petitions: i64,
    /// "共受理各类纠纷3起,调解成功3起,未发生居民群体上访事件"
    pub text: String,
}

/// 共受理各类纠纷N起,调解成功M起 for the actor's scope and a period.
pub async fn disputes(
    db: &Db,
    actor: &Actor,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<DisputeFigure> {
    let (start, end) = bounds(from, to)?;
    let scope = actor.scope.sql("c");
    // One pass over the cases reported in the period (for a street: one range of cases_street_figures).
    let row = sqlx::query(&format!(
        "SELECT CAST(COALESCE(SUM(CASE WHEN k.dispute = 1 AND c.accepted_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN k.dispute = 1 AND c.accepted_at IS NOT NULL AND EXISTS \
            (SELECT 1 FROM mediations m WHERE m.case_id = c.id AND m.result = '调解成功') THEN 1 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN c.group_petition = 1 AND c.state <> 'rejected' THEN 1 ELSE 0 END), 0) AS BIGINT) \
         FROM cases c JOIN case_categories k ON k.id = c.category_id \
         WHERE c.created_at >= $1 AND c.created_at < $2 AND {scope}"
    ))
    .bind(&start)
    .bind(&end)
    .fetch_one(&db.pool)
    .await?;
    let (disputes, mediated, group_petitions): (i64, i64, i64) =
        (row.get(0), row.get(1), row.get(2));
    let petitions = if group_petitions == 0 {
        "未发生居民群体上访事件".to_string()
    } else {
        format!("发生居民群体上访事件{group_petitions}起")
    };
    Ok(DisputeFigure {
        from: from.to_string(),
        to: to.to_string(),
        disputes,
        mediated,
        group_petitions,
        text: format!("共受理各类纠纷{disputes}起,调解成功{mediated}起,{petitions}"),
    })
}

#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct DashboardRow {
    /// Category, grid or user id (0 for the total, or for cases without an owner).
    pub id: i64,
    pub name: String,
    /// Reported in the period.
    pub received: i64,
    /// Closed in the period (结案).
    pub closed: i64,
    /// Closed in the period within the overall time limit.
    pub closed_on_time: i64,
    /// Reported in the period and overdue at some stage.
    pub overdue: i64,
    /// Still open among those reported in the period.
    pub open: i64,
    /// Rated in the period.
    pub rated: i64,
    /// Rated 满意 or 基本满意 in the period.
    pub satisfied: i64,
    /// satisfied ÷ rated, in percent (0 when nothing was rated).
    pub satisfaction: f64,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    pub from: String,
    pub to: String,
    pub total: DashboardRow,
    pub by_category: Vec<DashboardRow>,
    pub by_grid: Vec<DashboardRow>,
    pub by_worker: Vec<DashboardRow>,
}

/// The figures of one group of cases; summed per category, grid and worker.
#[derive(Clone, Copy, Default)]
struct Counts([i64; 7]);

impl Counts {
    fn add(&mut self, o: &Counts) {
        for (a, b) in self.0.iter_mut().zip(o.0) {
            *a += b;
        }
    }

    fn row(&self, id: i64, name: String) -> DashboardRow {
        let [received, closed, closed_on_time, overdue, open, rated, satisfied] = self.0;
        DashboardRow {
            id,
            name,
            received,
            closed,
            closed_on_time,
            overdue,
            open,
            rated,
            satisfied,
            satisfaction: percent(satisfied, rated),
        }
    }
}

/// (id, name) rows of `sql` with `{ids}` replaced by these ids (our own integers, written as literals like
/// the scope).
async fn names(db: &Db, sql: &str, ids: &[i64]) -> Result<std::collections::HashMap<i64, String>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let list = ids
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",");
    Ok(sqlx::query(&sql.replace("{ids}", &list))
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| (r.get::<i64, _>(0), r.get::<String, _>(1)))
        .collect())
}

/// The figures of one part of a period's cases, per (category, grid, owner).
type Groups = Vec<(i64, i64, Option<i64>, Counts)>;

/// Sums one part of the cases (`cond`, binding the period as $1, $2) per (category, grid, owner). `cr`,
/// `cl` and `ra` say whether a row was reported, closed or rated in the period, as far as that is not known
/// from the part itself (fewer comparisons per row than testing all three in every sum).
async fn part(
    db: &Db,
    start: &str,
    end: &str,
    cond: String,
    (cr, cl, ra): (&str, &str, &str),
) -> Result<Groups> {
    let cols =
        "c.category_id, c.grid_id, c.owner_id, c.closed_at <= c.due_at AS on_time, c.was_overdue, \
                c.state, c.rating";
    let sql = format!(
        "SELECT c.category_id, c.grid_id, c.owner_id, \
         CAST(COALESCE(SUM(c.cr), 0) AS BIGINT), \
         CAST(COALESCE(SUM(c.cl), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN c.cl = 1 AND c.on_time THEN 1 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN c.cr = 1 AND c.was_overdue = 1 THEN 1 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN c.cr = 1 AND c.state IN ('reported','accepted','dispatched','handling','verified') THEN 1 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(c.ra), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN c.ra = 1 AND c.rating IN ('满意','基本满意') THEN 1 ELSE 0 END), 0) AS BIGINT) \
         FROM (SELECT {cols}, {cr} AS cr, {cl} AS cl, {ra} AS ra FROM cases c WHERE {cond}) c \
         GROUP BY c.category_id, c.grid_id, c.owner_id"
    );
    Ok(sqlx::query(&sql)
        .bind(start)
        .bind(end)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| {
            let mut c = Counts::default();
            for (i, v) in c.0.iter_mut().enumerate() {
                *v = r.get(i + 3);
            }
            (r.get(0), r.get(1), r.get(2), c)
        })
        .collect())
}

/// The case dashboard of the actor's scope for a period.
///
/// The cases reported, closed or rated in the period are read as disjoint parts, each one index range: those
/// reported in the period (in two halves of it), those reported outside it and closed in it, and those
/// reported and closed outside it and rated in it. Each part is summed per (category, grid, owner) by its
/// own query, the four on connections of their own at the same time (the bulk of the time is SQLite's or
/// PostgreSQL's sorter over the tens of thousands of rows reported in a year; two halves use both cores);
/// the sums are added up into the three breakdowns here and the names read by id.
pub async fn dashboard(
    db: &Db,
    actor: &Actor,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Dashboard> {
    let (start, end) = bounds(from, to)?;
    // The middle of the period, on a China midnight like its bounds.
    let mid = from + Duration::days((to - from).num_days().div_euclid(2) + 1);
    let (_, middle) = bounds(from, mid - Duration::days(1))?;
    let scope = actor.scope.sql("c");
    let created = "c.created_at >= $1 AND c.created_at < $2";
    let closed = "c.closed_at >= $1 AND c.closed_at < $2";
    let rated = "c.rated_at >= $1 AND c.rated_at < $2";
    let rated_in = format!("CASE WHEN {rated} THEN 1 ELSE 0 END");
    // The halves of the reported part bind their own bounds as $1, $2 and test closing and rating against
    // the whole period, written as literals (timestamps we formatted ourselves).
    let closed_whole =
        format!("CASE WHEN c.closed_at >= '{start}' AND c.closed_at < '{end}' THEN 1 ELSE 0 END");
    let rated_whole =
        format!("CASE WHEN c.rated_at >= '{start}' AND c.rated_at < '{end}' THEN 1 ELSE 0 END");
    let (first, second, closed_part, rated_part) = tokio::try_join!(
        part(
            db,
            &start,
            &middle,
            format!("{scope} AND {created}"),
            ("1", &closed_whole, &rated_whole),
        ),
        part(
            db,
            &middle,
            &end,
            format!("{scope} AND {created}"),
            ("1", &closed_whole, &rated_whole),
        ),
        part(
            db,
            &start,
            &end,
            format!("{scope} AND {closed} AND NOT ({created})"),
            ("0", "1", &rated_in),
        ),
        part(
            db,
            &start,
            &end,
            format!(
                "{scope} AND {rated} AND NOT ({created}) AND (c.closed_at IS NULL OR NOT ({closed}))"
            ),
            ("0", "0", "1"),
        ),
    )?;
    let groups: Groups = [first, second, closed_part, rated_part].concat();
    use std::collections::BTreeMap;
    let mut categories: BTreeMap<i64, Counts> = BTreeMap::new();
    let mut grids: BTreeMap<i64, Counts> = BTreeMap::new();
    let mut workers: BTreeMap<Option<i64>, Counts> = BTreeMap::new();
    for (category, grid, owner, c) in &groups {
        categories.entry(*category).or_default().add(c);
        grids.entry(*grid).or_default().add(c);
        workers.entry(*owner).or_default().add(c);
    }
    let category_names = names(
        db,
        "SELECT k.id, CASE WHEN p.id IS NULL THEN k.name ELSE p.name || '/' || k.name END \
         FROM case_categories k LEFT JOIN case_categories p ON p.id = k.parent_id WHERE k.id IN ({ids})",
        &categories.keys().copied().collect::<Vec<_>>(),
    )
    .await?;
    let grid_names = names(
        db,
        "SELECT id, name FROM nodes WHERE id IN ({ids})",
        &grids.keys().copied().collect::<Vec<_>>(),
    )
    .await?;
    let worker_names = names(
        db,
        "SELECT id, display_name FROM users WHERE id IN ({ids})",
        &workers.keys().flatten().copied().collect::<Vec<_>>(),
    )
    .await?;
    // As the joins did: categories and grids must exist; a case without an owner is the row with id 0.
    let by_category: Vec<DashboardRow> = categories
        .iter()
        .filter_map(|(id, c)| category_names.get(id).map(|n| c.row(*id, n.clone())))
        .collect();
    let by_grid: Vec<DashboardRow> = grids
        .iter()
        .filter_map(|(id, c)| grid_names.get(id).map(|n| c.row(*id, n.clone())))
        .collect();
    let mut by_worker: Vec<DashboardRow> = workers
        .iter()
        .map(|(id, c)| {
            let name = id
                .and_then(|i| worker_names.get(&i).cloned())
                .unwrap_or_default();
            c.row(id.unwrap_or(0), name)
        })
        .collect();
    // ORDER BY owner_id put the cases without an owner first on SQLite and last on PostgreSQL; kept so.
    if db.dialect == crate::db::Dialect::Postgres && workers.contains_key(&None) {
        by_worker.rotate_left(1);
    }
    let mut sum = Counts::default();
    for (id, c) in &grids {
        if grid_names.contains_key(id) {
            sum.add(c);
        }
    }
    let total = sum.row(0, "合计".into());
    Ok(Dashboard {
        from: from.to_string(),
        to: to.to_string(),
        total,
        by_category,
        by_grid,
        by_worker,
    })
}

pub(crate) fn percent(part: i64, whole: i64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        (part as f64 * 1000.0 / whole as f64).round() / 10.0
    }
}
