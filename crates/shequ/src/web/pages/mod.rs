//! HTML pages. Each file owns its routes; handlers parse, call the domain, render.

mod account;
mod auth;
mod calendar;
mod case_rows;
mod cases;
mod dashboard;
mod devices;
mod hazards;
mod imports;
mod ledgers;
mod lookup;
mod patrols;
mod persons;
mod registry;
mod reports;
mod tags;
mod visits;
pub(crate) mod work_reports;

use axum::Router;

use super::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(auth::routes())
        .merge(account::routes())
        .merge(dashboard::routes())
        .merge(registry::routes())
        .merge(persons::routes())
        .merge(tags::routes())
        .merge(reports::routes())
        .merge(imports::routes())
        .merge(cases::routes())
        .merge(hazards::routes())
        .merge(patrols::routes())
        .merge(visits::routes())
        .merge(devices::routes())
        .merge(calendar::routes())
        .merge(ledgers::routes())
        .merge(lookup::routes())
        .merge(work_reports::routes())
}
