//! 准入制 pages: the street's tasks from above (enter, admit or refuse, dispatch), one task with every
//! community's returns (accept or send back), a community's returns and one return (attach a ledger from
//! the catalogue, a figure, a file — frozen when sent), and the load of every community.

use std::collections::HashMap;

use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use minijinja::context;
use serde::Deserialize;

use crate::accounts::Role;
use crate::admission::{self, load, returns, Decision, Dispatch, NewTask, Requirement};
use crate::reports::catalog::catalog;
use crate::web::error::PageError;
use crate::web::session::User;
use crate::web::templates::render;
use crate::web::{upload, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admission", get(overview))
        .route("/admission/tasks", post(new_task))
        .route("/admission/tasks/{id}", get(task_page))
        .route("/admission/tasks/{id}/decide", post(decide))
        .route("/admission/tasks/{id}/dispatch", post(dispatch))
        .route("/admission/returns/{id}", get(return_page))
        .route("/admission/returns/{id}/submit", post(submit))
        .route("/admission/returns/{id}/review", post(review))
        .route("/admission/returns/{id}/content", get(content))
        .route("/admission/load", get(load_page))
        .route(
            "/admission/returns/{id}/file",
            post(submit_file).layer(DefaultBodyLimit::max(upload::BODY_LIMIT)),
        )
}

/// The catalogue's ledgers and indicators for the forms: (code, name).
fn ledgers() -> Vec<(&'static str, &'static str)> {
    catalog()
        .ledgers
        .iter()
        .map(|l| (l.code(), l.title()))
        .collect()
}

fn indicators() -> Vec<(&'static str, &'static str)> {
    catalog()
        .indicators
        .iter()
        .map(|i| (i.def().code, i.def().name))
        .collect()
}

fn require_office(user: &User) -> Result<(), PageError> {
    crate::governance::require_committee(&user.actor)?;
    Ok(())
}

async fn overview(State(state): State<AppState>, user: User) -> Result<Html<String>, PageError> {
    require_office(&user)?;
    let a = &user.actor;
    let db = &state.db;
    let street = a.role == Role::StreetAdmin;
    render(
        &state.templates,
        "admission.html",
        Some(&user),
        &a.lang,
        context! {
            street,
            tasks => if street { admission::list(db, a).await? } else { vec![] },
            returns => returns::list(db, a, &returns::Filter::default()).await?,
            ledgers => ledgers(), indicators => indicators(),
            kinds => admission::KINDS.to_vec(),
            slots => (0..5).collect::<Vec<_>>(),
        },
    )
}

/// The new-task form: requirements as kind0, code0, label0, period0 … kind4.
async fn new_task(
    State(state): State<AppState>,
    user: User,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Redirect, PageError> {
    let g = |k: &str| f.get(k).cloned().unwrap_or_default();
    let mut requirements = Vec::new();
    for i in 0..5 {
        let kind = g(&format!("kind{i}"));
        if kind.is_empty() {
            continue;
        }
        let code = match kind.as_str() {
            "ledger" => g(&format!("ledger{i}")),
            "figure" => g(&format!("indicator{i}")),
            _ => String::new(),
        };
        let label = g(&format!("label{i}"));
        if code.is_empty() && label.trim().is_empty() && kind != "ledger" {
            continue;
        }
        requirements.push(Requirement {
            id: 0,
            kind,
            code: Some(code),
            label,
            period: Some(g(&format!("period{i}"))),
        });
    }
    let t = admission::create(
        &state.db,
        &user.actor,
        &NewTask {
            street_id: None,
            department: g("department"),
            title: g("title"),
            content: g("content"),
            deadline: g("deadline"),
            requirements,
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/admission/tasks/{}", t.id)))
}

async fn task_page(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let a = &user.actor;
    let db = &state.db;
    let task = admission::get(db, a, id).await?;
    let rets = returns::list(
        db,
        a,
        &returns::Filter {
            task_id: Some(id),
            state: None,
        },
    )
    .await?;
    render(
        &state.templates,
        "admission_task.html",
        Some(&user),
        &a.lang,
        context! {
            task, returns => rets,
            communities => crate::governance::communities(db, a).await?,
        },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DecideForm {
    action: String,
    reason: String,
}

async fn decide(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<DecideForm>,
) -> Result<Redirect, PageError> {
    admission::decide(
        &state.db,
        &user.actor,
        id,
        &Decision {
            action: f.action,
            reason: f.reason,
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/admission/tasks/{id}")))
}

/// The dispatch form: one checkbox `c<id>` per community.
async fn dispatch(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Redirect, PageError> {
    let communities = f
        .keys()
        .filter_map(|k| k.strip_prefix('c').and_then(|v| v.parse().ok()))
        .collect();
    admission::dispatch(&state.db, &user.actor, id, &Dispatch { communities }).await?;
    Ok(Redirect::to(&format!("/admission/tasks/{id}")))
}

async fn return_page(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let a = &user.actor;
    let db = &state.db;
    let r = returns::get(db, a, id).await?;
    let frozen = if r.kind == "ledger" && r.ledger_count.is_some() {
        Some(returns::frozen_ledger(db, a, id).await?)
    } else {
        None
    };
    let can_submit = matches!(a.role, Role::CommunityHead | Role::SocialWorker)
        && matches!(r.state.as_str(), "due" | "returned");
    let can_review = a.role == Role::StreetAdmin && r.state == "submitted";
    render(
        &state.templates,
        "admission_return.html",
        Some(&user),
        &a.lang,
        context! { r, frozen, can_submit, can_review, ledgers => ledgers() },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SubmitForm {
    ledger_code: String,
    period: String,
    value: String,
    note: String,
}

fn some(s: String) -> Option<String> {
    (!s.trim().is_empty()).then_some(s)
}

async fn submit(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<SubmitForm>,
) -> Result<Redirect, PageError> {
    let s = returns::Submission {
        ledger_code: some(f.ledger_code),
        period: some(f.period),
        value: some(f.value),
        note: f.note,
    };
    returns::submit(&state.db, &user.actor, id, &s, None).await?;
    Ok(Redirect::to(&format!("/admission/returns/{id}")))
}

/// A material posted by htmx: the page reloads, or the message shows under the form.
async fn submit_file(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    m: Multipart,
) -> Response {
    let result = async {
        let (fields, file) = upload::read(m).await?;
        let s = returns::Submission {
            note: fields.get("note").cloned().unwrap_or_default(),
            ..Default::default()
        };
        returns::submit(&state.db, &user.actor, id, &s, Some(&file)).await
    }
    .await;
    match result {
        Ok(_) => {
            let mut h = HeaderMap::new();
            h.insert(
                "HX-Redirect",
                format!("/admission/returns/{id}").parse().expect("ascii"),
            );
            (h, "").into_response()
        }
        Err(crate::error::Error::NotFound) => {
            PageError(crate::error::Error::NotFound).into_response()
        }
        Err(e) => Html(
            e.to_string()
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;"),
        )
        .into_response(),
    }
}

async fn review(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<DecideForm>,
) -> Result<Redirect, PageError> {
    let r = returns::review(
        &state.db,
        &user.actor,
        id,
        &returns::Review {
            action: f.action,
            reason: f.reason,
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/admission/tasks/{}", r.task_id)))
}

async fn content(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let (name, ty, bytes) = returns::content(&state.db, &user.actor, id).await?;
    Ok(crate::web::api::admission_serve(&name, &ty, bytes))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PeriodForm {
    period: String,
}

async fn load_page(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<PeriodForm>,
) -> Result<Html<String>, PageError> {
    require_office(&user)?;
    let a = &user.actor;
    let p = crate::web::api::admission_period(Some(&q.period))?;
    let table = load::of(&state.db, a, &p).await?;
    render(
        &state.templates,
        "admission_load.html",
        Some(&user),
        &a.lang,
        context! { table, period => q.period, street => a.role == Role::StreetAdmin },
    )
}
