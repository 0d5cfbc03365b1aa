//! History: figures extracted from past years' reports, saved (by the server) so that the first
//! generated report already has a year-over-year comparison.

use serde::{Deserialize, Serialize};

use crate::compare::{Mapping, Period};
use crate::figures::Figure;

/// Saved figures of one past report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct History {
    pub scope: String,
    pub period: Period,
    /// File name or title of the report the figures came from.
    pub source: String,
    pub figures: Vec<Figure>,
}

/// One figure of this year next to the same indicator (or subject) in a past year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YearOverYear {
    pub subject: String,
    pub current: String,
    pub previous: String,
    pub previous_period: String,
    /// current − previous, in the base unit.
    pub change: f64,
}

impl History {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("history serializes")
    }

    pub fn from_json(s: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(s)
    }

    /// Pair current figures with this history's figures by indicator code, or else by identical subject.
    pub fn year_over_year(&self, current: &[Figure], mapping: &Mapping) -> Vec<YearOverYear> {
        let key = |f: &Figure| -> Option<String> {
            if f.subject.is_empty() || f.is_part {
                return None;
            }
            Some(
                mapping
                    .lookup(&f.subject)
                    .map(|r| r.code.clone())
                    .unwrap_or_else(|| f.subject.clone()),
            )
        };
        let mut out = Vec::new();
        for c in current {
            let Some(k) = key(c) else { continue };
            let Some(p) = self
                .figures
                .iter()
                .find(|p| key(p).as_deref() == Some(&k) && p.base().0 == c.base().0)
            else {
                continue;
            };
            out.push(YearOverYear {
                subject: c.subject.clone(),
                current: c.text.clone(),
                previous: p.text.clone(),
                previous_period: self.period.label(),
                change: c.base().1 - p.base().1,
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::extract_figures;
    use crate::model::split_lines;

    #[test]
    fn json_round_trip_and_year_over_year() {
        let past = History {
            scope: "community:12".into(),
            period: Period::year(2022),
            source: "2022年工作报告.docx".into(),
            figures: extract_figures(&split_lines("全年共受理各类纠纷5起。社区总人数6000人。")),
        };
        let back = History::from_json(&past.to_json()).unwrap();
        assert_eq!(back.figures.len(), 2);
        assert_eq!(back.figures[0].subject, past.figures[0].subject);
        assert_eq!(back.period, past.period);
        let now = extract_figures(&split_lines("今年受理矛盾纠纷3起,总人数6035人。"));
        let yoy = back.year_over_year(&now, &Mapping::default());
        assert_eq!(yoy.len(), 2);
        assert_eq!((yoy[0].previous.as_str(), yoy[0].change), ("5起", -2.0));
        assert_eq!(yoy[1].change, 35.0);
        assert_eq!(yoy[1].previous_period, "2022年");
    }
}
