//! Cases (民情): one closed loop for every request, dispute, hazard, petition and alarm.
//!
//! 上报 (reported) → 立案 (accepted; or 不予立案 rejected, with a reason) → 派遣 (dispatched to a worker, the
//! community office, the street or an outside department) → 处置 (handling notes) → 核查 (verified by someone
//! other than the handler) → 结案 (closed) → 评价 (rated; 不满意 reopens the case to 处置).
//!
//! 首问负责: the first worker who accepts a case owns it until an explicit handover. 限时办结: every category
//! gives each stage a time limit; [`deadlines::scan`] marks cases 即将超期 / 超期 and escalates overdue ones.
//! Like the registry, every function takes the [`Actor`](crate::accounts::Actor) and filters by its scope; a
//! case outside the scope answers NotFound. Nothing here knows HTTP.
//!
//! Around the loop: [`hazards`] (安全隐患, found → reported → rectified, with photos in [`attachments`]).
//! Field work — patrols, home visits, the worker's diary — is its own domain, [`crate::fieldwork`].

pub mod attachments;
pub mod categories;
pub mod counts;
pub mod deadlines;
pub mod flow;
pub mod hazards;
pub mod intake;
pub mod lookup;
pub mod mediation;
pub mod plugin;
pub mod queries;
pub mod retention;
mod row_names;
pub mod stats;
pub mod todo;
pub mod transitions;

use serde::{Deserialize, Serialize};

use crate::accounts::Actor;
use crate::error::{Error, Result};

pub use queries::{Case, CaseEvent, Party};

/// The states of the loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Reported,
    Accepted,
    Rejected,
    Dispatched,
    Handling,
    Verified,
    Closed,
    Rated,
}

impl State {
    pub const ALL: [State; 8] = [
        State::Reported,
        State::Accepted,
        State::Rejected,
        State::Dispatched,
        State::Handling,
        State::Verified,
        State::Closed,
        State::Rated,
    ];

    pub fn code(self) -> &'static str {
        match self {
            State::Reported => "reported",
            State::Accepted => "accepted",
            State::Rejected => "rejected",
            State::Dispatched => "dispatched",
            State::Handling => "handling",
            State::Verified => "verified",
            State::Closed => "closed",
            State::Rated => "rated",
        }
    }

    pub fn from_code(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|k| k.code() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            State::Reported => "上报",
            State::Accepted => "立案",
            State::Rejected => "不予立案",
            State::Dispatched => "派遣",
            State::Handling => "处置",
            State::Verified => "核查",
            State::Closed => "结案",
            State::Rated => "评价",
        }
    }

    /// Still needs work (counts in "my cases" and in the deadline scan).
    pub fn is_open(self) -> bool {
        !matches!(self, State::Rejected | State::Closed | State::Rated)
    }

    /// The SQL list of open state codes, for `state IN (…)`.
    pub fn open_sql() -> &'static str {
        "('reported','accepted','dispatched','handling','verified')"
    }
}

/// Where a case comes from.
pub const SOURCES: [&str; 7] = [
    "来访",
    "电话",
    "居民端",
    "网格巡查",
    "入户走访",
    "设备报警",
    "上级交办",
];

/// The resident's verdict.
pub const RATINGS: [&str; 3] = ["满意", "基本满意", "不满意"];

/// Outside departments a case is commonly handed to.
pub const DEPARTMENTS: [&str; 6] = ["派出所", "城管", "物业", "市场监管", "消防", "住建"];

/// Who may work cases (accept, dispatch, handle, verify, close). Building leaders may only report.
pub(crate) fn require_worker(actor: &Actor) -> Result<()> {
    if actor.role.can_write_registry() {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "您的角色只能上报和查看民情,不能办理".into(),
        ))
    }
}

/// The key a phone gave a record made offline (visits, hazards, patrol logs): letters, digits and '-', up to
/// 64; `None` when the record came without one.
pub(crate) fn client_key(raw: &str) -> Result<Option<&str>> {
    let key = raw.trim();
    if key.is_empty() {
        return Ok(None);
    }
    if key.len() > 64 || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(Error::invalid("离线记录", "离线记录的编号不正确"));
    }
    Ok(Some(key))
}

/// Trims a free-text field and bounds its length.
pub(crate) fn text(field: &str, value: &str, max: usize) -> Result<String> {
    let v = value.trim();
    if v.chars().count() > max {
        return Err(Error::invalid(field, format!("{field}不能超过{max}个字符")));
    }
    Ok(v.to_string())
}

/// Timestamps are stored as UTC text (`2024-05-01 08:30:00`).
pub(crate) fn fmt_ts(t: chrono::NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

pub(crate) fn now_utc() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc()
}
