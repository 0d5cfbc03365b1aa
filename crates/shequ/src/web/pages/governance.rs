//! Self-governance pages (自治): the committee's overview (proposals to screen, votes, meetings, forms), one
//! meeting with its resolutions and tasks, one vote with its result, a month's finance statement, the
//! worker's open tasks, and the public board of a community (/public/{code}, no login). The resident's side
//! (proposals and votes on the portal) is in `portal_governance`.

use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use minijinja::context;
use serde::Deserialize;

use crate::governance::{self, board, finance, meetings, proposals, votes};
use crate::web::error::PageError;
use crate::web::session::User;
use crate::web::templates::render;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/governance", get(overview))
        .route("/governance/proposals", post(new_proposal))
        .route("/governance/proposals/{id}/screen", post(screen))
        .route("/governance/votes", post(new_vote))
        .route("/governance/votes/{id}", get(vote_page))
        .route("/governance/votes/{id}/publish", post(publish_vote))
        .route("/governance/meetings", post(new_meeting))
        .route("/governance/meetings/{id}", get(meeting_page))
        .route(
            "/governance/meetings/{id}/resolutions",
            post(new_resolution),
        )
        .route("/governance/resolutions/{id}/tasks", post(new_task))
        .route("/governance/tasks", get(my_tasks))
        .route("/governance/tasks/{id}/done", post(task_done))
        .route("/governance/finance", get(finance_page).post(new_entry))
        .route("/governance/finance/publish", post(publish_month))
        .route("/public/{code}", get(public_board))
}

fn opt(s: &str) -> Option<i64> {
    s.trim().parse().ok()
}

async fn overview(State(state): State<AppState>, user: User) -> Result<Html<String>, PageError> {
    let a = &user.actor;
    governance::require_committee(a)?;
    let db = &state.db;
    render(
        &state.templates,
        "governance.html",
        Some(&user),
        &a.lang,
        context! {
            proposals => proposals::list(db, a, None).await?,
            votes => votes::list(db, a).await?,
            meetings => meetings::list(db, a).await?,
            types => meetings::types(db).await?,
            communities => governance::communities(db, a).await?,
            modes => votes::MODES.to_vec(),
            today => crate::db::today().to_string(),
            month => crate::db::today().format("%Y-%m").to_string(),
        },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ProposalForm {
    community_id: String,
    title: String,
    body: String,
    submitter_name: String,
}

async fn new_proposal(
    State(state): State<AppState>,
    user: User,
    Form(f): Form<ProposalForm>,
) -> Result<Redirect, PageError> {
    let input = proposals::NewProposal {
        community_id: opt(&f.community_id),
        title: f.title,
        body: f.body,
        submitter_name: f.submitter_name,
    };
    proposals::create(&state.db, &user.actor, &input).await?;
    Ok(Redirect::to("/governance#proposals"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ScreenForm {
    action: String,
    reason: String,
    merged_into: String,
}

async fn screen(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<ScreenForm>,
) -> Result<Redirect, PageError> {
    let s = proposals::Screen {
        action: f.action,
        reason: f.reason,
        merged_into: opt(&f.merged_into),
    };
    proposals::screen(&state.db, &user.actor, id, &s).await?;
    Ok(Redirect::to("/governance#proposals"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct VoteForm {
    community_id: String,
    proposal_id: String,
    title: String,
    /// One option per line.
    options: String,
    mode: String,
    secret: String,
    opens_at: String,
    closes_at: String,
}

async fn new_vote(
    State(state): State<AppState>,
    user: User,
    Form(f): Form<VoteForm>,
) -> Result<Redirect, PageError> {
    let input = votes::NewVote {
        community_id: opt(&f.community_id),
        proposal_id: opt(&f.proposal_id),
        title: f.title,
        options: f.options.lines().map(String::from).collect(),
        mode: f.mode,
        secret: !f.secret.is_empty(),
        opens_at: f.opens_at,
        closes_at: f.closes_at,
    };
    let v = votes::create(&state.db, &user.actor, &input).await?;
    Ok(Redirect::to(&format!("/governance/votes/{}", v.id)))
}

async fn vote_page(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let vote = votes::get(&state.db, &user.actor, id).await?;
    let tally = votes::tally(&state.db, &user.actor, id).await.ok();
    render(
        &state.templates,
        "governance_vote.html",
        Some(&user),
        &user.actor.lang,
        context! { vote, tally, committee => governance::require_committee(&user.actor).is_ok() },
    )
}

async fn publish_vote(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Redirect, PageError> {
    votes::publish(&state.db, &user.actor, id).await?;
    Ok(Redirect::to(&format!("/governance/votes/{id}")))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MeetingForm {
    community_id: String,
    type_code: String,
    title: String,
    held_on: String,
    place: String,
    agenda: String,
    minutes: String,
    invited: String,
    present: String,
}

async fn new_meeting(
    State(state): State<AppState>,
    user: User,
    Form(f): Form<MeetingForm>,
) -> Result<Redirect, PageError> {
    let number = |field: &'static str, v: &str| {
        v.trim()
            .parse::<i64>()
            .map_err(|_| crate::error::Error::invalid(field, format!("{field}请填写人数")))
    };
    let input = meetings::NewMeeting {
        community_id: opt(&f.community_id),
        type_code: f.type_code,
        title: f.title,
        held_on: f.held_on,
        place: f.place,
        agenda: f.agenda,
        minutes: f.minutes,
        invited: number("应到人数", &f.invited)?,
        present: number("实到人数", &f.present)?,
    };
    let m = meetings::create(&state.db, &user.actor, &input).await?;
    Ok(Redirect::to(&format!("/governance/meetings/{}", m.id)))
}

async fn meeting_page(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let a = &user.actor;
    let meeting = meetings::get(&state.db, a, id).await?;
    let resolutions = meetings::resolutions(&state.db, a, id).await?;
    let open: Vec<_> = proposals::list(&state.db, a, None)
        .await?
        .into_iter()
        .filter(|p| {
            p.community_id == meeting.community_id
                && matches!(p.state.as_str(), "accepted" | "voting")
        })
        .collect();
    let community_votes: Vec<_> = votes::list(&state.db, a)
        .await?
        .into_iter()
        .filter(|v| v.community_id == meeting.community_id)
        .collect();
    let workers = meetings::owners(&state.db, meeting.community_id).await?;
    render(
        &state.templates,
        "governance_meeting.html",
        Some(&user),
        &a.lang,
        context! { meeting, resolutions, proposals => open, votes => community_votes, workers },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ResolutionForm {
    text: String,
    proposal_id: String,
    vote_id: String,
    published: String,
}

async fn new_resolution(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<ResolutionForm>,
) -> Result<Redirect, PageError> {
    let r = meetings::NewResolution {
        text: f.text,
        proposal_id: opt(&f.proposal_id),
        vote_id: opt(&f.vote_id),
        published: !f.published.is_empty(),
    };
    meetings::resolve(&state.db, &user.actor, id, &r).await?;
    Ok(Redirect::to(&format!("/governance/meetings/{id}")))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TaskForm {
    title: String,
    owner_id: String,
    working_days: String,
    back: String,
}

async fn new_task(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<TaskForm>,
) -> Result<Redirect, PageError> {
    let t = meetings::NewTask {
        title: f.title,
        owner_id: opt(&f.owner_id).unwrap_or(0),
        working_days: opt(&f.working_days).unwrap_or(0),
    };
    meetings::add_task(&state.db, &user.actor, id, &t).await?;
    Ok(Redirect::to(&back_to(&f.back, "/governance")))
}

/// A same-site path to go back to, or the fallback.
fn back_to(back: &str, fallback: &str) -> String {
    if back.starts_with("/governance") && !back.contains(['\r', '\n']) {
        back.to_string()
    } else {
        fallback.to_string()
    }
}

async fn my_tasks(State(state): State<AppState>, user: User) -> Result<Html<String>, PageError> {
    let tasks = meetings::my_open_tasks(&state.db, &user.actor).await?;
    render(
        &state.templates,
        "governance_tasks.html",
        Some(&user),
        &user.actor.lang,
        context! { tasks },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DoneForm {
    note: String,
    back: String,
}

async fn task_done(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<DoneForm>,
) -> Result<Redirect, PageError> {
    meetings::complete(&state.db, &user.actor, id, &f.note).await?;
    Ok(Redirect::to(&back_to(&f.back, "/governance/tasks")))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MonthParams {
    community_id: String,
    month: String,
}

async fn finance_page(
    State(state): State<AppState>,
    user: User,
    Query(p): Query<MonthParams>,
) -> Result<Html<String>, PageError> {
    let a = &user.actor;
    let communities = governance::communities(&state.db, a).await?;
    let community = opt(&p.community_id)
        .or_else(|| communities.first().map(|c| c.0))
        .ok_or(crate::error::Error::NotFound)?;
    let month = if p.month.trim().is_empty() {
        crate::db::today().format("%Y-%m").to_string()
    } else {
        p.month.trim().to_string()
    };
    let statement = finance::statement(&state.db, a, community, &month).await?;
    render(
        &state.templates,
        "governance_finance.html",
        Some(&user),
        &a.lang,
        context! { statement, communities, kinds => finance::KINDS.to_vec(), today => crate::db::today().to_string(),
        committee => governance::require_committee(a).is_ok() },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct EntryForm {
    community_id: String,
    kind: String,
    category: String,
    on_date: String,
    amount: String,
    payee: String,
    document: String,
}

async fn new_entry(
    State(state): State<AppState>,
    user: User,
    Form(f): Form<EntryForm>,
) -> Result<Redirect, PageError> {
    let e = finance::NewEntry {
        community_id: opt(&f.community_id),
        kind: f.kind,
        category: f.category,
        on_date: f.on_date.clone(),
        amount: f.amount,
        payee: f.payee,
        document: f.document,
        meeting_id: None,
    };
    let saved = finance::add(&state.db, &user.actor, &e).await?;
    Ok(Redirect::to(&format!(
        "/governance/finance?community_id={}&month={}",
        f.community_id.trim(),
        &saved.on_date[..7]
    )))
}

async fn publish_month(
    State(state): State<AppState>,
    user: User,
    Form(p): Form<MonthParams>,
) -> Result<Redirect, PageError> {
    let s = finance::publish(&state.db, &user.actor, opt(&p.community_id), &p.month).await?;
    Ok(Redirect::to(&format!(
        "/governance/finance?community_id={}&month={}",
        s.community_id, s.month
    )))
}

async fn public_board(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: axum::http::HeaderMap,
) -> Result<Html<String>, PageError> {
    let b = board::of(&state.db, &code).await?;
    let lang = crate::web::session::cookie(&headers, "shequ_lang").unwrap_or_else(|| "zh".into());
    render(&state.templates, "board.html", None, &lang, context! { b })
}
