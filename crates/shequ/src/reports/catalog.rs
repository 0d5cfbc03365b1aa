//! The plug-in shape of reporting: each domain contributes its **indicators** (named, documented figures
//! computed for a scope and a period) and its **ledgers** (台账: titled tables with Chinese headers, rows for a
//! scope and a period). Reports, the dashboard and exports take them from [`catalog`] and know no domain.
//!
//! Every value is computed inside the acting user's scope, optionally narrowed to one node of it (a
//! community, a grid); periods are Beijing-time dates ([`Period`]).

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;

use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;
use sqlx::Row;

use crate::accounts::Actor;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::registry::nodes::{self, Kind};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a domain contributes: its indicators and its ledgers.
pub type Plugin = (Vec<Box<dyn Indicator>>, Vec<Box<dyn Ledger>>);

/// A reporting period: Beijing-time dates, both ends included.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Period {
    #[schema(value_type = String, example = "2025-01-01")]
    pub from: NaiveDate,
    #[schema(value_type = String, example = "2025-12-31")]
    pub to: NaiveDate,
    /// 2025年, 2025年第一季度, 2025年上半年, 2025年3月, or the dates.
    pub label: String,
}

impl Period {
    pub fn year(y: i32) -> Period {
        Period {
            from: ymd(y, 1, 1),
            to: ymd(y, 12, 31),
            label: format!("{y}年"),
        }
    }

    pub fn quarter(y: i32, q: u32) -> Period {
        let from = ymd(y, (q - 1) * 3 + 1, 1);
        let names = ["一", "二", "三", "四"];
        Period {
            from,
            to: month_end(y, q * 3),
            label: format!("{y}年第{}季度", names[(q - 1) as usize]),
        }
    }

    pub fn half(y: i32, h: u32) -> Period {
        let (from, to) = if h == 1 {
            (ymd(y, 1, 1), ymd(y, 6, 30))
        } else {
            (ymd(y, 7, 1), ymd(y, 12, 31))
        };
        Period {
            from,
            to,
            label: format!("{y}年{}", if h == 1 { "上半年" } else { "下半年" }),
        }
    }

    pub fn month(y: i32, m: u32) -> Period {
        Period {
            from: ymd(y, m, 1),
            to: month_end(y, m),
            label: format!("{y}年{m}月"),
        }
    }

    /// Parses `2025`, `2025-Q1`, `2025-H1`, `2025-03` or `2025-01-01..2025-06-30`.
    pub fn parse(s: &str) -> Result<Period> {
        let bad = || {
            Error::invalid(
                "统计期间",
                "统计期间应写作 2025、2025-Q1、2025-H1、2025-03 或 2025-01-01..2025-06-30",
            )
        };
        let s = s.trim();
        if let Some((a, b)) = s.split_once("..") {
            let p = |t: &str| NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d").map_err(|_| bad());
            let (from, to) = (p(a)?, p(b)?);
            if to < from || (to - from).num_days() > 3660 {
                return Err(bad());
            }
            return Ok(Period {
                from,
                to,
                label: format!("{from}至{to}"),
            });
        }
        let (y, rest) = s
            .split_once('-')
            .map(|(y, r)| (y, Some(r)))
            .unwrap_or((s, None));
        let y: i32 = y
            .parse()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or_else(bad)?;
        Ok(match rest {
            None => Period::year(y),
            Some(r) if r.len() == 2 && (r.starts_with('Q') || r.starts_with('q')) => {
                let q: u32 = r[1..]
                    .parse()
                    .ok()
                    .filter(|q| (1..=4).contains(q))
                    .ok_or_else(bad)?;
                Period::quarter(y, q)
            }
            Some(r) if r.len() == 2 && (r.starts_with('H') || r.starts_with('h')) => {
                let h: u32 = r[1..]
                    .parse()
                    .ok()
                    .filter(|h| (1..=2).contains(h))
                    .ok_or_else(bad)?;
                Period::half(y, h)
            }
            Some(r) => {
                let m: u32 = r
                    .parse()
                    .ok()
                    .filter(|m| (1..=12).contains(m))
                    .ok_or_else(bad)?;
                Period::month(y, m)
            }
        })
    }

    /// The same period a year earlier (for 同比).
    pub fn year_before(&self) -> Period {
        let back = |d: NaiveDate| d.with_year(d.year() - 1).unwrap_or(d - Duration::days(365));
        Period {
            from: back(self.from),
            to: back(self.to),
            label: format!("上年同期({})", self.label),
        }
    }

    /// UTC timestamps bounding the period, for `*_at` columns: [from 00:00, to+1 00:00) Beijing time.
    pub fn utc_bounds(&self) -> (String, String) {
        let f = |d: NaiveDate| {
            (d.and_hms_opt(0, 0, 0).unwrap() - Duration::hours(8))
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        };
        (f(self.from), f(self.to + Duration::days(1)))
    }
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn month_end(y: i32, m: u32) -> NaiveDate {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    ymd(ny, nm, 1) - Duration::days(1)
}

/// Where a value is computed: the actor's scope, narrowed to one node of it when asked.
#[derive(Clone, Debug)]
pub struct Where {
    /// SQL conditions on a table alias's scope columns (integers from the actor and the node only).
    conds: Vec<(String, i64)>,
    actor: Actor,
    /// The node's name, or the actor's scope.
    pub name: String,
}

impl Where {
    pub async fn new(db: &Db, actor: &Actor, node: Option<i64>) -> Result<Where> {
        let mut conds = Vec::new();
        // The unit a figure or a ledger is for: the user's roots (和平街道, 第三网格 …), or the chosen node.
        let roots: Vec<String> = nodes::roots(db, actor)
            .await?
            .into_iter()
            .map(|n| n.name)
            .collect();
        let mut name = if roots.is_empty() {
            "管辖范围".to_string()
        } else {
            roots.join("、")
        };
        if let Some(id) = node {
            let n = nodes::get(db, actor, id).await?;
            let col = match n.kind() {
                Kind::Street => "street_id",
                Kind::Community => "community_id",
                Kind::Grid => "grid_id",
                Kind::Building => "building_id",
                _ => {
                    return Err(Error::invalid(
                        "统计范围",
                        "统计范围应为街道、社区、网格或楼栋",
                    ))
                }
            };
            conds.push((col.to_string(), n.id));
            name = n.name;
        }
        Ok(Where {
            conds,
            actor: actor.clone(),
            name,
        })
    }

    /// The condition for a table alias ("" for none).
    pub fn sql(&self, alias: &str) -> String {
        let a = if alias.is_empty() {
            String::new()
        } else {
            format!("{alias}.")
        };
        let mut parts = vec![self.actor.scope.sql(alias)];
        parts.extend(self.conds.iter().map(|(c, v)| format!("{a}{c} = {v}")));
        parts.join(" AND ")
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }
}

/// A scope level an indicator applies to.
#[derive(Clone, Copy, Debug, Serialize, utoipa::ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Street,
    Community,
    Grid,
}

pub const ALL_LEVELS: &[Level] = &[Level::Street, Level::Community, Level::Grid];

/// What an indicator is: the catalogue page prints these.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Def {
    pub code: &'static str,
    pub name: &'static str,
    /// 人, 户, 起, 件, 次, 人次, % …
    pub unit: &'static str,
    /// How it is counted.
    pub definition: &'static str,
    /// The domain that contributes it.
    pub domain: &'static str,
    pub levels: &'static [Level],
    /// For rates: the indicators divided.
    pub numerator: Option<&'static str>,
    pub denominator: Option<&'static str>,
}

impl Def {
    /// A count or sum contributed by `domain`, for the scope levels it applies to.
    pub const fn new(
        domain: &'static str,
        levels: &'static [Level],
        code: &'static str,
        name: &'static str,
        unit: &'static str,
        definition: &'static str,
    ) -> Def {
        Def {
            code,
            name,
            unit,
            definition,
            domain,
            levels,
            numerator: None,
            denominator: None,
        }
    }

    /// A rate in %: the indicator `numerator` ÷ the indicator `denominator`.
    pub const fn rate(self, numerator: &'static str, denominator: &'static str) -> Def {
        Def {
            unit: "%",
            numerator: Some(numerator),
            denominator: Some(denominator),
            ..self
        }
    }
}

/// A value with its parts (for rates).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct IndicatorValue {
    pub code: &'static str,
    pub name: &'static str,
    pub unit: &'static str,
    /// None: 无数据 (never 0 for lack of data).
    pub value: Option<f64>,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub period: Period,
    pub scope: String,
}

/// An indicator a domain contributes.
pub trait Indicator: Send + Sync {
    fn def(&self) -> &Def;
    /// The value in a place and a period (None: no data).
    fn value<'a>(
        &'a self,
        db: &'a Db,
        at: &'a Where,
        period: &'a Period,
    ) -> BoxFuture<'a, Result<Option<f64>>>;

    /// The counting statement behind the value, when it is one (reports batch such statements).
    fn as_count(&self) -> Option<&Count> {
        None
    }

    /// The records the value counts (drill-down), a page of them; None when the indicator has no records of
    /// its own (a rate: see its numerator and denominator).
    /// Whether [`Indicator::records`] lists the records counted (pages link only those values).
    fn drillable(&self) -> bool {
        false
    }

    fn records<'a>(
        &'a self,
        _db: &'a Db,
        _at: &'a Where,
        _period: &'a Period,
        _page: (i64, i64),
    ) -> BoxFuture<'a, Result<Option<Vec<Record>>>> {
        Box::pin(async { Ok(None) })
    }
}

/// A record an indicator counts, as a drill-down lists it: its number or name, a detail, and its page.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Record {
    /// The record's id (kept by a finalised report, not sent).
    #[serde(skip)]
    pub id: i64,
    /// case, hazard, person, household, patrol_log, visit, rental, node
    pub kind: &'static str,
    /// 案件编号, 隐患编号, a person's name, a 户号 …
    pub label: String,
    pub detail: String,
    /// The record's page.
    pub link: String,
}

/// How the records behind a `SELECT COUNT…` are listed: for the counted expression and the table alias, the
/// kind of record and its columns (an id for the link, a label, a detail).
fn projection(counted: &str, alias: &str) -> Option<(&'static str, String)> {
    let a = alias;
    let p = |kind, cols: String| Some((kind, cols));
    match (counted, alias) {
        ("COUNT(*)", "c") => p("case", format!("{a}.id, {a}.number, {a}.title")),
        ("COUNT(*)", "m") => p(
            "case",
            format!("{a}.case_id, (SELECT x.number FROM cases x WHERE x.id = {a}.case_id), {a}.result")),
        ("COUNT(*)", "h") => p("hazard", format!("{a}.id, {a}.number, {a}.title")),
        ("COUNT(*)", "l") => p("patrol_log", format!("{a}.id, {a}.started_at, {a}.patrollers")),
        ("COUNT(*)", "f") => p("patrol_log", format!("{a}.log_id, {a}.description, {a}.created_at")),
        ("COUNT(*)", "v") => p(
            "household",
            format!("{a}.household_id, (SELECT x.number FROM households x WHERE x.id = {a}.household_id), {a}.visited_on")),
        ("COUNT(DISTINCT v.household_id)", "v") => p(
            "household",
            "DISTINCT v.household_id, (SELECT x.number FROM households x WHERE x.id = v.household_id), (SELECT x.address FROM households x WHERE x.id = v.household_id)".into()),
        ("COUNT(*)", "r") => p(
            "person",
            format!("{a}.person_id, (SELECT x.name FROM persons x WHERE x.id = {a}.person_id), (SELECT h.number FROM persons x JOIN households h ON h.id = x.household_id WHERE x.id = {a}.person_id)")),
        ("COUNT(DISTINCT p.household_id)", "r") => p(
            "household",
            "DISTINCT p.household_id, (SELECT x.number FROM households x WHERE x.id = p.household_id), (SELECT x.address FROM households x WHERE x.id = p.household_id)".into()),
        ("COUNT(*)", "hh") => p("household", format!("{a}.id, {a}.number, {a}.address")),
        ("COUNT(*)", "x") => p("rental", format!("{a}.dwelling_id, {a}.landlord_name, COALESCE({a}.agreement_signed, '')")),
        ("COUNT(*)", "n") => p("node", format!("{a}.id, {a}.name, {a}.kind")),
        ("COUNT(*)", "mt") => p("meeting", format!("{a}.id, {a}.title, {a}.held_on")),
        ("COUNT(*)", "vt") => p("vote", format!("{a}.id, {a}.number, {a}.title")),
        // Services (issue 18).
        ("COUNT(*)", "a") => p("activity", format!("{a}.id, {a}.title, {a}.starts_on")),
        ("COUNT(*)", "vr") => p(
            "volunteer_team",
            format!("{a}.team_id, (SELECT x.name FROM volunteer_members x WHERE x.id = {a}.member_id), {a}.served_on || ' ' || {a}.what")),
        ("COUNT(*)", "t") => p("volunteer_team", format!("{a}.id, {a}.name, {a}.service")),
        ("COUNT(*)", "pm") => p(
            "person",
            format!("{a}.person_id, (SELECT x.name FROM persons x WHERE x.id = {a}.person_id), {a}.category")),
        ("COUNT(*)", "o") => p("party_org", format!("{a}.id, {a}.name, {a}.kind")),
        ("COUNT(*)", "g") => p("party_org", format!("{a}.org_id, {a}.held_on || ' ' || {a}.kind, {a}.topic")),
        ("COUNT(*)", "u") => p("unit", format!("{a}.id, {a}.name, {a}.category")),
        ("COUNT(*)", "ag") => p("agreement", format!("{a}.id, {a}.title, {a}.party_b")),
        _ => None,
    }
}

/// The table each projection of [`projection`] reads (its alias in the counting statement).
fn projected_table(alias: &str) -> Option<&'static str> {
    Some(match alias {
        "c" => "cases",
        "m" => "mediations",
        "h" => "hazards",
        "l" => "patrol_logs",
        "f" => "patrol_findings",
        "v" => "visits",
        "r" => "residence_periods",
        "hh" => "households",
        "x" => "rentals",
        "n" => "nodes",
        "mt" => "meetings",
        "vt" => "votes",
        "a" => "activities",
        "vr" => "volunteer_records",
        "t" => "volunteer_teams",
        "pm" => "party_members",
        "o" => "party_orgs",
        "g" => "party_meetings",
        "u" => "service_units",
        "ag" => "agreements",
        _ => return None,
    })
}

/// The drill-down statement of a counting statement: the same FROM and WHERE, the record columns instead of
/// the count, a page of them.
pub fn drill_sql(sql: &str, alias: &str) -> Option<(&'static str, String)> {
    let rest = sql.strip_prefix("SELECT ")?;
    let at = rest.find(" FROM ")?;
    let (kind, cols) = projection(&rest[..at], alias)?;
    // Aliases are short and domains reuse them: the projection applies only to the table it was written for.
    let table = projected_table(alias)?;
    if !rest[at + " FROM ".len()..].starts_with(&format!("{table} {alias} ")) {
        return None;
    }
    Some((
        kind,
        format!(
            "SELECT {cols} {} ORDER BY 1 LIMIT {{limit}} OFFSET {{offset}}",
            &rest[at + 1..]
        ),
    ))
}

pub(crate) fn link_of(kind: &str) -> &'static str {
    match kind {
        "case" => "/cases/",
        "hazard" => "/hazards/",
        "patrol_log" => "/patrols/logs/",
        "household" => "/households/",
        "person" => "/persons/",
        "rental" => "/rentals?dwelling=",
        "meeting" => "/governance/meetings/",
        "vote" => "/governance/votes/",
        "activity" => "/activities/",
        "volunteer_team" => "/volunteers/",
        "party_org" => "/party/orgs/",
        "unit" => "/units?id=",
        "agreement" => "/agreements?id=",
        _ => "/registry/nodes/",
    }
}

/// How a counting query binds the period.
#[derive(Clone, Copy, Debug)]
pub enum Binds {
    /// `$1`, `$2`: UTC timestamps [from, to) for `*_at` columns.
    Timestamps,
    /// `$1`, `$2`: the first and last date, for date columns.
    Dates,
    /// `$1`, `$2`: Beijing-time timestamps [from 00:00, to+1 00:00) for columns stored as local time
    /// (patrol logs record the time as the patroller entered it).
    LocalTimestamps,
    /// `$1`: the last date (a state as of the period's end).
    AsOf,
}

impl Binds {
    /// Binds a period on a query as this variant says.
    pub(crate) fn bind<'q>(
        self,
        q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
        period: &Period,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        match self {
            Binds::Timestamps => {
                let (f, t) = period.utc_bounds();
                q.bind(f).bind(t)
            }
            Binds::Dates => q.bind(period.from.to_string()).bind(period.to.to_string()),
            Binds::LocalTimestamps => q
                .bind(format!("{} 00:00:00", period.from))
                .bind(format!("{} 00:00:00", period.to + Duration::days(1))),
            Binds::AsOf => q.bind(period.to.min(crate::db::today()).to_string()),
        }
    }
}

/// An indicator that is one `SELECT COUNT…` (or SUM) statement: `{scope}` in the SQL is replaced by the
/// place's condition on `alias`; the period is bound as [`Binds`] says.
pub struct Count {
    pub def: Def,
    pub alias: &'static str,
    pub sql: &'static str,
    pub binds: Binds,
}

impl Count {
    /// The indicator of one counting statement, boxed for a plugin's list.
    pub fn boxed(
        def: Def,
        alias: &'static str,
        sql: &'static str,
        binds: Binds,
    ) -> Box<dyn Indicator> {
        Box::new(Count {
            def,
            alias,
            sql,
            binds,
        })
    }
}

impl Rate {
    /// The rate of a definition made with [`Def::rate`], boxed for a plugin's list.
    pub fn boxed(def: Def) -> Box<dyn Indicator> {
        Box::new(Rate { def })
    }
}

impl Indicator for Count {
    fn def(&self) -> &Def {
        &self.def
    }

    fn drillable(&self) -> bool {
        drill_sql(self.sql, self.alias).is_some()
    }

    fn as_count(&self) -> Option<&Count> {
        Some(self)
    }

    fn value<'a>(
        &'a self,
        db: &'a Db,
        at: &'a Where,
        period: &'a Period,
    ) -> BoxFuture<'a, Result<Option<f64>>> {
        Box::pin(async move {
            let sql = self.sql.replace("{scope}", &at.sql(self.alias));
            let q = self.binds.bind(sqlx::query(&sql), period);
            let row = q.fetch_one(&db.pool).await?;
            let v: Option<i64> = row.try_get(0).ok().flatten();
            Ok(Some(v.unwrap_or(0) as f64))
        })
    }

    fn records<'a>(
        &'a self,
        db: &'a Db,
        at: &'a Where,
        period: &'a Period,
        (limit, offset): (i64, i64),
    ) -> BoxFuture<'a, Result<Option<Vec<Record>>>> {
        Box::pin(async move {
            let Some((kind, sql)) = drill_sql(self.sql, self.alias) else {
                return Ok(None);
            };
            let sql = sql
                .replace("{scope}", &at.sql(self.alias))
                .replace("{limit}", &limit.clamp(1, 100_000).to_string())
                .replace("{offset}", &offset.max(0).to_string());
            let rows = self
                .binds
                .bind(sqlx::query(&sql), period)
                .fetch_all(&db.pool)
                .await?;
            let text = cell_text;
            Ok(Some(
                rows.iter()
                    .map(|r| {
                        let id: i64 = r.try_get(0).unwrap_or_default();
                        let (label, detail) = (text(r, 1), text(r, 2));
                        Record {
                            id,
                            kind,
                            label,
                            detail,
                            link: format!("{}{id}", link_of(kind)),
                        }
                    })
                    .collect(),
            ))
        })
    }
}

/// A rate in percent: numerator ÷ denominator × 100; no value when the denominator is 0.
pub struct Rate {
    pub def: Def,
}

impl Indicator for Rate {
    fn def(&self) -> &Def {
        &self.def
    }

    fn value<'a>(
        &'a self,
        db: &'a Db,
        at: &'a Where,
        period: &'a Period,
    ) -> BoxFuture<'a, Result<Option<f64>>> {
        Box::pin(async move {
            let (Some(n), Some(d)) = (self.def.numerator, self.def.denominator) else {
                return Ok(None);
            };
            let c = catalog();
            let n = c.indicator(n)?.value(db, at, period).await?;
            let d = c.indicator(d)?.value(db, at, period).await?;
            Ok(match (n, d) {
                (Some(n), Some(d)) if d > 0.0 => Some((n / d * 1000.0).round() / 10.0),
                _ => None,
            })
        })
    }
}

/// A column of a ledger.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Column {
    pub header: &'static str,
    /// The column adds up in the totals row.
    pub total: bool,
    /// The column holds a stored UTC timestamp, shown in Beijing time.
    pub utc_time: bool,
    pub width: f64,
    /// "id_number" or "phone": personal data, masked in every ledger page and export ("" otherwise).
    pub personal: &'static str,
}

impl Column {
    pub const fn text(header: &'static str, width: f64) -> Column {
        Column {
            header,
            total: false,
            utc_time: false,
            width,
            personal: "",
        }
    }
    /// An ID number column, masked.
    pub const fn id_number(header: &'static str) -> Column {
        Column {
            header,
            total: false,
            utc_time: false,
            width: 20.0,
            personal: "id_number",
        }
    }
    /// A phone column, masked.
    pub const fn phone(header: &'static str) -> Column {
        Column {
            header,
            total: false,
            utc_time: false,
            width: 14.0,
            personal: "phone",
        }
    }
    pub const fn time(header: &'static str) -> Column {
        Column {
            header,
            total: false,
            utc_time: true,
            width: 16.0,
            personal: "",
        }
    }
    pub const fn number(header: &'static str) -> Column {
        Column {
            header,
            total: true,
            utc_time: false,
            width: 10.0,
            personal: "",
        }
    }
}

impl Column {
    /// A stored cell as the ledger shows it: personal data masked, UTC timestamps in Beijing time.
    pub fn shown(&self, text: String) -> String {
        match self.personal {
            "id_number" if !text.is_empty() => {
                crate::privacy::mask(crate::privacy::Kind::IdNumber, &text)
            }
            "phone" if !text.is_empty() => crate::privacy::mask(crate::privacy::Kind::Phone, &text),
            _ if self.utc_time => beijing_time(&text),
            _ => text,
        }
    }
}

/// A selected column read as text (integers written out, NULL as "").
pub fn cell_text(r: &sqlx::any::AnyRow, i: usize) -> String {
    r.try_get::<Option<String>, _>(i)
        .map(|v| v.unwrap_or_default())
        .or_else(|_| {
            r.try_get::<Option<i64>, _>(i)
                .map(|v| v.map(|n| n.to_string()).unwrap_or_default())
        })
        .unwrap_or_default()
}

/// A stored UTC timestamp ("2025-01-01 02:00:00") as Beijing time ("2025-01-01 10:00"); other text as it is.
pub fn beijing_time(utc: &str) -> String {
    match chrono::NaiveDateTime::parse_from_str(utc, "%Y-%m-%d %H:%M:%S") {
        Ok(t) => (t + Duration::hours(8))
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        Err(_) => utc.to_string(),
    }
}

/// A ledger (台账) a domain contributes.
pub trait Ledger: Send + Sync {
    fn code(&self) -> &'static str;
    fn title(&self) -> &'static str;
    fn domain(&self) -> &'static str;
    /// 月报 / 季报 / 年报 / 随时
    fn due(&self) -> &'static str;
    fn columns(&self) -> &'static [Column];
    /// The rows in a place and a period (text cells, at most `limit`).
    fn rows<'a>(
        &'a self,
        db: &'a Db,
        at: &'a Where,
        period: &'a Period,
        limit: i64,
    ) -> BoxFuture<'a, Result<Vec<Vec<String>>>>;
}

/// A ledger that is one SELECT: `{scope}` replaced as for [`Count`], the period bound as [`Binds`] says,
/// `{limit}` replaced by the row limit (an integer); every selected column is read as text (NULL as "").
pub struct SqlLedger {
    pub code: &'static str,
    pub title: &'static str,
    pub domain: &'static str,
    pub due: &'static str,
    pub columns: &'static [Column],
    pub alias: &'static str,
    pub sql: &'static str,
    pub binds: Binds,
}

impl Ledger for SqlLedger {
    fn code(&self) -> &'static str {
        self.code
    }
    fn title(&self) -> &'static str {
        self.title
    }
    fn domain(&self) -> &'static str {
        self.domain
    }
    fn due(&self) -> &'static str {
        self.due
    }
    fn columns(&self) -> &'static [Column] {
        self.columns
    }

    fn rows<'a>(
        &'a self,
        db: &'a Db,
        at: &'a Where,
        period: &'a Period,
        limit: i64,
    ) -> BoxFuture<'a, Result<Vec<Vec<String>>>> {
        Box::pin(async move {
            let sql = self
                .sql
                .replace("{scope}", &at.sql(self.alias))
                .replace("{limit}", &limit.clamp(1, 1_000_000).to_string());
            let q = self.binds.bind(sqlx::query(&sql), period);
            let rows = q.fetch_all(&db.pool).await?;
            Ok(rows
                .iter()
                .map(|r| {
                    self.columns
                        .iter()
                        .enumerate()
                        .map(|(i, col)| col.shown(cell_text(r, i)))
                        .collect()
                })
                .collect())
        })
    }
}

/// Every indicator and ledger of every domain.
pub struct Catalog {
    pub indicators: Vec<Box<dyn Indicator>>,
    pub ledgers: Vec<Box<dyn Ledger>>,
}

impl Catalog {
    pub fn indicator(&self, code: &str) -> Result<&dyn Indicator> {
        self.indicators
            .iter()
            .find(|i| i.def().code == code)
            .map(|b| b.as_ref())
            .ok_or(Error::NotFound)
    }

    pub fn ledger(&self, code: &str) -> Result<&dyn Ledger> {
        self.ledgers
            .iter()
            .find(|l| l.code() == code)
            .map(|b| b.as_ref())
            .ok_or(Error::NotFound)
    }

    /// One indicator's value in a place and a period, with its parts.
    pub async fn value(
        &self,
        db: &Db,
        at: &Where,
        code: &str,
        period: &Period,
    ) -> Result<IndicatorValue> {
        let i = self.indicator(code)?;
        let d = i.def();
        let part = |c: Option<&'static str>| async move {
            match c {
                Some(c) => self.indicator(c)?.value(db, at, period).await,
                None => Ok(None),
            }
        };
        Ok(IndicatorValue {
            code: d.code,
            name: d.name,
            unit: d.unit,
            value: i.value(db, at, period).await?,
            numerator: part(d.numerator).await?,
            denominator: part(d.denominator).await?,
            period: period.clone(),
            scope: at.name.clone(),
        })
    }
}

/// The catalogue, built once from the domains' plug-ins.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let mut c = Catalog {
            indicators: Vec::new(),
            ledgers: Vec::new(),
        };
        for plugin in [
            crate::registry::plugin::plugin,
            crate::cases::plugin::plugin,
            crate::governance::plugin::plugin,
            crate::surveys::plugin::plugin,
            crate::standards::plugin::plugin,
            crate::services::plugin::plugin,
            crate::welfare::plugin::plugin,
            crate::devices::plugin::plugin,
            crate::admission::plugin::plugin,
            crate::selections::plugin::plugin,
        ] {
            let (i, l) = plugin();
            c.indicators.extend(i);
            c.ledgers.extend(l);
        }
        c
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse_as_offices_name_them() {
        let q = Period::parse("2025-Q1").unwrap();
        assert_eq!(
            (q.from, q.to, q.label.as_str()),
            (ymd(2025, 1, 1), ymd(2025, 3, 31), "2025年第一季度")
        );
        assert_eq!(Period::parse("2024-02").unwrap().to, ymd(2024, 2, 29));
        assert_eq!(Period::parse("2025-H2").unwrap().from, ymd(2025, 7, 1));
        assert!(Period::parse("2025-Q5").is_err());
        let p = Period::year(2025);
        assert_eq!(
            p.utc_bounds(),
            ("2024-12-31 16:00:00".into(), "2025-12-31 16:00:00".into())
        );
        assert_eq!(p.year_before().from, ymd(2024, 1, 1));
    }

    #[test]
    fn codes_are_unique_and_rates_name_known_parts() {
        let c = catalog();
        let mut codes: Vec<&str> = c.indicators.iter().map(|i| i.def().code).collect();
        codes.sort();
        let n = codes.len();
        codes.dedup();
        assert_eq!(codes.len(), n, "duplicate indicator codes");
        for i in &c.indicators {
            for part in [i.def().numerator, i.def().denominator]
                .into_iter()
                .flatten()
            {
                assert!(
                    c.indicator(part).is_ok(),
                    "{} names unknown {part}",
                    i.def().code
                );
            }
        }
        assert!(c.ledgers.len() >= 3);
    }
}
