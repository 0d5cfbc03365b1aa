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
    let row = sqlx::query(&format!(
        "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN m.result = '调解成功' THEN 1 ELSE 0 END), 0) AS BIGINT) \
         FROM cases c JOIN case_categories k ON k.id = c.category_id LEFT JOIN mediations m ON m.case_id = c.id \
         WHERE k.dispute = 1 AND c.accepted_at IS NOT NULL AND c.created_at >= $1 AND c.created_at < $2 AND {scope}"
    ))
    .bind(&start)
    .bind(&end)
    .fetch_one(&db.pool)
    .await?;
    let (disputes, mediated): (i64, i64) = (row.get(0), row.get(1));
    let group_petitions: i64 = sqlx::query(&format!(
        "SELECT COUNT(*) FROM cases c WHERE c.group_petition = 1 AND c.state <> 'rejected' \
         AND c.created_at >= $1 AND c.created_at < $2 AND {scope}"
    ))
    .bind(&start)
    .bind(&end)
    .fetch_one(&db.pool)
    .await?
    .get(0);
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

/// The case dashboard of the actor's scope for a period.
pub async fn dashboard(
    db: &Db,
    actor: &Actor,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Dashboard> {
    let (start, end) = bounds(from, to)?;
    let rows = |group: &'static str, name: &'static str, join: &'static str| {
        let start = start.clone();
        let end = end.clone();
        let scope = actor.scope.sql("c");
        async move {
            let sql = format!(
                "SELECT {group}, {name}, \
                 CAST(COALESCE(SUM(CASE WHEN c.created_at >= $1 AND c.created_at < $2 THEN 1 ELSE 0 END), 0) AS BIGINT), \
                 CAST(COALESCE(SUM(CASE WHEN c.closed_at >= $1 AND c.closed_at < $2 THEN 1 ELSE 0 END), 0) AS BIGINT), \
                 CAST(COALESCE(SUM(CASE WHEN c.closed_at >= $1 AND c.closed_at < $2 AND c.closed_at <= c.due_at THEN 1 ELSE 0 END), 0) AS BIGINT), \
                 CAST(COALESCE(SUM(CASE WHEN c.created_at >= $1 AND c.created_at < $2 AND c.was_overdue = 1 THEN 1 ELSE 0 END), 0) AS BIGINT), \
                 CAST(COALESCE(SUM(CASE WHEN c.created_at >= $1 AND c.created_at < $2 AND c.state IN ('reported','accepted','dispatched','handling','verified') THEN 1 ELSE 0 END), 0) AS BIGINT), \
                 CAST(COALESCE(SUM(CASE WHEN c.rated_at >= $1 AND c.rated_at < $2 THEN 1 ELSE 0 END), 0) AS BIGINT), \
                 CAST(COALESCE(SUM(CASE WHEN c.rated_at >= $1 AND c.rated_at < $2 AND c.rating IN ('满意','基本满意') THEN 1 ELSE 0 END), 0) AS BIGINT) \
                 FROM cases c {join} \
                 WHERE {scope} AND ((c.created_at >= $1 AND c.created_at < $2) OR (c.closed_at >= $1 AND c.closed_at < $2) \
                    OR (c.rated_at >= $1 AND c.rated_at < $2)) \
                 GROUP BY {group}, {name} ORDER BY {group}"
            );
            let rows = sqlx::query(&sql)
                .bind(&start)
                .bind(&end)
                .fetch_all(&db.pool)
                .await?;
            Ok::<_, Error>(
                rows.iter()
                    .map(|r| {
                        let mut d = DashboardRow {
                            id: r.get::<Option<i64>, _>(0).unwrap_or(0),
                            name: r.get::<Option<String>, _>(1).unwrap_or_default(),
                            received: r.get(2),
                            closed: r.get(3),
                            closed_on_time: r.get(4),
                            overdue: r.get(5),
                            open: r.get(6),
                            rated: r.get(7),
                            satisfied: r.get(8),
                            satisfaction: 0.0,
                        };
                        d.satisfaction = percent(d.satisfied, d.rated);
                        d
                    })
                    .collect::<Vec<_>>(),
            )
        }
    };
    let by_category = rows(
        "c.category_id",
        "CASE WHEN p.id IS NULL THEN k.name ELSE p.name || '/' || k.name END",
        "JOIN case_categories k ON k.id = c.category_id LEFT JOIN case_categories p ON p.id = k.parent_id",
    )
    .await?;
    let by_grid = rows("c.grid_id", "g.name", "JOIN nodes g ON g.id = c.grid_id").await?;
    let by_worker = rows(
        "c.owner_id",
        "o.display_name",
        "LEFT JOIN users o ON o.id = c.owner_id",
    )
    .await?;
    let mut total = DashboardRow {
        name: "合计".into(),
        ..Default::default()
    };
    for r in &by_grid {
        total.received += r.received;
        total.closed += r.closed;
        total.closed_on_time += r.closed_on_time;
        total.overdue += r.overdue;
        total.open += r.open;
        total.rated += r.rated;
        total.satisfied += r.satisfied;
    }
    total.satisfaction = percent(total.satisfied, total.rated);
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
