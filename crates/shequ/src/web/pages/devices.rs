//! Device pages (智能设备): the devices of a grid with their state, battery and signal, and one device's
//! history of events and cases. Thin: the rules are in `crate::devices`.

use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect};
use axum::routing::get;
use axum::{Form, Router};
use minijinja::context;
use serde::Deserialize;

use super::cases::{grids, opt_id};
use crate::accounts::Role;
use crate::devices::{self, history, DeviceInput};
use crate::error::Error;
use crate::registry::lookup;
use crate::web::error::PageError;
use crate::web::session::User;
use crate::web::templates::render;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/devices", get(list).post(register))
        .route("/devices/outbox", get(outbox))
        .route("/devices/duty-phones", get(duty_phones))
        .route(
            "/devices/duty-phones/{community}",
            axum::routing::post(set_duty_phone),
        )
        .route("/devices/{id}", get(detail))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListParams {
    grid_id: String,
    /// ok / silent: only devices in this state.
    state: String,
}

fn state_label(s: &str) -> &'static str {
    match s {
        "ok" => "正常",
        "silent" => "离线",
        "retired" => "已停用",
        _ => "",
    }
}

fn shown(d: &devices::Device) -> minijinja::Value {
    context! { kind_label => devices::kind_label(&d.kind), state_label => state_label(&d.state),
    ..minijinja::Value::from_serialize(d) }
}

async fn list(
    State(state): State<AppState>,
    user: User,
    Query(p): Query<ListParams>,
) -> Result<Html<String>, PageError> {
    let grid = opt_id(&p.grid_id);
    let all = devices::list(&state.db, &user.actor, grid).await?;
    let silent = all.iter().filter(|d| d.state == "silent").count();
    let items: Vec<_> = all
        .iter()
        .filter(|d| p.state.is_empty() || d.state == p.state)
        .map(shown)
        .collect();
    render(
        &state.templates,
        "devices.html",
        Some(&user),
        &user.actor.lang,
        context! { devices => items, total => all.len(), silent, grids => grids(&state, &user).await?,
        grid_id => grid, state => p.state, kinds => kinds(),
        can_register => matches!(user.actor.role, Role::StreetAdmin | Role::CommunityHead) },
    )
}

async fn detail(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let d = history::detail(&state.db, &user.actor, id).await?;
    let refusals: Vec<_> = d
        .refusals
        .iter()
        .map(|r| context! { label => history::reason_label(&r.reason), count => r.count })
        .collect();
    let events: Vec<_> = d
        .events
        .iter()
        .map(|e| {
            context! { reason_label => e.reason.as_deref().map(history::reason_label),
            ..minijinja::Value::from_serialize(e) }
        })
        .collect();
    let cases: Vec<_> = d
        .cases
        .iter()
        .map(|c| context! { state_label => crate::cases::State::from_code(&c.state).map(crate::cases::State::label_zh).unwrap_or(""),
            ..minijinja::Value::from_serialize(c) })
        .collect();
    render(
        &state.templates,
        "device.html",
        Some(&user),
        &user.actor.lang,
        context! { device => shown(&d.device), events, cases, refusals },
    )
}

fn kinds() -> Vec<minijinja::Value> {
    devices::KINDS
        .iter()
        .map(|k| context! { code => k, label => devices::kind_label(k) })
        .collect()
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DeviceForm {
    code: String,
    name: String,
    kind: String,
    /// A building of the chosen grid, or …
    location_id: String,
    /// … the 户号 of the dwelling it is installed in.
    household: String,
    person_id: String,
    contact_name: String,
    contact_phone: String,
}

/// Registers a device from the list page's form and shows its secret, once.
async fn register(
    State(state): State<AppState>,
    user: User,
    Form(f): Form<DeviceForm>,
) -> Result<Html<String>, PageError> {
    let location_id = if !f.household.trim().is_empty() {
        lookup::household_by_number(&state.db, &user.actor, f.household.trim())
            .await
            .map_err(|_| Error::invalid("户号", "户号不存在或不在您的管辖范围内"))?
            .dwelling_id
    } else {
        opt_id(&f.location_id).ok_or_else(|| Error::invalid("安装位置", "请选择楼栋或填写户号"))?
    };
    let made = devices::register(
        &state.db,
        &user.actor,
        &DeviceInput {
            code: f.code,
            name: f.name,
            kind: f.kind,
            location_id,
            person_id: opt_id(&f.person_id),
            contact_name: Some(f.contact_name),
            contact_phone: Some(f.contact_phone),
        },
    )
    .await?;
    let d = history::detail(&state.db, &user.actor, made.device.id).await?;
    render(
        &state.templates,
        "device.html",
        Some(&user),
        &user.actor.lang,
        context! { device => shown(&d.device), events => d.events, cases => d.cases,
        refusals => Vec::<minijinja::Value>::new(), secret => made.secret },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OutboxParams {
    /// pending / sending / sent / failed
    state: String,
}

/// The outbox (通知记录): the notifications of alarm cases in the user's scope with their attempts.
async fn outbox(
    State(state): State<AppState>,
    user: User,
    Query(p): Query<OutboxParams>,
) -> Result<Html<String>, PageError> {
    use crate::devices::notify;
    let o = notify::outbox(&state.db, &user.actor, Some(p.state.as_str())).await?;
    let entries: Vec<_> = o
        .entries
        .iter()
        .map(|e| {
            context! { state_label => notify::state_label(&e.state),
            channel_label => notify::channel_label(&e.channel),
            kind_label => notify::recipient_label(&e.recipient_kind),
            ..minijinja::Value::from_serialize(e) }
        })
        .collect();
    let states: Vec<_> = notify::STATES
        .iter()
        .map(|s| context! { code => s, label => notify::state_label(s) })
        .collect();
    render(
        &state.templates,
        "device_outbox.html",
        Some(&user),
        &user.actor.lang,
        context! { entries, states, state => p.state, pending => o.pending, sent => o.sent,
        failed => o.failed, shown => notify::ENTRIES_SHOWN },
    )
}

/// The duty phones (值班电话) of the user's communities; a form for those who may set them.
async fn duty_phones(State(state): State<AppState>, user: User) -> Result<Html<String>, PageError> {
    let rows = devices::duty_phones(&state.db, &user.actor).await?;
    render(
        &state.templates,
        "duty_phones.html",
        Some(&user),
        &user.actor.lang,
        context! { rows },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DutyPhoneForm {
    phone: String,
}

async fn set_duty_phone(
    State(state): State<AppState>,
    user: User,
    Path(community): Path<i64>,
    Form(f): Form<DutyPhoneForm>,
) -> Result<Redirect, PageError> {
    devices::set_duty_phone(&state.db, &user.actor, community, &f.phone).await?;
    Ok(Redirect::to("/devices/duty-phones"))
}
