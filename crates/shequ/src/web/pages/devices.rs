//! Device pages (智能设备): the devices of a grid with their state, battery and signal, and one device's
//! history of events and cases. Thin: the rules are in `crate::devices`.

use axum::extract::{Path, Query, State};
use axum::response::Html;
use axum::routing::get;
use axum::Router;
use minijinja::context;
use serde::Deserialize;

use super::cases::{grids, opt_id};
use crate::devices::{self, history};
use crate::web::error::PageError;
use crate::web::session::User;
use crate::web::templates::render;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/devices", get(list))
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
        grid_id => grid, state => p.state },
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
