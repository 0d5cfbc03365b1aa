//! API: activities (figures, sign-ups, attendance), rooms and bookings, volunteer teams and service records.
//! Party building, units and agreements are in `party`.

use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::ApiResult;
use crate::services::activities::{self, Activity, ActivityInput, ActivityQuery, Figure, Signup};
use crate::services::venues::{self, Booking, BookingInput, Venue, VenueInput};
use crate::services::volunteers::{
    self, Certificate, Hours, RecordInput, ServiceRecord, Team, TeamInput,
};
use crate::web::session::User;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/activities", get(list_activities).post(create_activity))
        .route("/activities/{id}", get(get_activity))
        .route("/activities/{id}/signups", get(list_signups).post(sign_up))
        .route("/activities/{id}/signups/{signup}/attendance", post(tick))
        .route("/venues", get(list_venues).post(create_venue))
        .route("/venues/{id}/bookings", get(list_bookings).post(book))
        .route("/volunteer-teams", get(list_teams).post(create_team))
        .route("/volunteer-teams/{id}", get(get_team))
        .route("/volunteer-teams/{id}/members", post(add_member))
        .route(
            "/volunteer-teams/{id}/records",
            get(list_records).post(submit_record),
        )
        .route("/volunteer-teams/{id}/hours", get(hours))
        .route("/volunteer-records/{id}/decision", post(decide))
        .route("/volunteer-members/{id}/certificate", get(certificate))
}

/// Activities in scope, newest first.
#[utoipa::path(get, path = "/api/activities", params(ActivityQuery), responses((status = 200, body = [Activity])))]
pub async fn list_activities(
    State(s): State<AppState>,
    user: User,
    Query(q): Query<ActivityQuery>,
) -> ApiResult<Vec<Activity>> {
    Ok(Json(activities::list(&s.db, &user.actor, &q).await?))
}

/// Records an activity with its result figures ("其中" lines never above their total).
#[utoipa::path(post, path = "/api/activities", request_body = ActivityInput, responses((status = 200, body = Activity), (status = 403), (status = 422)))]
pub async fn create_activity(
    State(s): State<AppState>,
    user: User,
    Json(b): Json<ActivityInput>,
) -> ApiResult<Activity> {
    Ok(Json(activities::create(&s.db, &user.actor, &b).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ActivityDetail {
    pub activity: Activity,
    pub figures: Vec<Figure>,
    pub signups: Vec<Signup>,
}

/// One activity with its figures and sign-ups.
#[utoipa::path(get, path = "/api/activities/{id}", params(("id" = i64, Path)), responses((status = 200, body = ActivityDetail), (status = 404)))]
pub async fn get_activity(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<ActivityDetail> {
    let a = &user.actor;
    Ok(Json(ActivityDetail {
        activity: activities::get(&s.db, a, id).await?,
        figures: activities::figures(&s.db, a, id).await?,
        signups: activities::signups(&s.db, a, id).await?,
    }))
}

/// The sign-ups of an activity.
#[utoipa::path(get, path = "/api/activities/{id}/signups", params(("id" = i64, Path)), responses((status = 200, body = [Signup]), (status = 404)))]
pub async fn list_signups(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<Vec<Signup>> {
    Ok(Json(activities::signups(&s.db, &user.actor, id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SignUp {
    pub person_id: i64,
}

/// Signs a registry person up.
#[utoipa::path(post, path = "/api/activities/{id}/signups", params(("id" = i64, Path)), request_body = SignUp, responses((status = 200, body = Signup), (status = 404), (status = 409), (status = 422)))]
pub async fn sign_up(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<SignUp>,
) -> ApiResult<Signup> {
    Ok(Json(
        activities::sign_up(&s.db, &user.actor, id, b.person_id).await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Attendance {
    pub present: bool,
}

/// The organiser ticks a sign-up's attendance.
#[utoipa::path(post, path = "/api/activities/{id}/signups/{signup}/attendance", params(("id" = i64, Path), ("signup" = i64, Path)), request_body = Attendance, responses((status = 200, body = [Signup]), (status = 404)))]
pub async fn tick(
    State(s): State<AppState>,
    user: User,
    Path((id, signup)): Path<(i64, i64)>,
    Json(b): Json<Attendance>,
) -> ApiResult<Vec<Signup>> {
    activities::tick(&s.db, &user.actor, id, signup, b.present).await?;
    Ok(Json(activities::signups(&s.db, &user.actor, id).await?))
}

/// Community rooms in scope.
#[utoipa::path(get, path = "/api/venues", responses((status = 200, body = [Venue])))]
pub async fn list_venues(State(s): State<AppState>, user: User) -> ApiResult<Vec<Venue>> {
    Ok(Json(venues::list(&s.db, &user.actor).await?))
}

/// A new room.
#[utoipa::path(post, path = "/api/venues", request_body = VenueInput, responses((status = 200, body = Venue), (status = 403), (status = 422)))]
pub async fn create_venue(
    State(s): State<AppState>,
    user: User,
    Json(b): Json<VenueInput>,
) -> ApiResult<Venue> {
    Ok(Json(venues::create(&s.db, &user.actor, &b).await?))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct FromQuery {
    /// From this day on (today when empty).
    pub from: String,
}

/// A room's bookings from a day on.
#[utoipa::path(get, path = "/api/venues/{id}/bookings", params(("id" = i64, Path), FromQuery), responses((status = 200, body = [Booking]), (status = 404)))]
pub async fn list_bookings(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Query(q): Query<FromQuery>,
) -> ApiResult<Vec<Booking>> {
    Ok(Json(
        venues::bookings(&s.db, &user.actor, id, &q.from).await?,
    ))
}

/// Books a room; an overlapping booking is refused (409), even when requested at the same moment.
#[utoipa::path(post, path = "/api/venues/{id}/bookings", params(("id" = i64, Path)), request_body = BookingInput, responses((status = 200, body = Booking), (status = 404), (status = 409), (status = 422)))]
pub async fn book(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<BookingInput>,
) -> ApiResult<Booking> {
    Ok(Json(venues::book(&s.db, &user.actor, id, &b).await?))
}

/// Volunteer teams in scope.
#[utoipa::path(get, path = "/api/volunteer-teams", responses((status = 200, body = [Team])))]
pub async fn list_teams(State(s): State<AppState>, user: User) -> ApiResult<Vec<Team>> {
    Ok(Json(volunteers::teams(&s.db, &user.actor).await?))
}

/// A new volunteer team, or the volunteer team of a patrol team.
#[utoipa::path(post, path = "/api/volunteer-teams", request_body = TeamInput, responses((status = 200, body = Team), (status = 403), (status = 409), (status = 422)))]
pub async fn create_team(
    State(s): State<AppState>,
    user: User,
    Json(b): Json<TeamInput>,
) -> ApiResult<Team> {
    Ok(Json(volunteers::create_team(&s.db, &user.actor, &b).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TeamDetail {
    pub team: Team,
    pub members: Vec<volunteers::Member>,
}

/// A team with its members (phones masked).
#[utoipa::path(get, path = "/api/volunteer-teams/{id}", params(("id" = i64, Path)), responses((status = 200, body = TeamDetail), (status = 404)))]
pub async fn get_team(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<TeamDetail> {
    Ok(Json(TeamDetail {
        team: volunteers::team(&s.db, &user.actor, id).await?,
        members: volunteers::members(&s.db, &user.actor, id).await?,
    }))
}

/// Adds a member (a registry person or an outside volunteer).
#[utoipa::path(post, path = "/api/volunteer-teams/{id}/members", params(("id" = i64, Path)), request_body = volunteers::MemberInput, responses((status = 200, body = volunteers::Member), (status = 403), (status = 404), (status = 422)))]
pub async fn add_member(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<volunteers::MemberInput>,
) -> ApiResult<volunteers::Member> {
    Ok(Json(
        volunteers::add_member(&s.db, &user.actor, id, &b).await?,
    ))
}

/// A team's service records, newest first.
#[utoipa::path(get, path = "/api/volunteer-teams/{id}/records", params(("id" = i64, Path)), responses((status = 200, body = [ServiceRecord]), (status = 404)))]
pub async fn list_records(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<Vec<ServiceRecord>> {
    Ok(Json(volunteers::records(&s.db, &user.actor, id).await?))
}

/// Submits a service record (the volunteer, the leader or staff); it counts once the leader approves it.
#[utoipa::path(post, path = "/api/volunteer-teams/{id}/records", params(("id" = i64, Path)), request_body = RecordInput, responses((status = 200, body = ServiceRecord), (status = 403), (status = 404), (status = 422)))]
pub async fn submit_record(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<RecordInput>,
) -> ApiResult<ServiceRecord> {
    Ok(Json(volunteers::submit(&s.db, &user.actor, id, &b).await?))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct YearQuery {
    /// This year when empty.
    pub year: Option<i32>,
}

pub(super) fn year(q: &YearQuery) -> i32 {
    q.year
        .unwrap_or_else(|| chrono::Datelike::year(&crate::db::today()))
}

/// Approved hours per member of a team in a year.
#[utoipa::path(get, path = "/api/volunteer-teams/{id}/hours", params(("id" = i64, Path), YearQuery), responses((status = 200, body = [Hours]), (status = 404)))]
pub async fn hours(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
) -> ApiResult<Vec<Hours>> {
    Ok(Json(
        volunteers::yearly_hours(&s.db, &user.actor, id, year(&q)).await?,
    ))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct Decision {
    /// approve / reject
    pub step: String,
    /// Required to reject.
    pub reason: String,
}

/// The team leader approves or returns a record.
#[utoipa::path(post, path = "/api/volunteer-records/{id}/decision", params(("id" = i64, Path)), request_body = Decision, responses((status = 200, body = ServiceRecord), (status = 403), (status = 404), (status = 422)))]
pub async fn decide(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(b): Json<Decision>,
) -> ApiResult<ServiceRecord> {
    let step = if b.step == "reject" {
        "reject"
    } else {
        "approve"
    };
    Ok(Json(
        volunteers::decide(&s.db, &user.actor, id, step, &b.reason).await?,
    ))
}

/// A volunteer's certificate of approved hours for a year.
#[utoipa::path(get, path = "/api/volunteer-members/{id}/certificate", params(("id" = i64, Path), YearQuery), responses((status = 200, body = Certificate), (status = 404)))]
pub async fn certificate(
    State(s): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
) -> ApiResult<Certificate> {
    Ok(Json(
        volunteers::certificate(&s.db, &user.actor, id, year(&q)).await?,
    ))
}
