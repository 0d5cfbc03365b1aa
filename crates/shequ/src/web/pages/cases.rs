//! Case pages (民情): my cases / team cases / by grid, the new-case form, the case page with its timeline
//! and the action forms of the loop, the mediation record, and the case dashboard.

use std::fmt::Write;

use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::Datelike;
use minijinja::{context, Value};
use serde::Deserialize;

use crate::cases::intake::{self, NewCase, PartyInput};
use crate::cases::mediation::{self, MediationInput, SessionInput};
use crate::cases::queries::{self, ListQuery, View};
use crate::cases::transitions::{self, Action, Target};
use crate::cases::{categories, stats, State as CaseState, DEPARTMENTS, RATINGS, SOURCES};
use crate::error::Error;
use crate::registry::{nodes, validate};
use crate::web::error::{html_escape, push_escaped, PageError};
use crate::web::session::User;
use crate::web::templates::render;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases", get(list).post(create))
        .route("/cases/new", get(new_form))
        .route("/cases/export.xlsx", get(export))
        .route("/cases/locations", get(locations))
        .route("/cases/dashboard", get(dashboard))
        .route("/cases/{id}", get(show))
        .route("/cases/{id}/action", post(action))
        .route("/cases/{id}/mediation", post(save_mediation))
        .route("/cases/{id}/mediation/sessions", post(add_session))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListParams {
    view: String,
    grid_id: String,
    state: String,
    category_id: String,
    overdue: String,
    page: i64,
    after: String,
    before: String,
}

pub(crate) fn opt_id(s: &str) -> Option<i64> {
    s.trim().parse().ok()
}

/// Grids in the user's scope, for the filters and the new-case form.
pub(crate) async fn grids(
    state: &AppState,
    user: &User,
) -> Result<Vec<minijinja::Value>, PageError> {
    Ok(
        crate::registry::nodes::grids_in_scope(&state.db, &user.actor)
            .await?
            .into_iter()
            .map(|(id, name)| context! { id, name })
            .collect(),
    )
}

/// `<option>`s for a filter, the chosen one selected. Written here rather than looped in the template: the
/// case list shows the scope's grids (132 for a street) on every page, and the template engine's loop over
/// them was a good part of the page's cost.
fn options<'a>(items: impl Iterator<Item = (i64, &'a str)>, chosen: Option<i64>) -> String {
    let mut out = String::with_capacity(4096);
    for (id, name) in items {
        let selected = if chosen == Some(id) { " selected" } else { "" };
        let _ = write!(out, "<option value=\"{id}\"{selected}>");
        push_escaped(&mut out, name);
        out.push_str("</option>");
    }
    out
}

/// The list's filters as the domain query (the page and its export use the same).
fn list_query(p: &ListParams) -> (View, ListQuery) {
    let view = match p.view.as_str() {
        "mine" => View::Mine,
        "escalated" => View::Escalated,
        _ => View::Team,
    };
    let q = ListQuery {
        view: Some(view),
        grid_id: opt_id(&p.grid_id),
        state: Some(p.state.clone()).filter(|s| !s.is_empty()),
        category_id: opt_id(&p.category_id),
        overdue: Some(p.overdue.clone()).filter(|s| !s.is_empty()),
        open: None,
        page: Some(p.page.max(1)),
        per_page: Some(50),
        after: opt_id(&p.after),
        before: opt_id(&p.before),
    };
    (view, q)
}

/// The case list with the page's filters as .xlsx.
async fn export(
    State(state): State<AppState>,
    user: User,
    Query(p): Query<ListParams>,
) -> Result<axum::response::Response, PageError> {
    let (_, mut q) = list_query(&p);
    (q.after, q.before) = (None, None);
    let (bytes, _) = crate::exports::records::cases(&state.db, &user.actor, &q).await?;
    Ok(xlsx_response("cases", bytes))
}

/// An .xlsx download named after the list and today's date.
pub(crate) fn xlsx_response(name: &str, bytes: Vec<u8>) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{name}-{}.xlsx\"",
                    crate::db::today()
                ),
            ),
        ],
        bytes,
    )
        .into_response()
}

async fn list(
    State(state): State<AppState>,
    user: User,
    Query(p): Query<ListParams>,
) -> Result<Html<String>, PageError> {
    let (view, q) = list_query(&p);
    let (cases, total, has_older, has_newer) =
        queries::list_rows(&state.db, &user.actor, &q).await?;
    // Pages are read by id (keyset): the next page starts after the last case shown, the previous one before
    // the first; the page number only numbers them. At the newest end it is page 1 whatever came before.
    let page = if has_newer {
        q.page.unwrap_or(1).max(1)
    } else {
        1
    };
    let older = if has_older {
        cases.last().map(|c| c.id)
    } else {
        None
    };
    let newer = if has_newer {
        cases.first().map(|c| c.id)
    } else {
        None
    };
    let states: Vec<_> = CaseState::ALL
        .iter()
        .map(|s| context! { code => s.code(), label => s.label_zh() })
        .collect();
    render(
        &state.templates,
        "cases.html",
        Some(&user),
        &user.actor.lang,
        context! {
            rows => Value::from_safe_string(super::case_rows::html(&cases, &user.actor.lang)),
            total, page, older, newer,
            view => match view { View::Mine => "mine", View::Escalated => "escalated", View::Team => "team" },
            grid_id => opt_id(&p.grid_id), state => p.state, category_id => opt_id(&p.category_id),
            overdue => p.overdue, states,
            grid_options => Value::from_safe_string(options(
                crate::registry::nodes::grids_in_scope_shared(&state.db, &user.actor)
                    .await?
                    .iter()
                    .map(|(id, name)| (*id, name.as_str())),
                q.grid_id,
            )),
            category_options => Value::from_safe_string(options(
                categories::shared(&state.db).await?.iter().map(|c| (c.id, c.full_name.as_str())),
                q.category_id,
            )),
        },
    )
}

async fn new_form(State(state): State<AppState>, user: User) -> Result<Html<String>, PageError> {
    render(
        &state.templates,
        "case_form.html",
        Some(&user),
        &user.actor.lang,
        context! {
            categories => categories::list(&state.db).await?,
            sources => SOURCES.to_vec(),
            grids => grids(&state, &user).await?,
        },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct GridParam {
    grid_id: String,
}

/// The buildings of a grid in the user's scope, as `<option>`s for the new-case form (htmx).
async fn locations(
    State(state): State<AppState>,
    user: User,
    Query(p): Query<GridParam>,
) -> Result<Html<String>, PageError> {
    let mut out = String::from("<option value=\"\">整个网格</option>");
    if let Some(grid) = opt_id(&p.grid_id) {
        for (id, name) in nodes::buildings_in_grid(&state.db, &user.actor, grid).await? {
            out.push_str(&format!(
                "<option value=\"{id}\">{}</option>",
                html_escape(&name)
            ));
        }
    }
    Ok(Html(out))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CaseForm {
    category_id: String,
    source: String,
    title: String,
    description: String,
    grid_id: String,
    /// A building, unit or dwelling inside the grid, by id (optional).
    location_id: String,
    address: String,
    reporter_person_id: String,
    reporter_name: String,
    reporter_phone: String,
    group_petition: Option<String>,
    repeat_petition: Option<String>,
    linked_case_id: String,
    /// 关联案件 by its number, typed or chosen from the type-ahead.
    linked_case: String,
    /// One party per line: 姓名 or 姓名,电话.
    parties: String,
}

async fn create(
    State(state): State<AppState>,
    user: User,
    Form(f): Form<CaseForm>,
) -> Result<Redirect, PageError> {
    let location = opt_id(&f.location_id).or(opt_id(&f.grid_id)).unwrap_or(0);
    let parties = f
        .parties
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut parts = l.splitn(2, [',', ',']);
            PartyInput {
                person_id: None,
                name: parts.next().unwrap_or("").trim().to_string(),
                role: String::new(),
                phone: parts.next().unwrap_or("").trim().to_string(),
            }
        })
        .collect();
    let input = NewCase {
        category_id: opt_id(&f.category_id).unwrap_or(0),
        source: f.source,
        title: f.title,
        description: f.description,
        location_id: location,
        address: f.address,
        reporter_person_id: opt_id(&f.reporter_person_id),
        reporter_name: f.reporter_name,
        reporter_phone: f.reporter_phone,
        group_petition: f.group_petition.is_some(),
        repeat_petition: f.repeat_petition.is_some(),
        linked_case_id: if f.linked_case.trim().is_empty() {
            opt_id(&f.linked_case_id)
        } else {
            Some(
                crate::cases::lookup::id_by_number(
                    &state.db,
                    &user.actor,
                    "关联案件",
                    &f.linked_case,
                )
                .await?,
            )
        },
        parties,
    };
    let case = intake::create(&state.db, &user.actor, &input).await?;
    Ok(Redirect::to(&format!("/cases/{}", case.id)))
}

fn event_label(kind: &str) -> &'static str {
    match kind {
        "create" => "上报",
        "accept" => "立案",
        "reject" => "不予立案",
        "dispatch" => "派遣",
        "handover" => "移交",
        "handle" => "处置",
        "verify" => "核查通过",
        "verify_failed" => "核查未通过",
        "close" => "结案",
        "rate" => "评价",
        "reopen" => "不满意,重新处置",
        "due_soon" => "即将超期",
        "overdue" => "超期",
        "escalate" => "升级督办",
        "mediation" => "调解",
        _ => "记录",
    }
}

async fn show(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let db = &state.db;
    let a = &user.actor;
    let case = queries::get(db, a, id).await?;
    let timeline: Vec<_> = queries::events(db, a, id)
        .await?
        .into_iter()
        .map(|e| {
            let label = event_label(&e.kind);
            context! { label, ..minijinja::Value::from_serialize(&e) }
        })
        .collect();
    let parties = queries::parties(db, a, id).await?;
    let mediation = mediation::get(db, a, id).await?;
    let attachments = crate::cases::attachments::of_case(db, a, id).await?;
    let category = categories::get(db, case.category_id).await?;
    // The device whose alarm raised it, if any.
    let device = crate::devices::history::of_case(db, a, id).await?;
    // The linked case by its number (none if it is outside the user's scope).
    let linked_number = match case.linked_case_id {
        Some(l) => queries::get(db, a, l).await.ok().map(|c| c.number),
        None => None,
    };
    let st = case.state();
    let can_work = a.role.can_write_registry();
    let workers: Vec<_> = if can_work && st.is_open() {
        queries::workers_for(db, a, &case)
            .await?
            .into_iter()
            .map(|(id, name)| context! { id, name })
            .collect()
    } else {
        vec![]
    };
    let actions: Vec<&str> = if can_work {
        match st {
            CaseState::Reported => vec!["accept", "reject"],
            CaseState::Accepted => vec!["dispatch"],
            CaseState::Dispatched => vec!["handle", "dispatch"],
            CaseState::Handling => vec!["handle", "verify", "dispatch"],
            CaseState::Verified => vec!["close"],
            CaseState::Closed => vec!["rate"],
            _ => vec![],
        }
    } else {
        vec![]
    };
    render(
        &state.templates,
        "case.html",
        Some(&user),
        &a.lang,
        context! {
            case, timeline, parties, mediation, actions, workers, attachments, linked_number, device,
            is_handler => case_handler(&user, &case),
            can_handover => can_work && st.is_open(),
            can_mediate => can_work && category.dispute == 1 && (st.is_open() || st == CaseState::Closed),
            departments => DEPARTMENTS.to_vec(), ratings => RATINGS.to_vec(),
            results => mediation::RESULTS.to_vec(),
        },
    )
}

fn case_handler(user: &User, case: &queries::Case) -> bool {
    case.handler_id == Some(user.actor.user_id)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ActionForm {
    action: String,
    note: String,
    reason: String,
    to: String,
    to_user_id: String,
    to_name: String,
    passed: String,
    rating: String,
    comment: String,
}

async fn action(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<ActionForm>,
) -> Result<Redirect, PageError> {
    let action = match f.action.as_str() {
        "accept" => Action::Accept { note: f.note },
        "reject" => Action::Reject { reason: f.reason },
        "dispatch" => {
            let to = match f.to.as_str() {
                "user" => Target::User,
                "community" => Target::Community,
                "street" => Target::Street,
                "department" => Target::Department,
                _ => return Err(Error::invalid("派遣对象", "请选择派遣对象").into()),
            };
            Action::Dispatch {
                to,
                to_user_id: opt_id(&f.to_user_id),
                to_name: f.to_name,
                note: f.note,
            }
        }
        "handover" => Action::Handover {
            to_user_id: opt_id(&f.to_user_id)
                .ok_or_else(|| Error::invalid("接收人", "请选择接收人"))?,
            note: f.note,
        },
        "handle" => Action::Handle { note: f.note },
        "verify" => Action::Verify {
            passed: f.passed != "0",
            note: f.note,
        },
        "close" => Action::Close { note: f.note },
        "rate" => Action::Rate {
            rating: f.rating,
            comment: f.comment,
        },
        _ => return Err(Error::invalid("操作", "没有这个操作").into()),
    };
    transitions::apply(&state.db, &user.actor, id, &action).await?;
    Ok(Redirect::to(&format!("/cases/{id}")))
}

async fn save_mediation(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<MediationInput>,
) -> Result<Redirect, PageError> {
    mediation::save(&state.db, &user.actor, id, &f).await?;
    Ok(Redirect::to(&format!("/cases/{id}")))
}

async fn add_session(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<SessionInput>,
) -> Result<Redirect, PageError> {
    mediation::add_session(&state.db, &user.actor, id, &f).await?;
    Ok(Redirect::to(&format!("/cases/{id}")))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PeriodParams {
    from: String,
    to: String,
}

async fn dashboard(
    State(state): State<AppState>,
    user: User,
    Query(p): Query<PeriodParams>,
) -> Result<Html<String>, PageError> {
    let today = crate::db::today();
    let from = if p.from.is_empty() {
        today.with_ordinal(1).unwrap_or(today)
    } else {
        validate::parse_date(&p.from)
            .ok_or_else(|| Error::invalid("开始日期", "日期格式不正确,请按2024-01-31填写"))?
    };
    let to = if p.to.is_empty() {
        today
    } else {
        validate::parse_date(&p.to)
            .ok_or_else(|| Error::invalid("结束日期", "日期格式不正确,请按2024-01-31填写"))?
    };
    // Both at once, on connections of their own.
    let (figures, disputes) = tokio::try_join!(
        stats::dashboard(&state.db, &user.actor, from, to),
        stats::disputes(&state.db, &user.actor, from, to),
    )?;
    render(
        &state.templates,
        "case_dashboard.html",
        Some(&user),
        &user.actor.lang,
        context! { d => figures, disputes, from => from.to_string(), to => to.to_string() },
    )
}
