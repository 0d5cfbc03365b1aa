//! Many figures at once, as a report needs them: every (indicator, period) a report states is computed once;
//! rates from their parts (never recomputed); counting statements that share their FROM and WHERE up to the
//! place's condition (the residents' figures by type, sex, age band and group) are answered by one statement
//! of conditional sums; the statements run concurrently on the pool.

use std::collections::HashMap;

use chrono::NaiveDate;
use sqlx::Row;

use crate::db::Db;
use crate::error::{Error, Result};
use crate::reports::catalog::{catalog, Binds, Count, Period, Where};

/// A figure's key: indicator code and the period's dates.
pub type Key = (String, NaiveDate, NaiveDate);

pub fn key(code: &str, p: &Period) -> Key {
    (code.to_string(), p.from, p.to)
}

/// How a counting statement splits for batching: what is counted, the FROM … WHERE up to the place's
/// condition, and the conditions after it.
fn split(c: &Count) -> Option<(&'static str, &'static str, &'static str)> {
    let rest = c.sql.strip_prefix("SELECT ")?;
    let from = rest.find(" FROM ")?;
    let scope = rest.find("{scope}")?;
    let (counted, tail) = (&rest[..from], &rest[from + 1..]);
    let cut = scope - from - 1 + "{scope}".len();
    Some((counted, &tail[..cut], &tail[cut..]))
}

fn binds_id(b: Binds) -> u8 {
    match b {
        Binds::Timestamps => 0,
        Binds::Dates => 1,
        Binds::AsOf => 2,
        Binds::LocalTimestamps => 3,
    }
}

/// Counting statements answered together: FROM…WHERE, alias, binds, period, and (code, expression) each.
type Group = (String, &'static str, Binds, Period, Vec<(String, String)>);

/// Computes every wanted figure (and the parts of the rates among them).
pub async fn values(
    db: &Db,
    at: &Where,
    wanted: &[(String, Period)],
) -> Result<HashMap<Key, Option<f64>>> {
    let c = catalog();
    // The leaves: counts and other non-rate indicators; rates are worked out from them afterwards.
    let mut leaves: Vec<(String, Period)> = Vec::new();
    let mut rates: Vec<(String, Period, String, String)> = Vec::new();
    for (code, p) in wanted {
        let d = c.indicator(code)?.def();
        let mut add = |code: &str| {
            if !leaves.iter().any(|(l, lp)| l == code && lp == p) {
                leaves.push((code.to_string(), p.clone()));
            }
        };
        match (d.numerator, d.denominator) {
            (Some(n), Some(dn)) => {
                add(n);
                add(dn);
                rates.push((code.clone(), p.clone(), n.to_string(), dn.to_string()));
            }
            _ => add(code),
        }
    }
    // Group the batchable counts by (FROM…WHERE, alias, binds, period).
    let mut groups: Vec<Group> = Vec::new();
    let mut singles: Vec<(String, Period)> = Vec::new();
    for (code, p) in leaves {
        let i = c.indicator(&code)?;
        let Some(count) = i.as_count() else {
            singles.push((code, p));
            continue;
        };
        let Some((counted, head, rest)) = split(count) else {
            singles.push((code, p));
            continue;
        };
        let expr = if rest.trim().is_empty() {
            counted.to_string()
        } else if counted == "COUNT(*)" {
            format!("SUM(CASE WHEN 1=1{rest} THEN 1 ELSE 0 END)")
        } else {
            singles.push((code, p));
            continue;
        };
        match groups.iter_mut().find(|g| {
            g.0 == head && g.1 == count.alias && binds_id(g.2) == binds_id(count.binds) && g.3 == p
        }) {
            Some(g) => g.4.push((code, expr)),
            None => groups.push((
                head.to_string(),
                count.alias,
                count.binds,
                p,
                vec![(code, expr)],
            )),
        }
    }
    let mut tasks = tokio::task::JoinSet::new();
    for (head, alias, binds, p, members) in groups {
        let (db, at) = (db.clone(), at.clone());
        tasks.spawn(async move {
            let exprs: Vec<&str> = members.iter().map(|(_, e)| e.as_str()).collect();
            let sql =
                format!("SELECT {} {}", exprs.join(", "), head).replace("{scope}", &at.sql(alias));
            let row = binds
                .bind(sqlx::query(&sql), &p)
                .fetch_one(&db.pool)
                .await?;
            let mut out = Vec::new();
            for (i, (code, _)) in members.iter().enumerate() {
                let v: Option<i64> = row.try_get(i).ok().flatten();
                out.push((key(code, &p), Some(v.unwrap_or(0) as f64)));
            }
            Ok::<_, Error>(out)
        });
    }
    for (code, p) in singles {
        let (db, at) = (db.clone(), at.clone());
        tasks.spawn(async move {
            let v = catalog().indicator(&code)?.value(&db, &at, &p).await?;
            Ok::<_, Error>(vec![(key(&code, &p), v)])
        });
    }
    let mut out = HashMap::new();
    while let Some(done) = tasks.join_next().await {
        for (k, v) in done.map_err(|e| Error::Other(e.into()))?? {
            out.insert(k, v);
        }
    }
    for (code, p, n, d) in rates {
        let v = match (out.get(&key(&n, &p)), out.get(&key(&d, &p))) {
            (Some(Some(n)), Some(Some(d))) if *d > 0.0 => Some((n / d * 1000.0).round() / 10.0),
            _ => None,
        };
        out.insert(key(&code, &p), v);
    }
    Ok(out)
}
