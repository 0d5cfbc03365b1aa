//! The application flow on the workflow engine: 申请 → 入户核查 → 民主评议 (optional) → 审核 → 公示 → 审批
//! (the grant starts: 发放 and 定期复核 follow on the grant). 不予批准 and 撤回 keep their reason and count as
//! 拒绝不合要求申报. Approval is further blocked while the notice runs or an objection is open
//! ([`super::applications::step`]).

use serde::Serialize;

use crate::accounts::Role;
use crate::workflow::{Flow, FlowState, Reason, Stage, Step, Who};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Applied,
    Investigated,
    Deliberated,
    Audited,
    Notice,
    Approved,
    Refused,
    Withdrawn,
}

impl State {
    pub const ALL: [State; 8] = [
        State::Applied,
        State::Investigated,
        State::Deliberated,
        State::Audited,
        State::Notice,
        State::Approved,
        State::Refused,
        State::Withdrawn,
    ];

    pub fn code(self) -> &'static str {
        match self {
            State::Applied => "applied",
            State::Investigated => "investigated",
            State::Deliberated => "deliberated",
            State::Audited => "audited",
            State::Notice => "notice",
            State::Approved => "approved",
            State::Refused => "refused",
            State::Withdrawn => "withdrawn",
        }
    }

    pub fn from_code(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|x| x.code() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            State::Applied => "已申请",
            State::Investigated => "已入户核查",
            State::Deliberated => "已民主评议",
            State::Audited => "已审核",
            State::Notice => "公示中",
            State::Approved => "已审批",
            State::Refused => "不予批准",
            State::Withdrawn => "已撤回",
        }
    }

    pub fn is_open(self) -> bool {
        !matches!(self, State::Approved | State::Refused | State::Withdrawn)
    }

    /// The open states as an SQL list.
    pub const OPEN_SQL: &'static str =
        "('applied','investigated','deliberated','audited','notice')";
}

impl FlowState for State {
    fn code(self) -> &'static str {
        State::code(self)
    }
    fn label_zh(self) -> &'static str {
        State::label_zh(self)
    }
}

use State::*;

const OPEN: &[State] = &[Applied, Investigated, Deliberated, Audited, Notice];
/// Those who see welfare records and work them in the community.
const CASEWORK: Who = Who::Roles(&[Role::StreetAdmin, Role::CommunityHead, Role::SocialWorker]);
const HEADS: Who = Who::Roles(&[Role::StreetAdmin, Role::CommunityHead]);

pub const APPLICATION_FLOW: Flow<State> = Flow {
    subject: "救助申请",
    steps: &[
        Step {
            code: "investigate",
            label: "入户核查",
            from: &[Applied],
            to: Some(Investigated),
            who: CASEWORK,
            reason: Reason::Required {
                field: "核查情况",
                message: "请填写入户核查情况",
            },
        },
        Step {
            code: "deliberate",
            label: "民主评议",
            from: &[Investigated],
            to: Some(Deliberated),
            who: CASEWORK,
            reason: Reason::Required {
                field: "评议情况",
                message: "请填写民主评议情况(参会人数、表决结果)",
            },
        },
        Step {
            code: "audit",
            label: "审核",
            from: &[Investigated, Deliberated],
            to: Some(Audited),
            who: HEADS,
            reason: Reason::Optional,
        },
        Step {
            code: "publish",
            label: "公示",
            from: &[Audited],
            to: Some(Notice),
            who: HEADS,
            reason: Reason::Optional,
        },
        Step {
            code: "approve",
            label: "审批",
            from: &[Notice],
            to: Some(Approved),
            who: Who::Roles(&[Role::StreetAdmin]),
            reason: Reason::Optional,
        },
        Step {
            code: "refuse",
            label: "不予批准",
            from: OPEN,
            to: Some(Refused),
            who: HEADS,
            reason: Reason::Required {
                field: "不予批准理由",
                message: "不予批准必须填写理由",
            },
        },
        Step {
            code: "withdraw",
            label: "撤回",
            from: OPEN,
            to: Some(Withdrawn),
            who: CASEWORK,
            reason: Reason::Required {
                field: "撤回理由",
                message: "撤回申请必须填写理由",
            },
        },
    ],
    stages: &[
        Stage {
            name: "受理核查",
            states: &[Applied, Investigated, Deliberated],
        },
        Stage {
            name: "审核公示",
            states: &[Audited, Notice],
        },
    ],
};
