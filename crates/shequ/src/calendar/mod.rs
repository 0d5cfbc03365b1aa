//! The working-day calendar (工作日): community work counts deadlines (限时办结) in working days on the
//! official holiday and 调休 calendar. Holidays and 调休 working weekends are data ([`store`]: a table seeded
//! with the State Council notices for 2020–2026, edited and imported by the street administrator); this
//! module only counts. A year without calendar data counts by the weekday and is reported
//! ([`Calendar::missing_years`]) — on the dashboard, not silently.

pub mod import;
pub mod store;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Weekday};

/// What a listed day is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DayKind {
    /// 放假: no work, whatever the weekday.
    Holiday,
    /// 调休上班: a weekend day that is worked.
    Workday,
}

impl DayKind {
    pub fn code(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        }
    }

    pub fn from_code(s: &str) -> Option<DayKind> {
        match s.trim() {
            "holiday" | "放假" | "休" | "假" | "节假日" => Some(DayKind::Holiday),
            "workday" | "上班" | "班" | "调休上班" | "补班" => Some(DayKind::Workday),
            _ => None,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            DayKind::Holiday => "放假",
            DayKind::Workday => "调休上班",
        }
    }
}

/// The calendar's listed days and the years it knows.
#[derive(Clone, Debug, Default)]
pub struct Calendar {
    days: BTreeMap<NaiveDate, DayKind>,
    years: BTreeSet<i32>,
}

/// Beijing time is UTC+8 all year; stored timestamps are UTC.
const BEIJING: i64 = 8;

impl Calendar {
    pub fn new(
        days: impl IntoIterator<Item = (NaiveDate, DayKind)>,
        years: impl IntoIterator<Item = i32>,
    ) -> Calendar {
        Calendar {
            days: days.into_iter().collect(),
            years: years.into_iter().collect(),
        }
    }

    /// Whether the office works on a date: a listed day by its kind, else Monday to Friday.
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        match self.days.get(&d) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !matches!(d.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// The date `n` working days after `start`, counted from the next working day (the start day itself
    /// does not count): 5 working days from 2025-09-30 end on 2025-10-14.
    pub fn add_working_days(&self, start: NaiveDate, n: i64) -> NaiveDate {
        let mut d = start;
        let mut left = n.max(0);
        while left > 0 {
            d += Duration::days(1);
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// Working days after `from` up to and including `to` (0 when `to` is not after `from`).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        let mut n = 0;
        let mut d = from;
        while d < to {
            d += Duration::days(1);
            if self.is_working_day(d) {
                n += 1;
            }
        }
        n
    }

    pub fn knows_year(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    /// The years of `years` the calendar has no data for.
    pub fn missing_years(&self, years: impl IntoIterator<Item = i32>) -> Vec<i32> {
        years.into_iter().filter(|y| !self.knows_year(*y)).collect()
    }

    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.iter().copied()
    }

    /// The listed days of a year, in date order.
    pub fn days_of(&self, year: i32) -> Vec<(NaiveDate, DayKind)> {
        self.days
            .iter()
            .filter(|(d, _)| d.year() == year)
            .map(|(d, k)| (*d, *k))
            .collect()
    }
}

/// A stage time limit: clock hours, or working days on the calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    Hours(i64),
    WorkingDays(i64),
}

/// Share of an hour limit after which a stage is 即将超期 (the last 20% are the warning).
pub const WARN_SHARE: f64 = 0.8;

impl Limit {
    /// A limit from a stored number and unit (`hours` or `working_days`).
    pub fn from_unit(unit: &str, n: i64) -> Limit {
        if unit == "working_days" {
            Limit::WorkingDays(n)
        } else {
            Limit::Hours(n)
        }
    }

    /// (warning time, due time), UTC, of a stage that starts at `start` (UTC). Hours: due after the hours,
    /// warned after 80% of them. Working days: due at the end (24:00 Beijing time) of the n-th working day
    /// counted from the day after the start's Beijing date, warned when that last day begins.
    pub fn times(self, start: NaiveDateTime, cal: &Calendar) -> (NaiveDateTime, NaiveDateTime) {
        match self {
            Limit::Hours(h) => {
                let secs = h * 3600;
                (
                    start + Duration::seconds((secs as f64 * WARN_SHARE) as i64),
                    start + Duration::seconds(secs),
                )
            }
            Limit::WorkingDays(n) => {
                let local = (start + Duration::hours(BEIJING)).date();
                let last = cal.add_working_days(local, n);
                let begins = last.and_time(NaiveTime::MIN) - Duration::hours(BEIJING);
                let due = begins + Duration::days(1);
                (begins.max(start), due)
            }
        }
    }

    pub fn describe_zh(self) -> String {
        match self {
            Limit::Hours(h) => format!("{h}小时"),
            Limit::WorkingDays(n) => format!("{n}个工作日"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn builtin() -> Calendar {
        let (days, years) = store::builtin_days();
        Calendar::new(days.into_iter().map(|(d, k, _)| (d, k)), years)
    }

    #[test]
    fn national_day_and_mid_autumn_2025() {
        let cal = builtin();
        // 1–8 October off, Saturday 11 October worked.
        assert!(!cal.is_working_day(d("2025-10-08")));
        assert!(cal.is_working_day(d("2025-10-11")));
        assert_eq!(cal.add_working_days(d("2025-09-30"), 5), d("2025-10-14"));
    }

    #[test]
    fn spring_festival_2024() {
        let cal = builtin();
        // Sunday 18 February 2024 is a 调休 working day.
        assert_eq!(cal.add_working_days(d("2024-02-08"), 3), d("2024-02-19"));
        assert_eq!(
            cal.working_days_between(d("2024-02-08"), d("2024-02-19")),
            3
        );
    }

    #[test]
    fn a_year_without_data_counts_weekdays_and_is_reported() {
        let cal = builtin();
        assert_eq!(cal.missing_years(2024..=2027), vec![2027]);
        // Friday 2027-01-01 is New Year's Day, but without data it counts as a weekday.
        assert_eq!(cal.add_working_days(d("2026-12-31"), 1), d("2027-01-01"));
    }

    #[test]
    fn working_day_limits_end_at_beijing_midnight() {
        let cal = builtin();
        // 2025-09-30 10:00 Beijing = 02:00 UTC; 5 working days → due 2025-10-14 24:00 Beijing.
        let start = d("2025-09-30").and_hms_opt(2, 0, 0).unwrap();
        let (warn, due) = Limit::WorkingDays(5).times(start, &cal);
        assert_eq!(due, d("2025-10-14").and_hms_opt(16, 0, 0).unwrap());
        assert_eq!(warn, d("2025-10-13").and_hms_opt(16, 0, 0).unwrap());
        // Hours keep counting the clock.
        let (warn, due) = Limit::Hours(10).times(start, &cal);
        assert_eq!(due, d("2025-09-30").and_hms_opt(12, 0, 0).unwrap());
        assert_eq!(warn, d("2025-09-30").and_hms_opt(10, 0, 0).unwrap());
    }
}
