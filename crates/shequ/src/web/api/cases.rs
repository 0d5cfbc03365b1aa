//! API: cases (民情) — intake, the lists, one case with its timeline, each transition of the loop, the
//! mediation record, the category tree with its time limits, and the figures. Same scope rules as the
//! registry: a case outside the user's scope answers 404.

use axum::extract::{Path, Query, State};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::ApiResult;
use crate::cases::categories::{self, Category, CategoryInput, Hours};
use crate::cases::intake::{self, NewCase};
use crate::cases::mediation::{self, Mediation, MediationInput, SessionInput};
use crate::cases::queries::{self, Case, CaseEvent, CasePage, ListQuery, Party};
use crate::cases::stats::{self, Dashboard, DisputeFigure};
use crate::cases::transitions::{self, Action, Target};
use crate::error::Error;
use crate::registry::validate;
use crate::web::session::User;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/case-categories",
            get(list_categories).post(create_category),
        )
        .route("/case-categories/{id}", put(set_hours))
        .route("/cases", get(list).post(create))
        .route("/cases/figures/disputes", get(dispute_figure))
        .route("/cases/dashboard", get(dashboard))
        .route("/cases/{id}", get(get_case))
        .route("/cases/{id}/accept", post(accept))
        .route("/cases/{id}/reject", post(reject))
        .route("/cases/{id}/dispatch", post(dispatch))
        .route("/cases/{id}/handover", post(handover))
        .route("/cases/{id}/handle", post(handle))
        .route("/cases/{id}/verify", post(verify))
        .route("/cases/{id}/close", post(close))
        .route("/cases/{id}/rate", post(rate))
        .route("/cases/{id}/mediation", put(save_mediation))
        .route("/cases/{id}/mediation/sessions", post(add_session))
}

/// The category tree with the hours allowed per stage.
#[utoipa::path(get, path = "/api/case-categories", responses((status = 200, body = [Category])))]
pub async fn list_categories(
    State(state): State<AppState>,
    _user: User,
) -> ApiResult<Vec<Category>> {
    Ok(Json(categories::list(&state.db).await?))
}

/// A new category (street administrators).
#[utoipa::path(post, path = "/api/case-categories", request_body = CategoryInput, responses((status = 200, body = Category), (status = 403), (status = 409), (status = 422)))]
pub async fn create_category(
    State(state): State<AppState>,
    user: User,
    Json(input): Json<CategoryInput>,
) -> ApiResult<Category> {
    Ok(Json(
        categories::create(&state.db, &user.actor, &input).await?,
    ))
}

/// Changes the time limits of a category (street administrators).
#[utoipa::path(put, path = "/api/case-categories/{id}", params(("id" = i64, Path)), request_body = Hours, responses((status = 200, body = Category), (status = 403), (status = 404), (status = 422)))]
pub async fn set_hours(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(h): Json<Hours>,
) -> ApiResult<Category> {
    Ok(Json(
        categories::set_hours(&state.db, &user.actor, id, &h).await?,
    ))
}

/// Reports a new case (上报).
#[utoipa::path(post, path = "/api/cases", request_body = NewCase, responses((status = 200, body = Case), (status = 422), (status = 403)))]
pub async fn create(
    State(state): State<AppState>,
    user: User,
    Json(input): Json<NewCase>,
) -> ApiResult<Case> {
    Ok(Json(intake::create(&state.db, &user.actor, &input).await?))
}

/// Cases in the user's scope: mine (owned or dispatched to me, open), team (all), escalated (to me as
/// supervisor); filters by grid, state, category and deadline; newest first, paginated.
#[utoipa::path(get, path = "/api/cases", params(ListQuery), responses((status = 200, body = CasePage), (status = 422)))]
pub async fn list(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<ListQuery>,
) -> ApiResult<CasePage> {
    Ok(Json(queries::list(&state.db, &user.actor, &q).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CaseDetail {
    pub case: Case,
    /// The trail, oldest first.
    pub timeline: Vec<CaseEvent>,
    pub parties: Vec<Party>,
    pub mediation: Option<Mediation>,
}

/// One case with its timeline, parties and mediation record.
#[utoipa::path(get, path = "/api/cases/{id}", params(("id" = i64, Path)), responses((status = 200, body = CaseDetail), (status = 404)))]
pub async fn get_case(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<CaseDetail> {
    let db = &state.db;
    let a = &user.actor;
    Ok(Json(CaseDetail {
        case: queries::get(db, a, id).await?,
        timeline: queries::events(db, a, id).await?,
        parties: queries::parties(db, a, id).await?,
        mediation: mediation::get(db, a, id).await?,
    }))
}

async fn step(state: &AppState, user: &User, id: i64, action: Action) -> ApiResult<Case> {
    Ok(Json(
        transitions::apply(&state.db, &user.actor, id, &action).await?,
    ))
}

#[derive(Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct Note {
    pub note: String,
}

/// 立案: the first worker who accepts becomes the owner (首问负责).
#[utoipa::path(post, path = "/api/cases/{id}/accept", params(("id" = i64, Path)), request_body = Note, responses((status = 200, body = Case), (status = 404), (status = 422)))]
pub async fn accept(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<Note>,
) -> ApiResult<Case> {
    step(&state, &user, id, Action::Accept { note: b.note }).await
}

#[derive(Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct Reason {
    pub reason: String,
}

/// 不予立案: needs a reason.
#[utoipa::path(post, path = "/api/cases/{id}/reject", params(("id" = i64, Path)), request_body = Reason, responses((status = 200, body = Case), (status = 404), (status = 422)))]
pub async fn reject(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<Reason>,
) -> ApiResult<Case> {
    step(&state, &user, id, Action::Reject { reason: b.reason }).await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct DispatchTo {
    pub to: Target,
    #[serde(default)]
    pub to_user_id: Option<i64>,
    /// The outside department (派出所, 城管, 物业 …) when `to` is department.
    #[serde(default)]
    pub to_name: String,
    #[serde(default)]
    pub note: String,
}

/// 派遣 to a worker, the community office, the street or an outside department (recorded as a handover).
#[utoipa::path(post, path = "/api/cases/{id}/dispatch", params(("id" = i64, Path)), request_body = DispatchTo, responses((status = 200, body = Case), (status = 404), (status = 422)))]
pub async fn dispatch(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<DispatchTo>,
) -> ApiResult<Case> {
    let action = Action::Dispatch {
        to: b.to,
        to_user_id: b.to_user_id,
        to_name: b.to_name,
        note: b.note,
    };
    step(&state, &user, id, action).await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct HandoverTo {
    pub to_user_id: i64,
    #[serde(default)]
    pub note: String,
}

/// 移交: hands the ownership to another worker (owner, community head or street administrator).
#[utoipa::path(post, path = "/api/cases/{id}/handover", params(("id" = i64, Path)), request_body = HandoverTo, responses((status = 200, body = Case), (status = 403), (status = 404), (status = 422)))]
pub async fn handover(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<HandoverTo>,
) -> ApiResult<Case> {
    let action = Action::Handover {
        to_user_id: b.to_user_id,
        note: b.note,
    };
    step(&state, &user, id, action).await
}

/// 处置: a handling note; its writer becomes the handler.
#[utoipa::path(post, path = "/api/cases/{id}/handle", params(("id" = i64, Path)), request_body = Note, responses((status = 200, body = Case), (status = 404), (status = 422)))]
pub async fn handle(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<Note>,
) -> ApiResult<Case> {
    step(&state, &user, id, Action::Handle { note: b.note }).await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Verdict {
    #[serde(default = "yes")]
    pub passed: bool,
    #[serde(default)]
    pub note: String,
}

fn yes() -> bool {
    true
}

/// 核查 by someone other than the handler; `passed: false` sends the case back to 处置.
#[utoipa::path(post, path = "/api/cases/{id}/verify", params(("id" = i64, Path)), request_body = Verdict, responses((status = 200, body = Case), (status = 404), (status = 422)))]
pub async fn verify(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<Verdict>,
) -> ApiResult<Case> {
    let action = Action::Verify {
        passed: b.passed,
        note: b.note,
    };
    step(&state, &user, id, action).await
}

/// 结案.
#[utoipa::path(post, path = "/api/cases/{id}/close", params(("id" = i64, Path)), request_body = Note, responses((status = 200, body = Case), (status = 404), (status = 422)))]
pub async fn close(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<Note>,
) -> ApiResult<Case> {
    step(&state, &user, id, Action::Close { note: b.note }).await
}

#[derive(Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct Rating {
    /// 满意 / 基本满意 / 不满意
    pub rating: String,
    pub comment: String,
}

/// 评价: the resident's rating; 不满意 reopens the case to 处置.
#[utoipa::path(post, path = "/api/cases/{id}/rate", params(("id" = i64, Path)), request_body = Rating, responses((status = 200, body = Case), (status = 404), (status = 422)))]
pub async fn rate(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<Rating>,
) -> ApiResult<Case> {
    let action = Action::Rate {
        rating: b.rating,
        comment: b.comment,
    };
    step(&state, &user, id, action).await
}

/// Creates or updates the mediation record (调解) of a dispute case.
#[utoipa::path(put, path = "/api/cases/{id}/mediation", params(("id" = i64, Path)), request_body = MediationInput, responses((status = 200, body = Mediation), (status = 404), (status = 422)))]
pub async fn save_mediation(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<MediationInput>,
) -> ApiResult<Mediation> {
    Ok(Json(mediation::save(&state.db, &user.actor, id, &b).await?))
}

/// Records a mediation session (date, place, outcome).
#[utoipa::path(post, path = "/api/cases/{id}/mediation/sessions", params(("id" = i64, Path)), request_body = SessionInput, responses((status = 200, body = Mediation), (status = 404), (status = 422)))]
pub async fn add_session(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<SessionInput>,
) -> ApiResult<Mediation> {
    Ok(Json(
        mediation::add_session(&state.db, &user.actor, id, &b).await?,
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct PeriodQuery {
    /// First day, e.g. 2026-01-01
    pub from: String,
    /// Last day (included), e.g. 2026-12-31
    pub to: String,
}

fn period(q: &PeriodQuery) -> Result<(chrono::NaiveDate, chrono::NaiveDate), Error> {
    let from = validate::parse_date(&q.from)
        .ok_or_else(|| Error::invalid("开始日期", "日期格式不正确,请按2024-01-31填写"))?;
    let to = validate::parse_date(&q.to)
        .ok_or_else(|| Error::invalid("结束日期", "日期格式不正确,请按2024-01-31填写"))?;
    Ok((from, to))
}

/// "共受理各类纠纷N起,调解成功M起" for the user's scope and a period.
#[utoipa::path(get, path = "/api/cases/figures/disputes", params(PeriodQuery), responses((status = 200, body = DisputeFigure), (status = 422)))]
pub async fn dispute_figure(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<PeriodQuery>,
) -> ApiResult<DisputeFigure> {
    let (from, to) = period(&q)?;
    Ok(Json(
        stats::disputes(&state.db, &user.actor, from, to).await?,
    ))
}

/// Received / closed / closed on time / overdue / satisfaction by category, grid and worker for a period.
#[utoipa::path(get, path = "/api/cases/dashboard", params(PeriodQuery), responses((status = 200, body = Dashboard), (status = 422)))]
pub async fn dashboard(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<PeriodQuery>,
) -> ApiResult<Dashboard> {
    let (from, to) = period(&q)?;
    Ok(Json(
        stats::dashboard(&state.db, &user.actor, from, to).await?,
    ))
}
