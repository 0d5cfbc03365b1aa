//! A device's history: its recent events (accepted and refused), the cases its alarms opened or joined, and
//! its refusals counted by reason. Read through the device's scope: another scope's device is NotFound.

use serde::Serialize;

use super::{get, health, Device};
use crate::accounts::Actor;
use crate::db::Db;
use crate::error::Result;

/// How many recent events a device's page shows.
pub const EVENTS_SHOWN: i64 = 50;

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct DeviceEventRow {
    pub received_at: String,
    pub event_type: Option<String>,
    pub event_id: Option<String>,
    /// http / mqtt
    pub channel: String,
    pub accepted: i64,
    pub reason: Option<String>,
    pub case_number: Option<String>,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct DeviceCase {
    pub id: i64,
    pub number: String,
    pub title: String,
    pub state: String,
    pub created_at: String,
    /// How many accepted events joined it.
    pub alarms: i64,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct RefusalCount {
    pub reason: String,
    pub count: i64,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct DeviceDetail {
    pub device: Device,
    pub events: Vec<DeviceEventRow>,
    pub cases: Vec<DeviceCase>,
    pub refusals: Vec<RefusalCount>,
}

/// One device of the actor's scope with its history.
pub async fn detail(db: &Db, actor: &Actor, id: i64) -> Result<DeviceDetail> {
    let device = get(db, actor, id).await?;
    let events = sqlx::query_as::<_, DeviceEventRow>(&format!(
        "SELECT e.received_at, e.event_type, e.event_id, e.channel, e.accepted, e.reason, c.number AS case_number \
         FROM device_events e LEFT JOIN cases c ON c.id = e.case_id WHERE e.device_id = $1 \
         ORDER BY e.id DESC LIMIT {EVENTS_SHOWN}"
    ))
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    let cases = sqlx::query_as::<_, DeviceCase>(
        "SELECT c.id, c.number, c.title, c.state, c.created_at, COUNT(*) AS alarms \
         FROM device_events e JOIN cases c ON c.id = e.case_id WHERE e.device_id = $1 AND e.accepted = 1 \
         GROUP BY c.id, c.number, c.title, c.state, c.created_at ORDER BY c.id DESC LIMIT 100",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    let refusals = health::refusals(db, id)
        .await?
        .into_iter()
        .map(|(reason, count)| RefusalCount { reason, count })
        .collect();
    Ok(DeviceDetail {
        device,
        events,
        cases,
        refusals,
    })
}

/// The Chinese name of a refusal reason.
pub fn reason_label(code: &str) -> &'static str {
    match code {
        "unknown_device" => "未知设备",
        "bad_signature" => "签名错误",
        "stale_timestamp" => "时间超出范围",
        "replay" => "重复事件",
        "rate_limited" => "发送过频",
        "bad_body" => "内容格式错误",
        _ => "其他",
    }
}

/// The device whose alarm raised a case, as the case's page names it.
#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CaseDevice {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
}

/// The device that raised a case (its first accepted alarm), if any and in the actor's scope.
pub async fn of_case(db: &Db, actor: &Actor, case_id: i64) -> Result<Option<CaseDevice>> {
    Ok(sqlx::query_as::<_, CaseDevice>(&format!(
        "SELECT d.id, d.code, d.name, d.kind FROM device_events e JOIN devices d ON d.id = e.device_id \
         WHERE e.case_id = $1 AND e.accepted = 1 AND {} ORDER BY e.id LIMIT 1",
        actor.scope.sql("d")
    ))
    .bind(case_id)
    .fetch_optional(&db.pool)
    .await?)
}
