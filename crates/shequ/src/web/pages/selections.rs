//! 评比 pages: the committee's selections (open one), one selection (nominate by 户号 or name with the
//! /lookup pickers, review, open the public vote, announce), the table of honours, and the resident's side
//! on the portal (nominate a household or person of the community; vote at /portal/votes).

use axum::extract::{Path, State};
use axum::response::{Html, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use minijinja::context;
use serde::Deserialize;

use crate::selections::{self, announce};
use crate::web::error::PageError;
use crate::web::session::User;
use crate::web::templates::render;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/selections", get(overview).post(create))
        .route("/selections/honours", get(honours_page))
        .route("/selections/{id}", get(page))
        .route("/selections/{id}/nominees", post(nominate))
        .route("/selections/{id}/nominees/{nid}/review", post(review))
        .route("/selections/{id}/vote", post(open_vote))
        .route("/selections/{id}/announce", post(announce_result))
        .route("/portal/selections", get(portal_page))
        .route("/portal/selections/{number}", post(portal_nominate))
}

fn opt(s: &str) -> Option<i64> {
    s.trim().parse().ok()
}

async fn overview(State(state): State<AppState>, user: User) -> Result<Html<String>, PageError> {
    let a = &user.actor;
    crate::governance::require_committee(a)?;
    render(
        &state.templates,
        "selections.html",
        Some(&user),
        &a.lang,
        context! {
            list => selections::list(&state.db, a).await?,
            communities => crate::governance::communities(&state.db, a).await?,
            kinds => selections::KINDS.to_vec(),
            year => crate::db::today().format("%Y").to_string(),
        },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewForm {
    community_id: String,
    title: String,
    subject: String,
    period: String,
    places: String,
}

async fn create(
    State(state): State<AppState>,
    user: User,
    Form(f): Form<NewForm>,
) -> Result<Redirect, PageError> {
    let s = selections::create(
        &state.db,
        &user.actor,
        &selections::NewSelection {
            community_id: opt(&f.community_id),
            title: f.title,
            subject: f.subject,
            period: f.period,
            places: f.places.trim().parse().unwrap_or(0),
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/selections/{}", s.id)))
}

async fn page(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let a = &user.actor;
    let s = selections::get(&state.db, a, id).await?;
    let nominees = selections::nominees(&state.db, a, id).await?;
    let vote = match s.vote_id {
        Some(v) => Some(crate::governance::votes::get(&state.db, a, v).await?),
        None => None,
    };
    render(
        &state.templates,
        "selection.html",
        Some(&user),
        &a.lang,
        context! { s, nominees, vote, committee => crate::governance::require_committee(a).is_ok() },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NominateForm {
    household_id: String,
    person_id: String,
    household_number: String,
    person_name: String,
    reason: String,
}

async fn nominate(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<NominateForm>,
) -> Result<Redirect, PageError> {
    selections::nominate(
        &state.db,
        &user.actor,
        id,
        &selections::Nomination {
            household_id: opt(&f.household_id),
            person_id: opt(&f.person_id),
            household_number: f.household_number,
            reason: f.reason,
            ..Default::default()
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/selections/{id}")))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReviewForm {
    action: String,
    reason: String,
}

async fn review(
    State(state): State<AppState>,
    user: User,
    Path((id, nid)): Path<(i64, i64)>,
    Form(f): Form<ReviewForm>,
) -> Result<Redirect, PageError> {
    selections::review(
        &state.db,
        &user.actor,
        id,
        nid,
        &selections::NomineeReview {
            action: f.action,
            reason: f.reason,
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/selections/{id}")))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct VoteForm {
    mode: String,
    opens_at: String,
    closes_at: String,
}

async fn open_vote(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<VoteForm>,
) -> Result<Redirect, PageError> {
    announce::open_vote(
        &state.db,
        &user.actor,
        id,
        &announce::OpenVote {
            mode: f.mode,
            opens_at: f.opens_at,
            closes_at: f.closes_at,
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/selections/{id}")))
}

/// The announce form: checkboxes `n<id>` for the committee's choice (none after a vote: the most voted).
async fn announce_result(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<std::collections::HashMap<String, String>>,
) -> Result<Redirect, PageError> {
    let nominees = f
        .keys()
        .filter_map(|k| k.strip_prefix('n').and_then(|v| v.parse().ok()))
        .collect();
    announce::announce(&state.db, &user.actor, id, &announce::Announce { nominees }).await?;
    Ok(Redirect::to(&format!("/selections/{id}")))
}

async fn honours_page(
    State(state): State<AppState>,
    user: User,
) -> Result<Html<String>, PageError> {
    let a = &user.actor;
    crate::governance::require_committee(a)?;
    render(
        &state.templates,
        "honours.html",
        Some(&user),
        &a.lang,
        context! { honours => announce::honours(&state.db, a).await? },
    )
}

async fn portal_page(State(state): State<AppState>, user: User) -> Result<Html<String>, PageError> {
    let list = crate::web::api::selections_for_resident(&state.db, &user.actor).await?;
    render(
        &state.templates,
        "portal_selections.html",
        Some(&user),
        &user.actor.lang,
        context! { list },
    )
}

async fn portal_nominate(
    State(state): State<AppState>,
    user: User,
    Path(number): Path<String>,
    Form(f): Form<NominateForm>,
) -> Result<Redirect, PageError> {
    selections::nominate_as_resident(
        &state.db,
        &user.actor,
        &number,
        &selections::Nomination {
            household_number: f.household_number,
            person_name: f.person_name,
            reason: f.reason,
            ..Default::default()
        },
    )
    .await?;
    Ok(Redirect::to("/portal/selections"))
}
