//! The loop's transitions. Each is one transaction: ask the transition table ([`super::flow::CASE_FLOW`],
//! on the workflow engine) and check the case's own rules, move the case (only if it is still in the state
//! that was checked), append the trail and the audit entry. A transition that the state does not allow is
//! refused with a Chinese message (422).

use chrono::NaiveDateTime;
use serde::Deserialize;
use serde_json::json;

use super::categories;
use super::deadlines::{stage_limit, stage_times};
use super::flow::CASE_FLOW;
use super::intake::{event, non_empty};
use super::queries::{self, Case};
use super::{fmt_ts, now_utc, require_worker, text, State, RATINGS};
use crate::accounts::{users, Actor, Role};
use crate::audit;
use crate::db::{Db, Tx};
use crate::error::{Error, Result};
use crate::registry::nodes;

/// Where a case is dispatched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// A worker (to_user_id).
    User,
    /// The community office of the case's community.
    Community,
    /// The street office.
    Street,
    /// An outside department named in to_name (派出所, 城管, 物业 …).
    Department,
}

/// One step of the loop.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// 立案. The first worker who accepts becomes the owner (首问负责).
    Accept {
        #[serde(default)]
        note: String,
    },
    /// 不予立案, with a reason.
    Reject {
        #[serde(default)]
        reason: String,
    },
    /// 派遣 to a worker, the community office, the street or an outside department.
    Dispatch {
        to: Target,
        #[serde(default)]
        to_user_id: Option<i64>,
        #[serde(default)]
        to_name: String,
        #[serde(default)]
        note: String,
    },
    /// 移交: an explicit change of owner.
    Handover {
        to_user_id: i64,
        #[serde(default)]
        note: String,
    },
    /// 处置: a handling note (the writer becomes the handler).
    Handle {
        #[serde(default)]
        note: String,
    },
    /// 核查 by someone other than the handler; `passed: false` sends it back to 处置.
    Verify {
        #[serde(default = "yes")]
        passed: bool,
        #[serde(default)]
        note: String,
    },
    /// 结案.
    Close {
        #[serde(default)]
        note: String,
    },
    /// 评价: 满意 / 基本满意 / 不满意 (不满意 reopens the case to 处置).
    Rate {
        #[serde(default)]
        rating: String,
        #[serde(default)]
        comment: String,
    },
}

fn yes() -> bool {
    true
}

impl Action {
    /// The step of the transition table this action takes.
    fn step_code(&self) -> &'static str {
        match self {
            Action::Accept { .. } => "accept",
            Action::Reject { .. } => "reject",
            Action::Dispatch { .. } => "dispatch",
            Action::Handover { .. } => "handover",
            Action::Handle { .. } => "handle",
            Action::Verify { passed: true, .. } => "verify",
            Action::Verify { passed: false, .. } => "verify_failed",
            Action::Close { .. } => "close",
            Action::Rate { rating, .. } if rating.trim() == "不满意" => "reopen",
            Action::Rate { .. } => "rate",
        }
    }
}

/// Applies an action now.
pub async fn apply(db: &Db, actor: &Actor, id: i64, action: &Action) -> Result<Case> {
    apply_at(db, actor, id, action, now_utc()).await
}

/// Applies an action at a given time (tests and imports).
pub async fn apply_at(
    db: &Db,
    actor: &Actor,
    id: i64,
    action: &Action,
    now: NaiveDateTime,
) -> Result<Case> {
    let case = queries::get(db, actor, id).await?;
    // A resident rates their own case on the portal (which checked it is theirs); every other step is a
    // worker's.
    if !(actor.role == Role::Resident && matches!(action, Action::Rate { .. })) {
        require_worker(actor)?;
    }
    let from = case.state();
    let (step, _) = CASE_FLOW.check(action.step_code(), from, actor.role)?;
    let category = categories::get(db, case.category_id).await?;
    let at = fmt_ts(now);
    let before = json!({"state": case.state, "owner_id": case.owner_id, "assignee_kind": case.assignee_kind,
        "assignee_user_id": case.assignee_user_id, "assignee_name": case.assignee_name, "handler_id": case.handler_id});

    // Check the rule and decide the new state, the extra columns and the trail entry.
    let mut sets: Vec<(&'static str, Val)> = vec![];
    let (kind, to, to_user, to_name, note): (&str, State, Option<i64>, Option<String>, String) =
        match action {
            Action::Accept { note } => {
                if case.owner_id.is_none() {
                    sets.push(("owner_id", Val::I(Some(actor.user_id))));
                }
                sets.push(("accepted_at", Val::S(Some(at.clone()))));
                (
                    "accept",
                    State::Accepted,
                    None,
                    None,
                    text("备注", note, 1000)?,
                )
            }
            Action::Reject { reason } => {
                let reason = text("不予立案理由", reason, 1000)?;
                CASE_FLOW.check_reason(step, &reason)?;
                ("reject", State::Rejected, None, None, reason)
            }
            Action::Dispatch {
                to,
                to_user_id,
                to_name,
                note,
            } => {
                let note = text("备注", note, 1000)?;
                let (uid, name) = match to {
                    Target::User => {
                        let uid =
                            to_user_id.ok_or_else(|| Error::invalid("派遣对象", "请选择承办人"))?;
                        let name = worker_for(db, &case, uid, "派遣对象").await?;
                        (Some(uid), name)
                    }
                    Target::Community => (None, node_name(db, case.community_id).await? + "居委会"),
                    Target::Street => (None, node_name(db, case.street_id).await? + "办事处"),
                    Target::Department => {
                        let name = text("派遣对象", to_name, 50)?;
                        if name.is_empty() {
                            return Err(Error::invalid(
                                "派遣对象",
                                "请填写承办部门,如派出所、城管、物业",
                            ));
                        }
                        (None, name)
                    }
                };
                let kind_code = match to {
                    Target::User => "user",
                    Target::Community => "community",
                    Target::Street => "street",
                    Target::Department => "department",
                };
                sets.push(("assignee_kind", Val::S(Some(kind_code.into()))));
                sets.push(("assignee_user_id", Val::I(uid)));
                sets.push(("assignee_name", Val::S(Some(name.clone()))));
                let note = match &case.assignee_name {
                    Some(prev) if !prev.is_empty() => format!("由{prev}改派至{name}。{note}")
                        .trim_end_matches('。')
                        .to_string(),
                    _ => note,
                };
                ("dispatch", State::Dispatched, uid, Some(name), note)
            }
            Action::Handover { to_user_id, note } => {
                let may = case.owner_id.is_none()
                    || case.owner_id == Some(actor.user_id)
                    || matches!(actor.role, Role::StreetAdmin | Role::CommunityHead);
                if !may {
                    return Err(Error::Forbidden(
                        "只有案件负责人或社区书记、街道管理员可以移交案件".into(),
                    ));
                }
                if case.owner_id == Some(*to_user_id) {
                    return Err(Error::invalid("接收人", "接收人已是案件负责人"));
                }
                let name = worker_for(db, &case, *to_user_id, "接收人").await?;
                sets.push(("owner_id", Val::I(Some(*to_user_id))));
                let prev = case.owner_name.clone().unwrap_or_else(|| "无".into());
                let note = text("移交说明", note, 1000)?;
                let note = format!("负责人由{prev}移交给{name}。{note}")
                    .trim_end_matches('。')
                    .to_string();
                ("handover", from, Some(*to_user_id), Some(name), note)
            }
            Action::Handle { note } => {
                let note = text("处置情况", note, 5000)?;
                CASE_FLOW.check_reason(step, &note)?;
                sets.push(("handler_id", Val::I(Some(actor.user_id))));
                ("handle", State::Handling, None, None, note)
            }
            Action::Verify { passed, note } => {
                if case.handler_id == Some(actor.user_id) {
                    return Err(Error::invalid(
                        "核查人",
                        "核查须由处置人以外的人员进行,不能核查自己处置的案件",
                    ));
                }
                let note = text("核查意见", note, 2000)?;
                if *passed {
                    ("verify", State::Verified, None, None, note)
                } else {
                    CASE_FLOW.check_reason(step, &note)?;
                    ("verify_failed", State::Handling, None, None, note)
                }
            }
            Action::Close { note } => {
                sets.push(("closed_at", Val::S(Some(at.clone()))));
                (
                    "close",
                    State::Closed,
                    None,
                    None,
                    text("结案说明", note, 2000)?,
                )
            }
            Action::Rate { rating, comment } => {
                let rating = rating.trim();
                if !RATINGS.contains(&rating) {
                    return Err(Error::invalid("评价", "评价应为满意、基本满意或不满意"));
                }
                let comment = text("评价意见", comment, 1000)?;
                sets.push(("rating", Val::S(Some(rating.to_string()))));
                sets.push(("rating_comment", Val::S(non_empty(&comment))));
                sets.push(("rated_at", Val::S(Some(at.clone()))));
                let note = if comment.is_empty() {
                    rating.to_string()
                } else {
                    format!("{rating}:{comment}")
                };
                if rating == "不满意" {
                    sets.push(("closed_at", Val::S(None)));
                    ("reopen", State::Handling, None, None, note)
                } else {
                    ("rate", State::Rated, None, None, note)
                }
            }
        };

    // A new stage restarts the stage clock and clears the deadline marks (the overall due time stays).
    debug_assert_eq!(kind, step.code);
    let new_stage =
        CASE_FLOW.enters_new_stage(from, to) || kind == "verify_failed" || kind == "reopen";
    if new_stage {
        let calendar = crate::calendar::store::load(db).await?;
        let (warn, due) = match stage_limit(&category, to) {
            Some(limit) => {
                let (w, d) = stage_times(now, limit, &calendar);
                (Some(w), Some(d))
            }
            None => (None, None),
        };
        sets.push(("stage_started_at", Val::S(Some(at.clone()))));
        sets.push(("stage_warn_at", Val::S(warn)));
        sets.push(("stage_due_at", Val::S(due)));
        sets.push(("deadline_status", Val::S(Some("ok".into()))));
        sets.push(("escalated", Val::I(Some(0))));
    }

    let mut tx = db.begin().await?;
    update(&mut tx, id, from, to, &at, &sets).await?;
    event(
        &mut tx,
        actor,
        id,
        kind,
        Some(from),
        Some(to),
        to_user,
        to_name.as_deref(),
        Some(&note),
        &at,
    )
    .await?;
    let after = queries::get_tx(&mut tx, actor, id).await?;
    let after_json = json!({"state": after.state, "owner_id": after.owner_id, "assignee_kind": after.assignee_kind,
        "assignee_user_id": after.assignee_user_id, "assignee_name": after.assignee_name,
        "handler_id": after.handler_id, "note": note});
    audit::record(
        &mut *tx,
        actor,
        &format!("case_{kind}"),
        "case",
        Some(id),
        Some(&before),
        Some(&after_json),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

enum Val {
    I(Option<i64>),
    S(Option<String>),
}

/// Moves the case only if it is still in the state that was checked.
async fn update(
    tx: &mut Tx<'_>,
    id: i64,
    from: State,
    to: State,
    at: &str,
    sets: &[(&'static str, Val)],
) -> Result<()> {
    let mut sql = "UPDATE cases SET state = $1, updated_at = $2".to_string();
    for (i, (col, _)) in sets.iter().enumerate() {
        sql.push_str(&format!(", {col} = ${}", i + 3));
    }
    let n = sets.len();
    sql.push_str(&format!(" WHERE id = ${} AND state = ${}", n + 3, n + 4));
    let mut q = sqlx::query(&sql).bind(to.code()).bind(at.to_string());
    for (_, v) in sets {
        q = match v {
            Val::I(i) => q.bind(*i),
            Val::S(s) => q.bind(s.clone()),
        };
    }
    let done = q
        .bind(id)
        .bind(from.code())
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if done == 0 {
        return Err(Error::conflict("状态", "案件状态已被他人更改,请刷新后重试"));
    }
    Ok(())
}

/// The display name of a worker who may take the case (an active account whose scope contains it).
async fn worker_for(db: &Db, case: &Case, user_id: i64, field: &str) -> Result<String> {
    let bad = || Error::invalid(field, "该人员不存在或不能办理本案件");
    let who = users::actor(db, user_id).await.map_err(|_| bad())?;
    if !who.role.can_write_registry()
        || !who.scope.contains(
            Some(case.street_id),
            Some(case.community_id),
            Some(case.grid_id),
            case.building_id,
        )
    {
        return Err(bad());
    }
    Ok(who.display_name)
}

async fn node_name(db: &Db, id: i64) -> Result<String> {
    Ok(nodes::get(db, &Actor::system(), id).await?.name)
}
