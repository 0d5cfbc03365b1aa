//! Devices: the registry (scoped, like every list), device health, and the device-facing intake (no
//! session: the device signs each message, see `crate::devices::intake`).

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;

use super::ApiResult;
use crate::cases::todo::Todos;
use crate::devices::health::{self, Silent};
use crate::devices::history;
use crate::devices::intake::{self, Signed, Target, Via};
use crate::devices::{self, Device, DeviceInput, EventOutcome, NewDevice, Refusal};
use crate::web::session::User;
use crate::web::AppState;

pub use crate::devices::history::{DeviceCase, DeviceDetail, DeviceEventRow, RefusalCount};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/devices", get(list_devices).post(register_device))
        .route("/devices/silent", get(silent_devices))
        .route("/devices/outbox", get(device_outbox))
        .route("/devices/duty-phones", get(duty_phones))
        .route("/devices/duty-phones/{community}", put(set_duty_phone))
        .route("/devices/{id}", get(get_device))
        .route("/devices/{id}/events", post(device_event))
        .route("/devices/{id}/heartbeat", post(device_heartbeat))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct GridQuery {
    /// Only this grid's devices.
    pub grid: Option<i64>,
}

/// Devices in the user's scope (of one grid if given), with their state: ok, silent.
#[utoipa::path(get, path = "/api/devices", params(GridQuery), responses((status = 200, body = [Device])))]
pub async fn list_devices(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<GridQuery>,
) -> ApiResult<Vec<Device>> {
    Ok(Json(devices::list(&state.db, &user.actor, q.grid).await?))
}

/// Registers a device; the answer holds its secret, shown once.
#[utoipa::path(post, path = "/api/devices", request_body = DeviceInput, responses((status = 200, body = NewDevice), (status = 403), (status = 409), (status = 422)))]
pub async fn register_device(
    State(state): State<AppState>,
    user: User,
    Json(input): Json<DeviceInput>,
) -> ApiResult<NewDevice> {
    Ok(Json(
        devices::register(&state.db, &user.actor, &input).await?,
    ))
}

/// A device with its recent events, its cases and its refusals by reason.
#[utoipa::path(get, path = "/api/devices/{id}", params(("id" = i64, Path)), responses((status = 200, body = DeviceDetail), (status = 404)))]
pub async fn get_device(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<DeviceDetail> {
    Ok(Json(history::detail(&state.db, &user.actor, id).await?))
}

/// The silent devices of the user's scope (past their heartbeat interval): the first 10 and the count.
#[utoipa::path(get, path = "/api/devices/silent", responses((status = 200, body = SilentList)))]
pub async fn silent_devices(State(state): State<AppState>, user: User) -> ApiResult<SilentList> {
    let t: Todos<Silent> = health::silent(&state.db, &user.actor).await?;
    Ok(Json(SilentList {
        total: t.total,
        items: t.items,
    }))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct SilentList {
    pub total: i64,
    pub items: Vec<Silent>,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct OutboxQuery {
    /// Only notifications in this state: pending, sending, sent, failed.
    pub state: Option<String>,
}

/// The notifications of alarm cases in the user's scope, newest first, with every attempt; recipients'
/// phones masked (a community's duty phone in full to street administrators and community heads).
#[utoipa::path(get, path = "/api/devices/outbox", params(OutboxQuery), responses((status = 200, body = crate::devices::notify::Outbox), (status = 422)))]
pub async fn device_outbox(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<OutboxQuery>,
) -> ApiResult<crate::devices::notify::Outbox> {
    Ok(Json(
        crate::devices::notify::outbox(&state.db, &user.actor, q.state.as_deref()).await?,
    ))
}

/// The communities of the user's scope with their duty phones (masked to roles that may not set them).
#[utoipa::path(get, path = "/api/devices/duty-phones", responses((status = 200, body = [crate::devices::DutyPhoneRow])))]
pub async fn duty_phones(
    State(state): State<AppState>,
    user: User,
) -> ApiResult<Vec<crate::devices::DutyPhoneRow>> {
    Ok(Json(devices::duty_phones(&state.db, &user.actor).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct DutyPhone {
    pub phone: String,
}

/// Sets a community's duty phone (值班电话), told of every alarm in the community.
#[utoipa::path(put, path = "/api/devices/duty-phones/{community}", params(("community" = i64, Path)), request_body = DutyPhone,
    responses((status = 200), (status = 403), (status = 404), (status = 422)))]
pub async fn set_duty_phone(
    State(state): State<AppState>,
    user: User,
    Path(community): Path<i64>,
    Json(input): Json<DutyPhone>,
) -> ApiResult<serde_json::Value> {
    devices::set_duty_phone(&state.db, &user.actor, community, &input.phone).await?;
    Ok(Json(serde_json::json!({"ok": true})))
}

fn header(headers: &HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

fn refused(r: Refusal) -> Response {
    let status = match r {
        Refusal::UnknownDevice => StatusCode::NOT_FOUND,
        Refusal::BadBody(_) => StatusCode::UNPROCESSABLE_ENTITY,
        Refusal::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        _ => StatusCode::UNAUTHORIZED,
    };
    (
        status,
        Json(serde_json::json!({"error": r.message(), "field": null})),
    )
        .into_response()
}

/// An alarm from a device (no session): `X-Timestamp` (Unix seconds) and `X-Signature` =
/// hex(HMAC-SHA256(secret, timestamp + body)); body `{"type": "smoke", "id": "…", "message": "…"}`. Opens a
/// case in the device's grid, or joins the open one of the same alarm within the window. Wrong signatures,
/// timestamps more than 5 minutes off and replays are refused (401) and counted; a flood is refused (429).
#[utoipa::path(post, path = "/api/devices/{id}/events", params(("id" = i64, Path)), request_body = crate::devices::DeviceEvent,
    responses((status = 200, body = EventOutcome), (status = 401), (status = 404), (status = 422), (status = 429)))]
pub async fn device_event(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (ts, sig) = (
        header(&headers, "x-timestamp"),
        header(&headers, "x-signature"),
    );
    let msg = Signed {
        timestamp: &ts,
        signature: &sig,
        body: &body,
    };
    let now = chrono::Utc::now().naive_utc();
    match intake::receive(&state.db, Target::Id(id), msg, now, Via::Http).await {
        Ok(Ok(o)) => Json(o).into_response(),
        Ok(Err(r)) => refused(r),
        Err(e) => crate::web::error::ApiError(e).into_response(),
    }
}

/// A heartbeat from a device (no session, signed like events): body `{"battery": 80, "signal": -70}`.
#[utoipa::path(post, path = "/api/devices/{id}/heartbeat", params(("id" = i64, Path)), request_body = crate::devices::intake::Heartbeat,
    responses((status = 200), (status = 401), (status = 404), (status = 422), (status = 429)))]
pub async fn device_heartbeat(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (ts, sig) = (
        header(&headers, "x-timestamp"),
        header(&headers, "x-signature"),
    );
    let msg = Signed {
        timestamp: &ts,
        signature: &sig,
        body: &body,
    };
    let now = chrono::Utc::now().naive_utc();
    match intake::heartbeat(&state.db, Target::Id(id), msg, now, Via::Http).await {
        Ok(Ok(())) => Json(serde_json::json!({"ok": true})).into_response(),
        Ok(Err(r)) => refused(r),
        Err(e) => crate::web::error::ApiError(e).into_response(),
    }
}
