//! The programme page (救助项目): a street administrator edits a programme's name, unit, amount rule and
//! standard, notice days, review interval and eligibility; others read it.

use axum::extract::{Path, State};
use axum::response::{Html, Redirect};
use axum::routing::get;
use axum::{Form, Router};
use minijinja::context;
use serde::Deserialize;

use super::welfare::int_or_zero;
use crate::accounts::Role;
use crate::web::error::PageError;
use crate::web::session::User;
use crate::web::templates::render;
use crate::web::AppState;
use crate::welfare::programmes::{self, ProgrammeInput, RULES, UNITS};

pub fn routes() -> Router<AppState> {
    Router::new().route("/welfare/programmes/{id}", get(page).post(save))
}

async fn page(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let p = programmes::get(&s.db, &user.actor, id).await?;
    let units: Vec<_> = UNITS
        .iter()
        .map(|(c, l)| context! { code => c, label => l })
        .collect();
    let rules: Vec<_> = RULES
        .iter()
        .map(|(c, l)| context! { code => c, label => l })
        .collect();
    render(
        &s.templates,
        "welfare_programme.html",
        Some(&user),
        &user.actor.lang,
        context! { p, units, rules, can_edit => user.actor.role == Role::StreetAdmin },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ProgrammeForm {
    name: String,
    unit: String,
    rule: String,
    amount: String,
    notice_days: String,
    review_months: String,
    eligibility: String,
    archived: String,
}

async fn save(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<ProgrammeForm>,
) -> Result<Redirect, PageError> {
    programmes::update(
        &s.db,
        &user.actor,
        id,
        &ProgrammeInput {
            name: f.name,
            unit: f.unit,
            rule: f.rule,
            amount: int_or_zero(&f.amount),
            notice_days: Some(int_or_zero(&f.notice_days)),
            review_months: int_or_zero(&f.review_months),
            eligibility: f.eligibility,
            archived: f.archived == "1",
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/welfare/programmes/{id}")))
}
