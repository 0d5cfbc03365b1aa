//! Elderly care pages (结对帮扶): missed contacts, the pairs, the new-pair form with the person type-ahead, the
//! elderly information base, and one pair with its contacts and the contact form.

use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use minijinja::context;
use serde::Deserialize;

use super::cases::opt_id;
use super::welfare::{int, int_or_zero};
use crate::web::error::PageError;
use crate::web::session::User;
use crate::web::templates::render;
use crate::web::AppState;
use crate::welfare::care;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/care", get(care_page))
        .route("/care/pairs", post(create_pair))
        .route("/care/pairs/{id}", get(pair))
        .route("/care/pairs/{id}/contacts", post(contact))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct GridParam {
    grid_id: String,
}

async fn care_page(
    State(s): State<AppState>,
    user: User,
    Query(p): Query<GridParam>,
) -> Result<Html<String>, PageError> {
    let a = &user.actor;
    let grid = opt_id(&p.grid_id);
    let pairs = care::list(
        &s.db,
        a,
        &care::PairQuery {
            grid_id: grid,
            per_page: Some(200),
            ..Default::default()
        },
    )
    .await?;
    let missed = care::missed(&s.db, a, grid).await?;
    let elderly = care::elderly(&s.db, a, 200).await?;
    render(
        &s.templates,
        "welfare_care.html",
        Some(&user),
        &a.lang,
        context! { pairs, missed, elderly, helper_kinds => care::HELPER_KINDS.to_vec(),
        can_write => a.role.can_write_registry(), sees => a.role.sees_sensitive(), today => crate::db::today().to_string() },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PairForm {
    person_id: String,
    person: String,
    helper_name: String,
    helper_kind: String,
    helper_phone: String,
    visit_every_days: String,
    call_every_days: String,
    started_on: String,
}

async fn create_pair(
    State(s): State<AppState>,
    user: User,
    Form(f): Form<PairForm>,
) -> Result<Redirect, PageError> {
    let _ = f.person;
    let p = care::create(
        &s.db,
        &user.actor,
        &care::PairInput {
            person_id: int(&f.person_id),
            helper_name: f.helper_name,
            helper_kind: f.helper_kind,
            helper_phone: f.helper_phone,
            visit_every_days: int_or_zero(&f.visit_every_days),
            call_every_days: int_or_zero(&f.call_every_days),
            started_on: f.started_on,
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/care/pairs/{}", p.id)))
}

async fn pair(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let a = &user.actor;
    let pair = care::get(&s.db, a, id).await?;
    let contacts = care::contacts(&s.db, a, id).await?;
    let missed: Vec<_> = care::missed_of(&pair, crate::db::today())
        .into_iter()
        .map(|(kind, due)| context! { kind, due_on => due.to_string() })
        .collect();
    render(
        &s.templates,
        "welfare_pair.html",
        Some(&user),
        &a.lang,
        context! { pair, contacts, missed, kinds => care::CONTACT_KINDS.to_vec(),
        can_write => a.role.can_write_registry(), today => crate::db::today().to_string() },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ContactForm {
    kind: String,
    on_date: String,
    observed: String,
    help: String,
}

async fn contact(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<ContactForm>,
) -> Result<Redirect, PageError> {
    care::contact(
        &s.db,
        &user.actor,
        id,
        &care::ContactInput {
            kind: f.kind,
            on_date: f.on_date,
            observed: f.observed,
            help: f.help,
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/care/pairs/{id}")))
}
