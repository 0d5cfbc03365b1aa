//! API: welfare (民政救助) — programmes, applications and their steps, objections, grants with change events
//! and reviews, payment lists, distributions — and elderly care pairs with their contacts and missed list.

use axum::extract::{Path, Query, State};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::ApiResult;
use crate::web::session::User;
use crate::web::AppState;
use crate::welfare::applications::{
    self, Application, ApplicationInput, ApplicationQuery, StepRow,
};
use crate::welfare::care::{
    self, Contact, ContactInput, Elder, EndInput, Missed, Pair, PairInput, PairQuery,
};
use crate::welfare::grants::{self, Event, EventInput, Grant, GrantQuery};
use crate::welfare::notice::{self, Objection, ObjectionInput, Resolution};
use crate::welfare::payments::{
    self, Distribution, DistributionInput, DistributionQuery, GenerateInput, Payment, PaymentList,
};
use crate::welfare::programmes::{self, Programme, ProgrammeInput};
use crate::welfare::reviews::{self, Review, ReviewInput};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/welfare/programmes", get(list_programmes))
        .route("/welfare/programmes/{id}", put(update_programme))
        .route(
            "/welfare/applications",
            get(list_applications).post(create_application),
        )
        .route("/welfare/applications/{id}", get(get_application))
        .route("/welfare/applications/{id}/steps", post(take_step))
        .route(
            "/welfare/applications/{id}/objections",
            post(desk_objection),
        )
        .route("/welfare/objections/{id}/resolve", post(resolve_objection))
        .route("/welfare/grants", get(list_grants))
        .route("/welfare/grants/{id}", get(get_grant))
        .route("/welfare/grants/{id}/events", post(change_grant))
        .route("/welfare/grants/{id}/reviews", post(review_grant))
        .route("/welfare/reviews/due", get(due_reviews))
        .route(
            "/welfare/payment-lists",
            get(list_payment_lists).post(generate_payment_lists),
        )
        .route("/welfare/payment-lists/{id}", get(get_payment_list))
        .route(
            "/welfare/payment-lists/{id}/approve",
            post(approve_payment_list),
        )
        .route(
            "/welfare/distributions",
            get(list_distributions).post(distribute),
        )
        .route("/care/elderly", get(elderly))
        .route("/care/pairs", get(list_pairs).post(create_pair))
        .route("/care/pairs/{id}", get(get_pair))
        .route("/care/pairs/{id}/contacts", post(record_contact))
        .route("/care/pairs/{id}/end", post(end_pair))
        .route("/care/missed", get(missed))
}

/// The programmes of the user's street (城市低保, 临时救助 …).
#[utoipa::path(get, path = "/api/welfare/programmes", responses((status = 200, body = [Programme]), (status = 404)))]
pub async fn list_programmes(State(s): State<AppState>, user: User) -> ApiResult<Vec<Programme>> {
    Ok(Json(programmes::list(&s.db, &user.actor).await?))
}

/// Edits a programme (street administrators).
#[utoipa::path(put, path = "/api/welfare/programmes/{id}", params(("id" = i64, Path)), request_body = ProgrammeInput, responses((status = 200, body = Programme), (status = 403), (status = 404), (status = 422)))]
pub async fn update_programme(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<ProgrammeInput>,
) -> ApiResult<Programme> {
    Ok(Json(programmes::update(&s.db, &user.actor, id, &b).await?))
}

/// Applications in scope, newest first (a sensitive read, audited).
#[utoipa::path(get, path = "/api/welfare/applications", params(ApplicationQuery), responses((status = 200, body = [Application]), (status = 404)))]
pub async fn list_applications(
    State(s): State<AppState>,
    user: User,
    Query(q): Query<ApplicationQuery>,
) -> ApiResult<Vec<Application>> {
    Ok(Json(applications::list(&s.db, &user.actor, &q).await?))
}

/// Files an application for a household.
#[utoipa::path(post, path = "/api/welfare/applications", request_body = ApplicationInput, responses((status = 200, body = Application), (status = 409), (status = 422)))]
pub async fn create_application(
    State(s): State<AppState>,
    user: User,
    Json(b): Json<ApplicationInput>,
) -> ApiResult<Application> {
    Ok(Json(applications::create(&s.db, &user.actor, &b).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ApplicationDetail {
    pub application: Application,
    pub steps: Vec<StepRow>,
    pub objections: Vec<Objection>,
}

/// One application with its trail and objections.
#[utoipa::path(get, path = "/api/welfare/applications/{id}", params(("id" = i64, Path)), responses((status = 200, body = ApplicationDetail), (status = 404)))]
pub async fn get_application(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<ApplicationDetail> {
    let a = &user.actor;
    Ok(Json(ApplicationDetail {
        application: applications::get(&s.db, a, id).await?,
        steps: applications::steps(&s.db, a, id).await?,
        objections: notice::for_application(&s.db, a, id).await?,
    }))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct StepInput {
    /// investigate | deliberate | audit | publish | approve | refuse | withdraw
    pub step: String,
    pub note: String,
}

/// Takes a step of the application flow.
#[utoipa::path(post, path = "/api/welfare/applications/{id}/steps", params(("id" = i64, Path)), request_body = StepInput, responses((status = 200, body = Application), (status = 403), (status = 404), (status = 422)))]
pub async fn take_step(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<StepInput>,
) -> ApiResult<Application> {
    Ok(Json(
        applications::step(&s.db, &user.actor, id, &b.step, &b.note).await?,
    ))
}

/// An objection taken at the desk.
#[utoipa::path(post, path = "/api/welfare/applications/{id}/objections", params(("id" = i64, Path)), request_body = ObjectionInput, responses((status = 200, body = Objection), (status = 404), (status = 422)))]
pub async fn desk_objection(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<ObjectionInput>,
) -> ApiResult<Objection> {
    Ok(Json(notice::file_desk(&s.db, &user.actor, id, &b).await?))
}

/// Resolves an objection: upheld (the application is refused) or rejected, with the outcome.
#[utoipa::path(post, path = "/api/welfare/objections/{id}/resolve", params(("id" = i64, Path)), request_body = Resolution, responses((status = 200, body = Objection), (status = 403), (status = 404), (status = 422)))]
pub async fn resolve_objection(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<Resolution>,
) -> ApiResult<Objection> {
    Ok(Json(notice::resolve(&s.db, &user.actor, id, &b).await?))
}

/// Grants in scope (a sensitive read, audited).
#[utoipa::path(get, path = "/api/welfare/grants", params(GrantQuery), responses((status = 200, body = [Grant]), (status = 404)))]
pub async fn list_grants(
    State(s): State<AppState>,
    user: User,
    Query(q): Query<GrantQuery>,
) -> ApiResult<Vec<Grant>> {
    Ok(Json(grants::list(&s.db, &user.actor, &q).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct GrantDetail {
    pub grant: Grant,
    pub events: Vec<Event>,
}

/// One grant with its change events.
#[utoipa::path(get, path = "/api/welfare/grants/{id}", params(("id" = i64, Path)), responses((status = 200, body = GrantDetail), (status = 404)))]
pub async fn get_grant(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<GrantDetail> {
    Ok(Json(GrantDetail {
        grant: grants::get(&s.db, &user.actor, id).await?,
        events: grants::events(&s.db, &user.actor, id).await?,
    }))
}

/// A change event (取消, 降标, 提标, 增人, 减人, 停发, 恢复).
#[utoipa::path(post, path = "/api/welfare/grants/{id}/events", params(("id" = i64, Path)), request_body = EventInput, responses((status = 200, body = Event), (status = 403), (status = 404), (status = 422)))]
pub async fn change_grant(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<EventInput>,
) -> ApiResult<Event> {
    Ok(Json(grants::change(&s.db, &user.actor, id, &b).await?))
}

/// A periodic review: keep, lower, raise or cancel.
#[utoipa::path(post, path = "/api/welfare/grants/{id}/reviews", params(("id" = i64, Path)), request_body = ReviewInput, responses((status = 200, body = Review), (status = 403), (status = 404), (status = 422)))]
pub async fn review_grant(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<ReviewInput>,
) -> ApiResult<Review> {
    Ok(Json(reviews::review(&s.db, &user.actor, id, &b).await?))
}

/// Reviews due within 30 days or overdue.
#[utoipa::path(get, path = "/api/welfare/reviews/due", responses((status = 200, body = [Grant])))]
pub async fn due_reviews(State(s): State<AppState>, user: User) -> ApiResult<Vec<Grant>> {
    Ok(Json(reviews::due_reviews(&s.db, &user.actor).await?))
}

/// Payment lists in scope.
#[utoipa::path(get, path = "/api/welfare/payment-lists", responses((status = 200, body = [PaymentList]), (status = 404)))]
pub async fn list_payment_lists(
    State(s): State<AppState>,
    user: User,
) -> ApiResult<Vec<PaymentList>> {
    Ok(Json(payments::lists(&s.db, &user.actor).await?))
}

/// Generates a month's payment lists of a programme (one per community) from the active grants.
#[utoipa::path(post, path = "/api/welfare/payment-lists", request_body = GenerateInput, responses((status = 200, body = [PaymentList]), (status = 403), (status = 409), (status = 422)))]
pub async fn generate_payment_lists(
    State(s): State<AppState>,
    user: User,
    Json(b): Json<GenerateInput>,
) -> ApiResult<Vec<PaymentList>> {
    Ok(Json(payments::generate(&s.db, &user.actor, &b).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PaymentListDetail {
    pub list: PaymentList,
    pub rows: Vec<Payment>,
}

/// One payment list with its rows.
#[utoipa::path(get, path = "/api/welfare/payment-lists/{id}", params(("id" = i64, Path)), responses((status = 200, body = PaymentListDetail), (status = 404)))]
pub async fn get_payment_list(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<PaymentListDetail> {
    Ok(Json(PaymentListDetail {
        list: payments::get(&s.db, &user.actor, id).await?,
        rows: payments::rows(&s.db, &user.actor, id).await?,
    }))
}

/// Approves a payment list (street administrators).
#[utoipa::path(post, path = "/api/welfare/payment-lists/{id}/approve", params(("id" = i64, Path)), responses((status = 200, body = PaymentList), (status = 403), (status = 404), (status = 422)))]
pub async fn approve_payment_list(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<PaymentList> {
    Ok(Json(payments::approve(&s.db, &user.actor, id).await?))
}

/// In-kind distributions in scope.
#[utoipa::path(get, path = "/api/welfare/distributions", params(DistributionQuery), responses((status = 200, body = [Distribution]), (status = 404)))]
pub async fn list_distributions(
    State(s): State<AppState>,
    user: User,
    Query(q): Query<DistributionQuery>,
) -> ApiResult<Vec<Distribution>> {
    Ok(Json(payments::distributions(&s.db, &user.actor, &q).await?))
}

/// Records an in-kind distribution (a household gets an occasion's once).
#[utoipa::path(post, path = "/api/welfare/distributions", request_body = DistributionInput, responses((status = 200, body = Distribution), (status = 409), (status = 422)))]
pub async fn distribute(
    State(s): State<AppState>,
    user: User,
    Json(b): Json<DistributionInput>,
) -> ApiResult<Distribution> {
    Ok(Json(payments::distribute(&s.db, &user.actor, &b).await?))
}

/// The elderly information base (独居, 空巢, 80 岁以上) in scope.
#[utoipa::path(get, path = "/api/care/elderly", responses((status = 200, body = [Elder])))]
pub async fn elderly(State(s): State<AppState>, user: User) -> ApiResult<Vec<Elder>> {
    Ok(Json(care::elderly(&s.db, &user.actor, 500).await?))
}

/// Live care pairs in scope.
#[utoipa::path(get, path = "/api/care/pairs", params(PairQuery), responses((status = 200, body = [Pair])))]
pub async fn list_pairs(
    State(s): State<AppState>,
    user: User,
    Query(q): Query<PairQuery>,
) -> ApiResult<Vec<Pair>> {
    Ok(Json(care::list(&s.db, &user.actor, &q).await?))
}

/// Pairs a helper with a person.
#[utoipa::path(post, path = "/api/care/pairs", request_body = PairInput, responses((status = 200, body = Pair), (status = 403), (status = 422)))]
pub async fn create_pair(
    State(s): State<AppState>,
    user: User,
    Json(b): Json<PairInput>,
) -> ApiResult<Pair> {
    Ok(Json(care::create(&s.db, &user.actor, &b).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PairDetail {
    pub pair: Pair,
    pub contacts: Vec<Contact>,
}

/// One pair with its contacts.
#[utoipa::path(get, path = "/api/care/pairs/{id}", params(("id" = i64, Path)), responses((status = 200, body = PairDetail), (status = 404)))]
pub async fn get_pair(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<PairDetail> {
    Ok(Json(PairDetail {
        pair: care::get(&s.db, &user.actor, id).await?,
        contacts: care::contacts(&s.db, &user.actor, id).await?,
    }))
}

/// Records a contact (探访, 电话, 帮办) of a pair.
#[utoipa::path(post, path = "/api/care/pairs/{id}/contacts", params(("id" = i64, Path)), request_body = ContactInput, responses((status = 200, body = Contact), (status = 403), (status = 404), (status = 422)))]
pub async fn record_contact(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<ContactInput>,
) -> ApiResult<Contact> {
    Ok(Json(care::contact(&s.db, &user.actor, id, &b).await?))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct MissedQuery {
    pub grid_id: Option<i64>,
}

/// Missed pair contacts in scope, longest overdue first.
#[utoipa::path(get, path = "/api/care/missed", params(MissedQuery), responses((status = 200, body = [Missed])))]
pub async fn missed(
    State(s): State<AppState>,
    user: User,
    Query(q): Query<MissedQuery>,
) -> ApiResult<Vec<Missed>> {
    Ok(Json(care::missed(&s.db, &user.actor, q.grid_id).await?))
}

/// Ends a pair, with the reason.
#[utoipa::path(post, path = "/api/care/pairs/{id}/end", params(("id" = i64, Path)), request_body = EndInput, responses((status = 200, body = Pair), (status = 403), (status = 404), (status = 422)))]
pub async fn end_pair(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<EndInput>,
) -> ApiResult<Pair> {
    Ok(Json(care::end(&s.db, &user.actor, id, &b).await?))
}
