//! API: the user's own sessions and password; an administrator's password reset, disable/enable and unlock
//! of the accounts of their street.

use axum::extract::{Path, State};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::ApiResult;
use crate::accounts::admin::{self, Accounts};
use crate::accounts::sessions::{self, SessionInfo};
use crate::accounts::users::{self, NewUser};
use crate::web::session::User;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/me/sessions", get(my_sessions))
        .route("/me/sessions/{id}", delete(end_session))
        .route("/me/password", post(change_password))
        .route("/users", get(list_users).post(create_user))
        .route("/users/{id}/password", post(reset_password))
        .route("/users/{id}/disable", post(disable))
        .route("/users/{id}/enable", post(enable))
        .route("/users/{id}/unlock", post(unlock))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Ended {
    /// Sessions that were ended.
    pub sessions_ended: u64,
}

/// The signed-in user's live sessions, newest first (times in Beijing time).
#[utoipa::path(get, path = "/api/me/sessions", responses((status = 200, body = [SessionInfo]), (status = 401)))]
pub async fn my_sessions(State(state): State<AppState>, user: User) -> ApiResult<Vec<SessionInfo>> {
    Ok(Json(
        sessions::list(&state.db, &user.actor, &user.token).await?,
    ))
}

/// Ends one of the user's own sessions (another user's session id is 404).
#[utoipa::path(delete, path = "/api/me/sessions/{id}", params(("id" = String, Path)), responses((status = 200, body = Ended), (status = 404)))]
pub async fn end_session(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
) -> ApiResult<Ended> {
    sessions::end(&state.db, &user.actor, &id).await?;
    Ok(Json(Ended { sessions_ended: 1 }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PasswordChange {
    pub current: String,
    pub new: String,
}

/// Changes the user's password; every other session of theirs ends.
#[utoipa::path(post, path = "/api/me/password", request_body = PasswordChange, responses((status = 200, body = Ended), (status = 422)))]
pub async fn change_password(
    State(state): State<AppState>,
    user: User,
    Json(p): Json<PasswordChange>,
) -> ApiResult<Ended> {
    let n = users::change_password(
        &state.db,
        &user.actor,
        &p.current,
        &p.new,
        Some(&user.token),
    )
    .await?;
    Ok(Json(Ended { sessions_ended: n }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PasswordReset {
    pub password: String,
}

/// A street administrator sets a new password for an account of their street; its sessions all end and
/// its login throttle is cleared.
#[utoipa::path(post, path = "/api/users/{id}/password", params(("id" = i64, Path)), request_body = PasswordReset, responses((status = 200, body = Ended), (status = 403), (status = 404), (status = 422)))]
pub async fn reset_password(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Json(p): Json<PasswordReset>,
) -> ApiResult<Ended> {
    let n = users::reset_password(&state.db, &user.actor, id, &p.password).await?;
    Ok(Json(Ended { sessions_ended: n }))
}

/// A street administrator disables an account of their street; its sessions end at once.
#[utoipa::path(post, path = "/api/users/{id}/disable", params(("id" = i64, Path)), responses((status = 200, body = Ended), (status = 403), (status = 404), (status = 422)))]
pub async fn disable(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<Ended> {
    let n = users::set_disabled(&state.db, &user.actor, id, true).await?;
    Ok(Json(Ended { sessions_ended: n }))
}

/// A street administrator enables a disabled account of their street again.
#[utoipa::path(post, path = "/api/users/{id}/enable", params(("id" = i64, Path)), responses((status = 200, body = Ended), (status = 403), (status = 404)))]
pub async fn enable(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<Ended> {
    let n = users::set_disabled(&state.db, &user.actor, id, false).await?;
    Ok(Json(Ended { sessions_ended: n }))
}

/// A street administrator lifts the login throttle of an account of their street.
#[utoipa::path(post, path = "/api/users/{id}/unlock", params(("id" = i64, Path)), responses((status = 200, body = Ended), (status = 403), (status = 404)))]
pub async fn unlock(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<Ended> {
    users::unlock(&state.db, &user.actor, id).await?;
    Ok(Json(Ended { sessions_ended: 0 }))
}

/// A street administrator's list of the street's staff accounts: role, where each works, disabled, login
/// throttle (Beijing time), last login; residents counted.
#[utoipa::path(get, path = "/api/users", responses((status = 200, body = Accounts), (status = 403)))]
pub async fn list_users(State(state): State<AppState>, user: User) -> ApiResult<Accounts> {
    Ok(Json(admin::list(&state.db, &user.actor).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Created {
    pub id: i64,
}

/// A street administrator creates a staff account of their street (community heads and social workers need a
/// community; grid workers grids; building leaders buildings).
#[utoipa::path(post, path = "/api/users", request_body = NewUser, responses((status = 200, body = Created), (status = 403), (status = 409), (status = 422)))]
pub async fn create_user(
    State(state): State<AppState>,
    user: User,
    Json(mut u): Json<NewUser>,
) -> ApiResult<Created> {
    if u.role == crate::accounts::Role::Resident {
        return Err(crate::error::Error::invalid("角色", "居民账号在居民端注册").into());
    }
    if u.street_id.is_none() {
        u.street_id = user.actor.scope.street();
    }
    let id = users::create(&state.db, &user.actor, &u).await?;
    Ok(Json(Created { id }))
}
