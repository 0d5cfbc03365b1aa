//! The case loop as a transition table on the workflow engine ([`crate::workflow`]): 上报 → 立案 (or 不予立案,
//! with a reason) → 派遣 → 处置 → 核查 (or back to 处置, with a reason) → 结案 → 评价 (不满意 reopens it to
//! 处置). Its stages carry the category's limits (hours or working days, [`super::deadlines`]).

use super::State;
use crate::workflow::{Flow, FlowState, Reason, Stage, Step, Who};

impl FlowState for State {
    fn code(self) -> &'static str {
        State::code(self)
    }
    fn label_zh(self) -> &'static str {
        State::label_zh(self)
    }
}

use State::*;

/// Who records a resident's rating: a worker on the resident's behalf, or the resident on the portal.
const RATERS: &[crate::accounts::Role] = &[
    crate::accounts::Role::StreetAdmin,
    crate::accounts::Role::CommunityHead,
    crate::accounts::Role::SocialWorker,
    crate::accounts::Role::GridWorker,
    crate::accounts::Role::Resident,
];

/// Every state a case can be handed over in (移交 keeps the state).
const OPEN: &[State] = &[Reported, Accepted, Dispatched, Handling, Verified];

pub const CASE_FLOW: Flow<State> = Flow {
    subject: "案件",
    steps: &[
        Step {
            code: "accept",
            label: "立案",
            from: &[Reported],
            to: Some(Accepted),
            who: Who::Workers,
            reason: Reason::Optional,
        },
        Step {
            code: "reject",
            label: "不予立案",
            from: &[Reported],
            to: Some(Rejected),
            who: Who::Workers,
            reason: Reason::Required {
                field: "不予立案理由",
                message: "不予立案必须填写理由",
            },
        },
        Step {
            code: "dispatch",
            label: "派遣",
            from: &[Accepted, Dispatched, Handling],
            to: Some(Dispatched),
            who: Who::Workers,
            reason: Reason::Optional,
        },
        Step {
            code: "handover",
            label: "移交",
            from: OPEN,
            to: None,
            who: Who::Workers,
            reason: Reason::Optional,
        },
        Step {
            code: "handle",
            label: "处置",
            from: &[Dispatched, Handling],
            to: Some(Handling),
            who: Who::Workers,
            reason: Reason::Required {
                field: "处置情况",
                message: "请填写处置情况",
            },
        },
        Step {
            code: "verify",
            label: "核查",
            from: &[Handling],
            to: Some(Verified),
            who: Who::Workers,
            reason: Reason::Optional,
        },
        Step {
            code: "verify_failed",
            label: "核查",
            from: &[Handling],
            to: Some(Handling),
            who: Who::Workers,
            reason: Reason::Required {
                field: "核查意见",
                message: "核查未通过时请写明原因",
            },
        },
        Step {
            code: "close",
            label: "结案",
            from: &[Verified],
            to: Some(Closed),
            who: Who::Workers,
            reason: Reason::Optional,
        },
        Step {
            code: "rate",
            label: "评价",
            from: &[Closed],
            to: Some(Rated),
            who: Who::Roles(RATERS),
            reason: Reason::Optional,
        },
        Step {
            code: "reopen",
            label: "评价",
            from: &[Closed],
            to: Some(Handling),
            who: Who::Roles(RATERS),
            reason: Reason::Optional,
        },
    ],
    stages: &[
        Stage {
            name: "立案",
            states: &[Reported],
        },
        Stage {
            name: "派遣",
            states: &[Accepted],
        },
        Stage {
            name: "处置",
            states: &[Dispatched, Handling],
        },
        Stage {
            name: "结案",
            states: &[Verified],
        },
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::Role;

    #[test]
    fn every_state_but_the_final_ones_has_a_way_on() {
        for s in State::ALL {
            let steps = CASE_FLOW.available(s, Role::GridWorker);
            assert_eq!(steps.is_empty(), !s.is_open() && s != Closed, "{s:?}");
        }
        assert!(CASE_FLOW
            .available(Reported, Role::BuildingLeader)
            .is_empty());
    }
}
