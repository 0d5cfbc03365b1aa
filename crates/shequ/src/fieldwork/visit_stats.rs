//! Visit figures: the overdue list of a rule (households due a visit: never visited, or last visited more than
//! the rule's days ago) and coverage — households visited in a period ÷ households in scope (走访覆盖率), in
//! total, by grid and by worker. A worker's coverage counts against the households of their own area inside
//! the actor's scope (all of the scope for visits by someone without an account).

use crate::db::filter::Filter;
use chrono::{Duration, NaiveDate};
use serde::Serialize;
use sqlx::Row;

use super::visits;
use crate::accounts::{users, Actor};
use crate::cases::stats::percent;
use crate::db::Db;
use crate::error::{Error, Result};

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Overdue {
    pub household_id: i64,
    pub household_number: String,
    pub address: String,
    pub grid_id: i64,
    pub grid_name: String,
    /// None: never visited.
    pub last_visit: Option<String>,
    /// The day the visit fell due (None: due since the rule exists).
    pub due_on: Option<String>,
    /// Days since the last visit.
    pub days_since: Option<i64>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct OverdueList {
    pub rule: visits::Rule,
    pub on: String,
    /// All overdue households (items holds at most `limit`).
    pub total: i64,
    pub items: Vec<Overdue>,
}

/// Households in the actor's scope that a rule says are overdue on `on`, longest overdue first.
pub async fn overdue(
    db: &Db,
    actor: &Actor,
    rule_id: i64,
    grid: Option<i64>,
    on: NaiveDate,
    limit: i64,
) -> Result<OverdueList> {
    let rule = visits::rule(db, actor, rule_id).await?;
    if visits::is_sensitive(db, &rule).await? {
        crate::audit::record(
            &db.pool,
            actor,
            "read_sensitive",
            "visit_rule",
            Some(rule.id),
            None,
            Some(&serde_json::json!({"list": "overdue", "tag_type_id": rule.tag_type_id})),
        )
        .await?;
    }
    let cutoff = (on - Duration::days(rule.every_days)).to_string();
    // $1 is the cutoff (in HAVING); the filter's values follow.
    let filter = Filter::scoped(actor, "h")
        .after(1)
        .when(true, "h.archived = 0")
        .opt_int("h.grid_id = ?", grid)
        .opt_int(
            "EXISTS (SELECT 1 FROM persons p JOIN person_tags pt ON pt.person_id = p.id \
             WHERE p.household_id = h.id AND p.archived = 0 AND p.status = '在住' AND pt.archived = 0 \
             AND pt.tag_type_id = ?)",
            rule.tag_type_id,
        );
    let inner = format!(
        "SELECT h.id, h.number, h.address, h.grid_id, g.name AS grid_name, MAX(v.visited_on) AS last_visit \
         FROM households h JOIN nodes g ON g.id = h.grid_id LEFT JOIN visits v ON v.household_id = h.id \
         WHERE {} GROUP BY h.id, h.number, h.address, h.grid_id, g.name \
         HAVING MAX(v.visited_on) IS NULL OR MAX(v.visited_on) < $1",
        filter.sql()
    );
    let count_sql = format!("SELECT COUNT(*) FROM ({inner}) x");
    let total: i64 = filter
        .bind(sqlx::query(&count_sql).bind(&cutoff))
        .fetch_one(&db.pool)
        .await?
        .get(0);
    let rows_sql = format!(
        "SELECT * FROM ({inner}) x ORDER BY COALESCE(x.last_visit, ''), x.id LIMIT {}",
        limit.clamp(1, 100_000)
    );
    let rows = filter
        .bind(sqlx::query(&rows_sql).bind(&cutoff))
        .fetch_all(&db.pool)
        .await?;
    let items = rows
        .iter()
        .map(|r| {
            let last: Option<String> = r.get(5);
            let last_date = last
                .as_deref()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
            Overdue {
                household_id: r.get(0),
                household_number: r.get(1),
                address: r.get(2),
                grid_id: r.get(3),
                grid_name: r.get(4),
                due_on: last_date.map(|d| (d + Duration::days(rule.every_days)).to_string()),
                days_since: last_date.map(|d| (on - d).num_days()),
                last_visit: last,
            }
        })
        .collect();
    Ok(OverdueList {
        rule,
        on: on.to_string(),
        total,
        items,
    })
}

#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct CoverageRow {
    /// Grid or user id (0: the total, or visits by someone without an account).
    pub id: i64,
    pub name: String,
    /// Households in the area (for a worker: their own area inside the scope).
    pub households: i64,
    /// Distinct households visited in the period.
    pub visited: i64,
    /// Visits in the period.
    pub visits: i64,
    /// visited ÷ households, in percent (one decimal).
    pub rate: f64,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Coverage {
    pub from: String,
    pub to: String,
    pub total: CoverageRow,
    pub by_grid: Vec<CoverageRow>,
    pub by_worker: Vec<CoverageRow>,
}

/// 走访覆盖率 of the actor's scope for a period (both days included).
pub async fn coverage(db: &Db, actor: &Actor, from: NaiveDate, to: NaiveDate) -> Result<Coverage> {
    if to < from {
        return Err(Error::invalid("结束日期", "结束日期不能早于开始日期"));
    }
    let scope = actor.scope.sql("h");
    let (f, t) = (from.to_string(), to.to_string());
    let visited_sql = |extra: &str, group: &str, cols: &str| {
        format!(
            "SELECT {cols} COUNT(DISTINCT v.household_id), COUNT(*) FROM visits v JOIN households h ON h.id = v.household_id \
             WHERE h.archived = 0 AND {scope} {extra} AND v.visited_on >= $1 AND v.visited_on <= $2 {group}"
        )
    };
    let households: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM households h WHERE h.archived = 0 AND {scope}"
    ))
    .fetch_one(&db.pool)
    .await?;
    let row = sqlx::query(&visited_sql("", "", ""))
        .bind(&f)
        .bind(&t)
        .fetch_one(&db.pool)
        .await?;
    let (visited, visits): (i64, i64) = (row.get(0), row.get(1));
    let total = CoverageRow {
        id: 0,
        name: "合计".into(),
        households,
        visited,
        visits,
        rate: percent(visited, households),
    };
    // By grid: every grid in scope, with its households now and the distinct ones visited.
    let grids = sqlx::query(&format!(
        "SELECT g.id, g.name, COUNT(h.id) FROM nodes g JOIN households h ON h.grid_id = g.id AND h.archived = 0 \
         WHERE g.kind = 'grid' AND {scope} GROUP BY g.id, g.name ORDER BY g.id"
    ))
    .fetch_all(&db.pool)
    .await?;
    let per_grid = sqlx::query(&visited_sql("", "GROUP BY h.grid_id", "h.grid_id,"))
        .bind(&f)
        .bind(&t)
        .fetch_all(&db.pool)
        .await?;
    let by_grid = grids
        .iter()
        .map(|g| {
            let id: i64 = g.get(0);
            let hh: i64 = g.get(2);
            let (visited, visits) = per_grid
                .iter()
                .find(|r| r.get::<i64, _>(0) == id)
                .map(|r| (r.get::<i64, _>(1), r.get::<i64, _>(2)))
                .unwrap_or((0, 0));
            CoverageRow {
                id,
                name: g.get(1),
                households: hh,
                visited,
                visits,
                rate: percent(visited, hh),
            }
        })
        .collect();
    // By worker: against the households of the worker's own area inside the scope.
    let per_worker = sqlx::query(&visited_sql(
        "",
        "GROUP BY v.worker_id, v.worker_name ORDER BY v.worker_id, v.worker_name",
        "v.worker_id, v.worker_name,",
    ))
    .bind(&f)
    .bind(&t)
    .fetch_all(&db.pool)
    .await?;
    let mut by_worker = vec![];
    for r in per_worker {
        let id: Option<i64> = r.get(0);
        let area = match id {
            Some(u) => match users::actor(db, u).await {
                Ok(w) => {
                    sqlx::query_scalar(&format!(
                        "SELECT COUNT(*) FROM households h WHERE h.archived = 0 AND {scope} AND {}",
                        w.scope.sql("h")
                    ))
                    .fetch_one(&db.pool)
                    .await?
                }
                Err(_) => households,
            },
            None => households,
        };
        let (visited, visits): (i64, i64) = (r.get(2), r.get(3));
        by_worker.push(CoverageRow {
            id: id.unwrap_or(0),
            name: r.get(1),
            households: area,
            visited,
            visits,
            rate: percent(visited, area),
        });
    }
    Ok(Coverage {
        from: f,
        to: t,
        total,
        by_grid,
        by_worker,
    })
}
