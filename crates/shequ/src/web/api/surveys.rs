//! API: surveys — create (questions in the notation of `surveys::parse_questions`), open (the sample is
//! drawn), close, results with cross-tabs, answers entered by workers; residents' answers under /api/portal.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::ApiResult;
use crate::surveys::answers::{self, Answer, Submission};
use crate::surveys::results::{self, Results};
use crate::surveys::{self, NewSurvey, Survey};
use crate::web::session::User;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/surveys", get(list).post(create))
        .route("/surveys/{id}", get(get_survey))
        .route("/surveys/{id}/open", post(open))
        .route("/surveys/{id}/close", post(close))
        .route("/surveys/{id}/results", get(result))
        .route("/surveys/{id}/responses", post(enter))
        .route("/portal/surveys", get(resident_list))
        .route("/portal/surveys/{number}/responses", post(resident_answer))
}

#[utoipa::path(get, path = "/api/surveys", responses((status = 200, body = [Survey])))]
pub async fn list(State(s): State<AppState>, user: User) -> ApiResult<Vec<Survey>> {
    Ok(Json(surveys::list(&s.db, &user.actor).await?))
}

#[utoipa::path(post, path = "/api/surveys", request_body = NewSurvey, responses((status = 200, body = Survey), (status = 403), (status = 422)))]
pub async fn create(
    State(s): State<AppState>,
    user: User,
    Json(b): Json<NewSurvey>,
) -> ApiResult<Survey> {
    Ok(Json(surveys::create(&s.db, &user.actor, &b).await?))
}

#[utoipa::path(get, path = "/api/surveys/{id}", params(("id" = i64, Path)), responses((status = 200, body = Survey), (status = 404)))]
pub async fn get_survey(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<Survey> {
    Ok(Json(surveys::get(&s.db, &user.actor, id).await?))
}

/// Opens a draft: the sample is drawn and stored.
#[utoipa::path(post, path = "/api/surveys/{id}/open", params(("id" = i64, Path)), responses((status = 200, body = Survey), (status = 404), (status = 422)))]
pub async fn open(State(s): State<AppState>, user: User, Path(id): Path<i64>) -> ApiResult<Survey> {
    Ok(Json(surveys::open(&s.db, &user.actor, id).await?))
}

#[utoipa::path(post, path = "/api/surveys/{id}/close", params(("id" = i64, Path)), responses((status = 200, body = Survey), (status = 404), (status = 422)))]
pub async fn close(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<Survey> {
    Ok(Json(surveys::close(&s.db, &user.actor, id).await?))
}

/// Counts and percentages per question, the response rate, cross-tabs by grid.
#[utoipa::path(get, path = "/api/surveys/{id}/results", params(("id" = i64, Path)), responses((status = 200, body = Results), (status = 404)))]
pub async fn result(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<Results> {
    Ok(Json(results::results(&s.db, &user.actor, id).await?))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Entered {
    pub response_id: i64,
}

/// A response entered by a worker (at the door for a household, or a paper form).
#[utoipa::path(post, path = "/api/surveys/{id}/responses", params(("id" = i64, Path)), request_body = Submission, responses((status = 200, body = Entered), (status = 404), (status = 409), (status = 422)))]
pub async fn enter(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<Submission>,
) -> ApiResult<Entered> {
    Ok(Json(Entered {
        response_id: answers::submit(&s.db, &user.actor, id, &b).await?,
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ResidentSurvey {
    pub survey: Survey,
    pub answered: bool,
}

#[utoipa::path(get, path = "/api/portal/surveys", responses((status = 200, body = [ResidentSurvey]), (status = 403)))]
pub async fn resident_list(
    State(s): State<AppState>,
    user: User,
) -> ApiResult<Vec<ResidentSurvey>> {
    Ok(Json(
        answers::for_resident(&s.db, &user.actor)
            .await?
            .into_iter()
            .map(|(survey, answered)| ResidentSurvey { survey, answered })
            .collect(),
    ))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ResidentAnswers {
    pub answers: Vec<Answer>,
}

#[utoipa::path(post, path = "/api/portal/surveys/{number}/responses", params(("number" = String, Path)), request_body = ResidentAnswers, responses((status = 200, body = Entered), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn resident_answer(
    State(s): State<AppState>,
    user: User,
    Path(number): Path<String>,
    Json(b): Json<ResidentAnswers>,
) -> ApiResult<Entered> {
    Ok(Json(Entered {
        response_id: answers::submit_as_resident(&s.db, &user.actor, &number, &b.answers).await?,
    }))
}
