//! API: the resident portal (a resident's own account, requests, steps and rating) and the workers' side of
//! verifying residents (sign-ups waiting for a match, a 登记码 for a person). Residents reach only
//! /api/portal/…; every other route refuses them.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::ApiResult;
use crate::portal::requests::{self, MyCase, MyCaseDetail, ResidentReport};
use crate::portal::signup::{self, Pending};
use crate::portal::{self, Resident};
use crate::web::session::User;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/portal/me", get(me))
        .route("/portal/cases", get(my_cases).post(report))
        .route("/portal/cases/{number}", get(my_case))
        .route("/portal/cases/{number}/rate", post(rate))
        .route("/resident-accounts/pending", get(pending))
        .route("/resident-accounts/{user_id}/verify", post(verify))
        .route("/persons/{id}/portal-code", post(issue_code))
        .route("/portal/activities", get(activities))
        .route("/portal/activities/{id}/signup", post(activity_signup))
}

/// The signed-in resident: verified (linked to a registry person) or waiting.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    pub verified: bool,
    pub resident: Option<Resident>,
}

/// The resident's own account.
#[utoipa::path(get, path = "/api/portal/me", responses((status = 200, body = Me), (status = 403)))]
pub async fn me(State(state): State<AppState>, user: User) -> ApiResult<Me> {
    let resident = portal::me(&state.db, &user.actor).await?;
    Ok(Json(Me {
        verified: resident.is_some(),
        resident,
    }))
}

/// The resident's requests, newest first.
#[utoipa::path(get, path = "/api/portal/cases", responses((status = 200, body = [MyCase]), (status = 403)))]
pub async fn my_cases(State(state): State<AppState>, user: User) -> ApiResult<Vec<MyCase>> {
    Ok(Json(requests::mine(&state.db, &user.actor).await?))
}

/// Reports a request from home (source 居民端).
#[utoipa::path(post, path = "/api/portal/cases", request_body = ResidentReport, responses((status = 200, body = MyCase), (status = 403), (status = 422)))]
pub async fn report(
    State(state): State<AppState>,
    user: User,
    Json(b): Json<ResidentReport>,
) -> ApiResult<MyCase> {
    Ok(Json(requests::report(&state.db, &user.actor, &b).await?))
}

/// One of the resident's requests, by its number, with its steps.
#[utoipa::path(get, path = "/api/portal/cases/{number}", params(("number" = String, Path)), responses((status = 200, body = MyCaseDetail), (status = 404)))]
pub async fn my_case(
    State(state): State<AppState>,
    user: User,
    Path(number): Path<String>,
) -> ApiResult<MyCaseDetail> {
    Ok(Json(
        requests::detail(&state.db, &user.actor, &number).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RateInput {
    /// 满意 / 基本满意 / 不满意
    pub rating: String,
    #[serde(default)]
    pub comment: String,
}

/// Rates a closed request (不满意 sends it back to 处置).
#[utoipa::path(post, path = "/api/portal/cases/{number}/rate", params(("number" = String, Path)), request_body = RateInput, responses((status = 200, body = MyCase), (status = 404), (status = 422)))]
pub async fn rate(
    State(state): State<AppState>,
    user: User,
    Path(number): Path<String>,
    Json(b): Json<RateInput>,
) -> ApiResult<MyCase> {
    Ok(Json(
        requests::rate(&state.db, &user.actor, &number, &b.rating, &b.comment).await?,
    ))
}

/// Resident sign-ups whose phone matches a person in the worker's scope, waiting for verification.
#[utoipa::path(get, path = "/api/resident-accounts/pending", responses((status = 200, body = [Pending]), (status = 403)))]
pub async fn pending(State(state): State<AppState>, user: User) -> ApiResult<Vec<Pending>> {
    Ok(Json(signup::pending(&state.db, &user.actor).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct VerifyInput {
    pub person_id: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Done {
    pub ok: bool,
}

/// Links a waiting sign-up to the registry person it matched.
#[utoipa::path(post, path = "/api/resident-accounts/{user_id}/verify", params(("user_id" = i64, Path)), request_body = VerifyInput, responses((status = 200, body = Done), (status = 404)))]
pub async fn verify(
    State(state): State<AppState>,
    user: User,
    Path(user_id): Path<i64>,
    Json(b): Json<VerifyInput>,
) -> ApiResult<Done> {
    signup::verify(&state.db, &user.actor, user_id, b.person_id).await?;
    Ok(Json(Done { ok: true }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Code {
    /// Shown once; printed on the visit card.
    pub code: String,
}

/// A new one-time 登记码 for a person in the worker's scope.
#[utoipa::path(post, path = "/api/persons/{id}/portal-code", params(("id" = i64, Path)), responses((status = 200, body = Code), (status = 404)))]
pub async fn issue_code(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<Code> {
    Ok(Json(Code {
        code: signup::issue_code(&state.db, &user.actor, id).await?,
    }))
}

/// The coming activities of the resident's community, with whether they signed up.
#[utoipa::path(get, path = "/api/portal/activities", responses((status = 200, body = [crate::portal::activities::Coming]), (status = 403)))]
pub async fn activities(
    State(state): State<AppState>,
    user: User,
) -> ApiResult<Vec<crate::portal::activities::Coming>> {
    Ok(Json(
        crate::portal::activities::coming(&state.db, &user.actor).await?,
    ))
}

/// Signs the resident up (409 the second time).
#[utoipa::path(post, path = "/api/portal/activities/{id}/signup", params(("id" = i64, Path)), responses((status = 200, body = Done), (status = 404), (status = 409)))]
pub async fn activity_signup(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<Done> {
    crate::portal::activities::sign_up(&state.db, &user.actor, id).await?;
    Ok(Json(Done { ok: true }))
}
