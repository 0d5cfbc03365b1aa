//! Welfare pages (民政救助): applications with the new-application form, one application with its steps and
//! objections, grants with change events and reviews, payment lists with the bank export, in-kind
//! distributions (elderly care pairs are in `care.rs`, the public notice in `welfare_public.rs`).

use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use minijinja::context;
use serde::Deserialize;

use super::cases::{opt_id, xlsx_response};
use crate::registry::{lookup, persons};
use crate::web::error::PageError;
use crate::web::session::User;
use crate::web::templates::render;
use crate::web::AppState;
use crate::welfare::applications::{self, ApplicationInput, ApplicationQuery};
use crate::welfare::flow::{State as AppStateCode, APPLICATION_FLOW};
use crate::welfare::grants::{self, EventInput, GrantQuery};
use crate::welfare::notice::{self, ObjectionInput, Resolution};
use crate::welfare::payments::{self, DistributionInput, DistributionQuery, GenerateInput};
use crate::welfare::programmes;
use crate::welfare::reviews::{self, ReviewInput};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/welfare", get(index))
        .route("/welfare/applications", post(create))
        .route("/welfare/applications/{id}", get(application))
        .route("/welfare/applications/{id}/step", post(step))
        .route(
            "/welfare/applications/{id}/objections",
            post(desk_objection),
        )
        .route("/welfare/objections/{id}/resolve", post(resolve))
        .route("/welfare/grants", get(grant_list))
        .route("/welfare/grants/{id}", get(grant))
        .route("/welfare/grants/{id}/events", post(change))
        .route("/welfare/grants/{id}/reviews", post(review))
        .route("/welfare/payments", get(payment_lists).post(generate))
        .route("/welfare/payments/{id}", get(payment_list))
        .route("/welfare/payments/{id}/approve", post(approve))
        .route("/welfare/payments/{id}/export.xlsx", get(export))
        .route(
            "/welfare/distributions",
            get(distributions).post(distribute),
        )
}

pub(super) fn int(v: &str) -> i64 {
    v.trim().parse().unwrap_or(-1)
}

fn opt_int(v: &str) -> Option<i64> {
    v.trim().parse().ok()
}

fn state_label(code: &str) -> &'static str {
    AppStateCode::from_code(code)
        .map(|s| s.label_zh())
        .unwrap_or("")
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct IndexParams {
    state: String,
    programme_id: String,
}

async fn index(
    State(s): State<AppState>,
    user: User,
    Query(p): Query<IndexParams>,
) -> Result<Html<String>, PageError> {
    let a = &user.actor;
    let list = applications::list(
        &s.db,
        a,
        &ApplicationQuery {
            state: Some(p.state.clone()).filter(|x| !x.is_empty()),
            programme_id: opt_id(&p.programme_id),
            per_page: Some(100),
            ..Default::default()
        },
    )
    .await?;
    let items: Vec<_> = list
        .iter()
        .map(|x| context! { state_label => state_label(&x.state), ..minijinja::Value::from_serialize(x) })
        .collect();
    let states: Vec<_> = AppStateCode::ALL
        .iter()
        .map(|x| context! { code => x.code(), label => x.label_zh() })
        .collect();
    render(
        &s.templates,
        "welfare_index.html",
        Some(&user),
        &a.lang,
        context! { items, states, state => p.state, programmes => programmes::list(&s.db, a).await?,
        programme_id => opt_id(&p.programme_id) },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewForm {
    programme_id: String,
    household: String,
    income: String,
    assets: String,
    note: String,
}

async fn create(
    State(s): State<AppState>,
    user: User,
    Form(f): Form<NewForm>,
) -> Result<Redirect, PageError> {
    let h = lookup::household_by_number(&s.db, &user.actor, &f.household).await?;
    let a = applications::create(
        &s.db,
        &user.actor,
        &ApplicationInput {
            programme_id: int(&f.programme_id),
            household_id: h.id,
            member_ids: vec![],
            income: int_or_zero(&f.income),
            assets: int_or_zero(&f.assets),
            note: f.note,
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/welfare/applications/{}", a.id)))
}

pub(super) fn int_or_zero(v: &str) -> i64 {
    if v.trim().is_empty() {
        0
    } else {
        v.trim().parse().unwrap_or(-1)
    }
}

async fn application(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let a = &user.actor;
    let app = applications::get(&s.db, a, id).await?;
    let ids = app.member_ids();
    let members: Vec<String> = persons::in_household(&s.db, a, app.household_id)
        .await?
        .into_iter()
        .filter(|p| ids.contains(&p.id))
        .map(|p| p.name)
        .collect();
    let steps = applications::steps(&s.db, a, id).await?;
    let objections = notice::for_application(&s.db, a, id).await?;
    let actions: Vec<_> = APPLICATION_FLOW
        .available(app.state(), a.role)
        .iter()
        .map(|st| context! { code => st.code, label => st.label })
        .collect();
    let community_code: Option<String> = sqlx::query_scalar("SELECT code FROM nodes WHERE id = $1")
        .bind(app.community_id)
        .fetch_one(&s.db.pool)
        .await
        .map_err(crate::error::Error::from)?;
    render(
        &s.templates,
        "welfare_application.html",
        Some(&user),
        &a.lang,
        context! { app, state_label => state_label(&app.state), members, steps, objections, actions, community_code,
        can_resolve => matches!(a.role, crate::accounts::Role::StreetAdmin | crate::accounts::Role::CommunityHead) },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct StepForm {
    step: String,
    note: String,
}

async fn step(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<StepForm>,
) -> Result<Redirect, PageError> {
    applications::step(&s.db, &user.actor, id, &f.step, &f.note).await?;
    Ok(Redirect::to(&format!("/welfare/applications/{id}")))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ObjectionForm {
    pub(super) body: String,
    pub(super) filer: String,
    pub(super) number: String,
}

async fn desk_objection(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<ObjectionForm>,
) -> Result<Redirect, PageError> {
    notice::file_desk(
        &s.db,
        &user.actor,
        id,
        &ObjectionInput {
            body: f.body,
            filer: f.filer,
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/welfare/applications/{id}")))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ResolveForm {
    status: String,
    outcome: String,
}

async fn resolve(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<ResolveForm>,
) -> Result<Redirect, PageError> {
    let o = notice::resolve(
        &s.db,
        &user.actor,
        id,
        &Resolution {
            status: f.status,
            outcome: f.outcome,
        },
    )
    .await?;
    Ok(Redirect::to(&format!(
        "/welfare/applications/{}",
        o.application_id
    )))
}

async fn grant_list(State(s): State<AppState>, user: User) -> Result<Html<String>, PageError> {
    let a = &user.actor;
    let grants = grants::list(
        &s.db,
        a,
        &GrantQuery {
            per_page: Some(200),
            ..Default::default()
        },
    )
    .await?;
    let due = reviews::due_reviews(&s.db, a).await?;
    render(
        &s.templates,
        "welfare_grants.html",
        Some(&user),
        &a.lang,
        context! { grants, due, today => crate::db::today().to_string() },
    )
}

async fn grant(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let a = &user.actor;
    let g = grants::get(&s.db, a, id).await?;
    let events = grants::events(&s.db, a, id).await?;
    let household = persons::in_household(&s.db, a, g.household_id).await?;
    let on: Vec<i64> =
        sqlx::query_scalar("SELECT person_id FROM welfare_members WHERE grant_id = $1")
            .bind(id)
            .fetch_all(&s.db.pool)
            .await
            .map_err(crate::error::Error::from)?;
    let members: Vec<_> = household
        .iter()
        .map(|p| context! { id => p.id, name => p.name.clone(), on => on.contains(&p.id) })
        .collect();
    render(
        &s.templates,
        "welfare_grant.html",
        Some(&user),
        &a.lang,
        context! { g, events, members, kinds => grants::KINDS[1..].to_vec() },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct EventForm {
    kind: String,
    on_date: String,
    reason: String,
    /// Person ids, comma-separated (the checkboxes post one each; serde_urlencoded keeps the last).
    member_ids: String,
    income: String,
    amount_after: String,
}

async fn change(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    body: String,
) -> Result<Redirect, PageError> {
    // Checkboxes repeat `member_ids`: collect them all.
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&body).unwrap_or_default();
    let mut f = EventForm::default();
    let mut members = vec![];
    for (k, v) in pairs {
        match k.as_str() {
            "kind" => f.kind = v,
            "on_date" => f.on_date = v,
            "reason" => f.reason = v,
            "member_ids" => {
                members.extend(v.split(',').filter_map(|x| x.trim().parse::<i64>().ok()))
            }
            "income" => f.income = v,
            "amount_after" => f.amount_after = v,
            _ => {}
        }
    }
    grants::change(
        &s.db,
        &user.actor,
        id,
        &EventInput {
            kind: f.kind,
            on_date: f.on_date,
            reason: f.reason,
            member_ids: members,
            income: opt_int(&f.income),
            amount_after: opt_int(&f.amount_after),
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/welfare/grants/{id}")))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReviewForm {
    outcome: String,
    on_date: String,
    note: String,
    income: String,
    amount_after: String,
}

async fn review(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<ReviewForm>,
) -> Result<Redirect, PageError> {
    reviews::review(
        &s.db,
        &user.actor,
        id,
        &ReviewInput {
            outcome: f.outcome,
            on_date: f.on_date,
            note: f.note,
            income: opt_int(&f.income),
            amount_after: opt_int(&f.amount_after),
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/welfare/grants/{id}")))
}

async fn payment_lists(State(s): State<AppState>, user: User) -> Result<Html<String>, PageError> {
    let a = &user.actor;
    let lists = payments::lists(&s.db, a).await?;
    let month = crate::db::today().format("%Y-%m").to_string();
    let programmes: Vec<_> = programmes::list(&s.db, a)
        .await?
        .into_iter()
        .filter(|p| p.rule != "in_kind")
        .collect();
    render(
        &s.templates,
        "welfare_payments.html",
        Some(&user),
        &a.lang,
        context! { lists, month, programmes },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct GenerateForm {
    programme_id: String,
    month: String,
}

async fn generate(
    State(s): State<AppState>,
    user: User,
    Form(f): Form<GenerateForm>,
) -> Result<Redirect, PageError> {
    let lists = payments::generate(
        &s.db,
        &user.actor,
        &GenerateInput {
            programme_id: int(&f.programme_id),
            month: f.month,
        },
    )
    .await?;
    Ok(Redirect::to(&match lists.as_slice() {
        [one] => format!("/welfare/payments/{}", one.id),
        _ => "/welfare/payments".to_string(),
    }))
}

async fn payment_list(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let a = &user.actor;
    let l = payments::get(&s.db, a, id).await?;
    let rows = payments::rows(&s.db, a, id).await?;
    render(
        &s.templates,
        "welfare_payment.html",
        Some(&user),
        &a.lang,
        context! { l, rows, can_approve => a.role == crate::accounts::Role::StreetAdmin },
    )
}

async fn approve(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Redirect, PageError> {
    payments::approve(&s.db, &user.actor, id).await?;
    Ok(Redirect::to(&format!("/welfare/payments/{id}")))
}

async fn export(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let bytes = payments::export(&s.db, &user.actor, id).await?;
    Ok(xlsx_response("welfare-payments", bytes))
}

async fn distributions(State(s): State<AppState>, user: User) -> Result<Html<String>, PageError> {
    let a = &user.actor;
    let items = payments::distributions(
        &s.db,
        a,
        &DistributionQuery {
            per_page: Some(200),
            ..Default::default()
        },
    )
    .await?;
    render(
        &s.templates,
        "welfare_distributions.html",
        Some(&user),
        &a.lang,
        context! { items, today => crate::db::today().to_string() },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DistributionForm {
    occasion: String,
    household: String,
    items: String,
    amount: String,
    on_date: String,
    signature: String,
    note: String,
}

async fn distribute(
    State(s): State<AppState>,
    user: User,
    Form(f): Form<DistributionForm>,
) -> Result<Redirect, PageError> {
    let h = lookup::household_by_number(&s.db, &user.actor, &f.household).await?;
    payments::distribute(
        &s.db,
        &user.actor,
        &DistributionInput {
            programme_id: 0,
            occasion: f.occasion,
            household_id: h.id,
            items: f.items,
            amount: int_or_zero(&f.amount),
            on_date: f.on_date,
            signature: f.signature,
            note: f.note,
        },
    )
    .await?;
    Ok(Redirect::to("/welfare/distributions"))
}
