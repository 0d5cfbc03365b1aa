//! One workflow engine for every record that moves through states: cases (民情) now; welfare applications,
//! proposals, selections and upper-level tasks as they land. A [`Flow`] is a transition table — each
//! [`Step`] names the states it starts from, the state it leads to, who may take it and whether it needs a
//! reason — and its stages with their time limits (hours or working days, [`crate::calendar::Limit`]).
//! A domain keeps its own rules beyond the table (a verifier must not be the handler, say) and its own
//! trail table, and asks the flow before every move: [`Flow::check`] gives the same Chinese refusals for
//! every domain.

use crate::accounts::Role;
use crate::error::{Error, Result};

/// A state of a flow: a stable code and a Chinese label.
pub trait FlowState: Copy + PartialEq + 'static {
    fn code(self) -> &'static str;
    fn label_zh(self) -> &'static str;
}

/// Who may take a step.
#[derive(Clone, Copy, Debug)]
pub enum Who {
    /// Every role that writes records (街道管理员, 社区书记, 社工, 网格员).
    Workers,
    /// Only these roles.
    Roles(&'static [Role]),
}

impl Who {
    pub fn allows(self, role: Role) -> bool {
        match self {
            Who::Workers => role.can_write_registry(),
            Who::Roles(r) => r.contains(&role),
        }
    }
}

/// Whether a step needs a reason (the note written on the trail).
#[derive(Clone, Copy, Debug)]
pub enum Reason {
    Optional,
    /// Required: the field's name and the message when it is missing.
    Required {
        field: &'static str,
        message: &'static str,
    },
}

/// One row of the transition table.
#[derive(Debug)]
pub struct Step<S: 'static> {
    /// The code written on the trail and in the audit log (`accept`, `verify_failed` …).
    pub code: &'static str,
    /// The verb as users say it (立案, 核查 …).
    pub label: &'static str,
    pub from: &'static [S],
    /// The state the step leads to; `None` keeps the record where it is (移交).
    pub to: Option<S>,
    pub who: Who,
    pub reason: Reason,
}

/// A stage: the states it spans (entering another stage restarts the stage clock).
#[derive(Debug)]
pub struct Stage<S: 'static> {
    pub name: &'static str,
    pub states: &'static [S],
}

/// A transition table and its stages.
pub struct Flow<S: 'static> {
    /// What moves (案件, 申请 …), for messages.
    pub subject: &'static str,
    pub steps: &'static [Step<S>],
    pub stages: &'static [Stage<S>],
}

impl<S: FlowState> Flow<S> {
    /// The step with a code. Panics on a code the table lacks: that is a programming error.
    pub fn step(&self, code: &str) -> &Step<S> {
        self.steps
            .iter()
            .find(|s| s.code == code)
            .unwrap_or_else(|| panic!("{}: no step {code}", self.subject))
    }

    /// Checks that a role may take a step from a state, and returns the step and the state it leads to.
    pub fn check(&self, code: &str, from: S, role: Role) -> Result<(&Step<S>, S)> {
        let step = self.step(code);
        if !step.from.contains(&from) {
            return Err(Error::invalid(
                "状态",
                format!(
                    "{}当前为“{}”,不能{}",
                    self.subject,
                    from.label_zh(),
                    step.label
                ),
            ));
        }
        if !step.who.allows(role) {
            return Err(Error::Forbidden(format!(
                "您的角色不能{}{}",
                step.label, self.subject
            )));
        }
        Ok((step, step.to.unwrap_or(from)))
    }

    /// Checks a step's reason: an empty one is refused when the step requires it.
    pub fn check_reason(&self, step: &Step<S>, reason: &str) -> Result<()> {
        match step.reason {
            Reason::Required { field, message } if reason.trim().is_empty() => {
                Err(Error::invalid(field, message))
            }
            _ => Ok(()),
        }
    }

    /// The steps a role may take from a state (the buttons a page shows).
    pub fn available(&self, from: S, role: Role) -> Vec<&Step<S>> {
        self.steps
            .iter()
            .filter(|s| s.from.contains(&from) && s.who.allows(role))
            .collect()
    }

    /// The stage a state belongs to (None: a final state, no clock).
    pub fn stage_of(&self, s: S) -> Option<&Stage<S>> {
        self.stages.iter().find(|st| st.states.contains(&s))
    }

    /// Whether moving from one state to another enters a new stage (and restarts the stage clock).
    pub fn enters_new_stage(&self, from: S, to: S) -> bool {
        match (self.stage_of(from), self.stage_of(to)) {
            (Some(a), Some(b)) => a.name != b.name,
            (None, None) => false,
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, PartialEq, Debug)]
    enum S {
        Draft,
        Review,
        Done,
    }

    impl FlowState for S {
        fn code(self) -> &'static str {
            match self {
                S::Draft => "draft",
                S::Review => "review",
                S::Done => "done",
            }
        }
        fn label_zh(self) -> &'static str {
            match self {
                S::Draft => "草稿",
                S::Review => "审核中",
                S::Done => "已办结",
            }
        }
    }

    const FLOW: Flow<S> = Flow {
        subject: "申请",
        steps: &[
            Step {
                code: "submit",
                label: "提交",
                from: &[S::Draft],
                to: Some(S::Review),
                who: Who::Workers,
                reason: Reason::Optional,
            },
            Step {
                code: "approve",
                label: "审批",
                from: &[S::Review],
                to: Some(S::Done),
                who: Who::Roles(&[Role::StreetAdmin]),
                reason: Reason::Required {
                    field: "审批意见",
                    message: "请填写审批意见",
                },
            },
        ],
        stages: &[
            Stage {
                name: "办理",
                states: &[S::Draft],
            },
            Stage {
                name: "审核",
                states: &[S::Review],
            },
        ],
    };

    #[test]
    fn the_table_decides_states_roles_and_reasons() {
        let (_, to) = FLOW.check("submit", S::Draft, Role::GridWorker).unwrap();
        assert_eq!(to, S::Review);
        let err = FLOW
            .check("approve", S::Draft, Role::StreetAdmin)
            .unwrap_err()
            .to_string();
        assert!(err.contains("申请当前为“草稿”,不能审批"), "{err}");
        assert!(matches!(
            FLOW.check("approve", S::Review, Role::GridWorker),
            Err(Error::Forbidden(_))
        ));
        let (step, _) = FLOW.check("approve", S::Review, Role::StreetAdmin).unwrap();
        assert!(FLOW.check_reason(step, " ").is_err());
        assert_eq!(FLOW.available(S::Review, Role::StreetAdmin).len(), 1);
        assert!(FLOW.enters_new_stage(S::Draft, S::Review));
        assert!(FLOW.enters_new_stage(S::Review, S::Done));
    }
}
