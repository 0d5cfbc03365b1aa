//! The indicator engine (first slice): named figures computed from the records for a scope and a period,
//! so that a figure a report states can be compared with what the system knows. Codes follow the mapping
//! table of `reportcheck` (`registry.population`, `registry.households`, …); codes of modules that do not
//! exist yet (cases, services) have no value and are reported as "系统暂无数据".

use std::collections::HashMap;

use chrono::NaiveDate;
use reportcheck::{IndicatorSource, Period};
use sqlx::Row;

use crate::accounts::Actor;
use crate::db::Db;
use crate::error::Result;
use crate::registry::{nodes, population};

/// Values computed for one scope and period, ready for the synchronous comparison.
pub struct Indicators {
    values: HashMap<String, f64>,
}

impl Indicators {
    /// Computes every indicator the registry can answer, at the end of `period`.
    pub async fn compute(db: &Db, actor: &Actor, period: &Period) -> Result<Indicators> {
        let end = NaiveDate::parse_from_str(&period.to, "%Y-%m-%d")
            .unwrap_or_else(|_| crate::db::today())
            .min(crate::db::today());
        let mut values = HashMap::new();
        values.insert(
            "registry.population".to_string(),
            population::count_on(db, actor, end).await? as f64,
        );
        let households: i64 = sqlx::query(&format!(
            "SELECT COUNT(DISTINCT h.id) FROM households h JOIN persons p ON p.household_id = h.id \
             JOIN residence_periods r ON r.person_id = p.id WHERE r.from_date <= $1 AND (r.to_date IS NULL OR r.to_date > $1) AND {}",
            actor.scope.sql("r")
        ))
        .bind(end.to_string())
        .fetch_one(&db.pool)
        .await?
        .get(0);
        values.insert("registry.households".to_string(), households as f64);
        values.insert(
            "registry.buildings".to_string(),
            nodes::count(db, actor, nodes::Kind::Building).await? as f64,
        );
        values.insert(
            "registry.estates".to_string(),
            nodes::count(db, actor, nodes::Kind::Estate).await? as f64,
        );
        Ok(Indicators { values })
    }

    pub fn get(&self, code: &str) -> Option<f64> {
        self.values.get(code).copied()
    }
}

impl IndicatorSource for Indicators {
    fn value(&self, code: &str, _scope: &str, _period: &Period) -> Option<f64> {
        self.get(code)
    }
}
