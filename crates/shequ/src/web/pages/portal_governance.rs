//! The resident's side of self-governance on the portal: proposals (submit one, follow what the committee
//! made of it), votes (the community's open and recent votes, one ballot each, published results) and the
//! coming activities, which a resident signs up for.

use axum::extract::{Path, State};
use axum::response::{Html, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use minijinja::context;
use serde::Deserialize;

use crate::governance::{proposals, votes};
use crate::portal;
use crate::web::error::PageError;
use crate::web::session::User;
use crate::web::templates::render;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/portal/proposals", get(proposals_page).post(submit))
        .route("/portal/votes", get(votes_page))
        .route("/portal/votes/{number}", post(cast))
        .route("/portal/activities", get(activities_page))
        .route("/portal/activities/{id}/signup", post(activity_signup))
}

async fn proposals_page(
    State(state): State<AppState>,
    user: User,
) -> Result<Html<String>, PageError> {
    let me = portal::verified(&state.db, &user.actor).await?;
    let mine = proposals::of_resident(&state.db, &user.actor).await?;
    render(
        &state.templates,
        "portal_proposals.html",
        Some(&user),
        &user.actor.lang,
        context! { me, mine },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ProposalForm {
    title: String,
    body: String,
}

async fn submit(
    State(state): State<AppState>,
    user: User,
    Form(f): Form<ProposalForm>,
) -> Result<Redirect, PageError> {
    proposals::submit_as_resident(&state.db, &user.actor, &f.title, &f.body).await?;
    Ok(Redirect::to("/portal/proposals"))
}

async fn votes_page(State(state): State<AppState>, user: User) -> Result<Html<String>, PageError> {
    let rows = votes::for_resident(&state.db, &user.actor).await?;
    let mut list = Vec::new();
    for (v, voted, eligible) in rows {
        let result = if v.published_at.is_some() {
            votes::published(&state.db, v.community_id)
                .await?
                .into_iter()
                .find(|t| t.vote.id == v.id)
        } else {
            None
        };
        list.push(context! { vote => v, voted, eligible, result });
    }
    render(
        &state.templates,
        "portal_votes.html",
        Some(&user),
        &user.actor.lang,
        context! { list },
    )
}

#[derive(Deserialize)]
struct BallotForm {
    option: i64,
}

async fn cast(
    State(state): State<AppState>,
    user: User,
    Path(number): Path<String>,
    Form(f): Form<BallotForm>,
) -> Result<Redirect, PageError> {
    votes::cast(&state.db, &user.actor, &number, f.option).await?;
    Ok(Redirect::to("/portal/votes"))
}

async fn activities_page(
    State(state): State<AppState>,
    user: User,
) -> Result<Html<String>, PageError> {
    let list = crate::portal::activities::coming(&state.db, &user.actor).await?;
    render(
        &state.templates,
        "portal_activities.html",
        Some(&user),
        &user.actor.lang,
        context! { list },
    )
}

async fn activity_signup(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Redirect, PageError> {
    crate::portal::activities::sign_up(&state.db, &user.actor, id).await?;
    Ok(Redirect::to("/portal/activities"))
}
