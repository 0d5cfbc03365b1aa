//! Comparison against the records: a mapping table of phrases → indicator codes (extendable by an
//! administrator, JSON), the [`IndicatorSource`] trait the server implements, and [`compare`].

use std::collections::HashMap;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::figures::Figure;

/// A reporting period, inclusive ISO dates.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Period {
    pub from: String,
    pub to: String,
}

impl Period {
    pub fn year(y: i32) -> Self {
        Period {
            from: format!("{y:04}-01-01"),
            to: format!("{y:04}-12-31"),
        }
    }

    pub fn month(y: i32, m: u32) -> Self {
        let last = match m {
            2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        Period {
            from: format!("{y:04}-{m:02}-01"),
            to: format!("{y:04}-{m:02}-{last:02}"),
        }
    }

    /// Short Chinese label: "2023年" for a whole year, else "from 至 to".
    pub fn label(&self) -> String {
        if self.from.ends_with("-01-01")
            && self.to.ends_with("-12-31")
            && self.from[..4] == self.to[..4]
        {
            format!("{}年", &self.from[..4])
        } else {
            format!("{} 至 {}", self.from, self.to)
        }
    }
}

/// Where shequ's own values come from; the server implements it over its indicator engine.
pub trait IndicatorSource {
    fn value(&self, code: &str, scope: &str, period: &Period) -> Option<f64>;
}

/// Plain in-memory values keyed by (code, scope); the same for every period (tests, one-off checks).
#[derive(Debug, Clone, Default)]
pub struct MemorySource {
    pub values: HashMap<(String, String), f64>,
}

impl MemorySource {
    pub fn with(mut self, code: &str, scope: &str, v: f64) -> Self {
        self.values.insert((code.to_string(), scope.to_string()), v);
        self
    }
}

impl IndicatorSource for MemorySource {
    fn value(&self, code: &str, scope: &str, _period: &Period) -> Option<f64> {
        self.values
            .get(&(code.to_string(), scope.to_string()))
            .copied()
    }
}

/// One row of the mapping table: figures whose subject matches `pattern` (a regex) are the indicator `code`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MapRow {
    pub pattern: String,
    pub code: String,
    /// Unit the indicator is counted in ("件", "人", "户", "%"); used in the "系统" column.
    pub unit: String,
    #[serde(default)]
    pub label: String,
}

/// The mapping table (phrases → indicator codes).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Mapping {
    pub rows: Vec<MapRow>,
    #[serde(skip)]
    compiled: Vec<Option<Regex>>,
}

impl PartialEq for Mapping {
    fn eq(&self, other: &Self) -> bool {
        self.rows == other.rows
    }
}

impl Default for Mapping {
    fn default() -> Self {
        let row = |p: &str, c: &str, u: &str, l: &str| MapRow {
            pattern: p.into(),
            code: c.into(),
            unit: u.into(),
            label: l.into(),
        };
        Mapping::new(vec![
            row(
                "受理.*纠纷|纠纷.*受理|排查.*纠纷",
                "cases.disputes",
                "件",
                "受理纠纷数",
            ),
            row("调解成功", "cases.mediated_ok", "件", "调解成功数"),
            row("解决.*(实际)?问题|办结", "cases.closed", "件", "办结事项数"),
            row(
                "总人数|总人口|常住人口|居民.*人口",
                "registry.population",
                "人",
                "总人口",
            ),
            row("总户数|居民户|住户", "registry.households", "户", "总户数"),
            row("走访|入户", "visits.visits", "次", "走访次数"),
            row("志愿者", "volunteers.total", "人", "志愿者人数"),
            row("低保", "welfare.dibao", "户", "低保户数"),
            row("满意率", "cases.satisfaction_rate", "%", "满意率"),
        ])
    }
}

impl Mapping {
    pub fn new(rows: Vec<MapRow>) -> Self {
        let compiled = rows.iter().map(|r| Regex::new(&r.pattern).ok()).collect();
        Mapping { rows, compiled }
    }

    /// Add a row (administrator extension); later rows have lower priority.
    pub fn push(&mut self, row: MapRow) {
        self.compiled.push(Regex::new(&row.pattern).ok());
        self.rows.push(row);
    }

    pub fn from_json(s: &str) -> Result<Self, serde_json::Error> {
        let m: Mapping = serde_json::from_str(s)?;
        Ok(Mapping::new(m.rows))
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("mapping serializes")
    }

    /// Rows whose pattern is not a valid regular expression (to show the administrator).
    pub fn invalid_rows(&self) -> Vec<&MapRow> {
        self.rows
            .iter()
            .zip(&self.compiled)
            .filter(|(_, c)| c.is_none())
            .map(|(r, _)| r)
            .collect()
    }

    /// The first row matching a figure's subject.
    pub fn lookup(&self, subject: &str) -> Option<&MapRow> {
        self.rows
            .iter()
            .zip(&self.compiled)
            .find(|(_, re)| re.as_ref().is_some_and(|re| re.is_match(subject)))
            .map(|(r, _)| r)
    }
}

/// One figure compared with shequ's value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub figure: usize,
    pub line: usize,
    pub code: String,
    pub label: String,
    pub subject: String,
    /// "280余件"
    pub reported_text: String,
    pub reported: f64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub system: Option<f64>,
    /// "263件", or "无数据"
    pub system_text: String,
    /// reported − system
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub difference: Option<f64>,
    /// Whether the report's wording (余/约/近 …) makes the system value plausible.
    pub plausible: bool,
    /// "报告 280余件 / 系统 263件(相差 +17)"
    pub summary: String,
}

fn num(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        format!("{v:.1}")
    }
}

/// Does a reported value with `qualifier` plausibly describe `system`?
pub fn plausible(reported: f64, qualifier: Option<&str>, system: f64) -> bool {
    let near = |tol: f64| (reported - system).abs() <= (reported.abs() * tol).max(0.5);
    match qualifier {
        None => (reported - system).abs() < 1e-9,
        Some("余" | "多" | "以上" | "超过" | "超" | "逾" | "之多" | "多达" | "高达") => {
            system >= reported && system < reported * 1.2 + 1.0
        }
        Some("近" | "将近" | "不足" | "不到") => system <= reported && near(0.15),
        Some(_) => near(0.1),
    }
}

/// Compare figures that map to an indicator with the source's value for `scope` and `period`.
pub fn compare(
    figures: &[Figure],
    mapping: &Mapping,
    source: &dyn IndicatorSource,
    scope: &str,
    period: &Period,
) -> Vec<Comparison> {
    let mut out = Vec::new();
    for f in figures {
        if f.subject.is_empty() {
            continue;
        }
        let Some(row) = mapping.lookup(&f.subject) else {
            continue;
        };
        let system = source.value(&row.code, scope, period);
        let unit = if row.unit.is_empty() {
            f.unit.as_str()
        } else {
            row.unit.as_str()
        };
        let (reported, system_text, difference, ok) = match system {
            Some(s) => {
                let r = f.base().1;
                (
                    r,
                    format!("{}{}", num(s), unit),
                    Some(r - s),
                    plausible(r, f.qualifier.as_deref(), s),
                )
            }
            None => (f.base().1, "无数据".to_string(), None, false),
        };
        let diff = difference
            .map(|d| format!("(相差 {}{})", if d > 0.0 { "+" } else { "" }, num(d)))
            .unwrap_or_default();
        out.push(Comparison {
            figure: f.id,
            line: f.line,
            code: row.code.clone(),
            label: row.label.clone(),
            subject: f.subject.clone(),
            reported_text: f.text.clone(),
            reported,
            system,
            summary: format!("报告 {} / 系统 {}{}", f.text, system_text, diff),
            system_text,
            difference,
            plausible: ok,
        });
    }
    out
}

#[cfg(test)]
mod tests;
