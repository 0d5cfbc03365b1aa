//! The report check's figures: every indicator of the catalogue ([`super::catalog`]) computed for the
//! actor's scope and the report's period, so that a figure an outside report states can be compared with what
//! the system knows. Codes are the catalogue's (`registry.population`, `cases.disputes`, …); a code the
//! catalogue lacks (a domain not built yet) has no value and is reported as "系统暂无数据".

use std::collections::HashMap;

use chrono::NaiveDate;
use reportcheck::{IndicatorSource, Period};

use super::catalog::{self, catalog, Where};
use crate::accounts::Actor;
use crate::db::Db;
use crate::error::Result;

/// Values computed for one scope and period, ready for the synchronous comparison.
pub struct Indicators {
    values: HashMap<String, f64>,
}

impl Indicators {
    /// Computes every indicator of the catalogue for `period` (a state "as of" its end, counts within it).
    pub async fn compute(db: &Db, actor: &Actor, period: &Period) -> Result<Indicators> {
        let date = |s: &str| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|_| crate::db::today())
        };
        let (from, to) = (date(&period.from), date(&period.to));
        let p = catalog::Period {
            from,
            to,
            label: format!("{from}至{to}"),
        };
        let at = Where::new(db, actor, None).await?;
        let mut values = HashMap::new();
        for i in &catalog().indicators {
            if let Some(v) = i.value(db, &at, &p).await? {
                values.insert(i.def().code.to_string(), v);
            }
        }
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
