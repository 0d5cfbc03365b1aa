//! HTML pages. Each file owns its routes; handlers parse, call the domain, render.

mod auth;
mod cases;
mod dashboard;
mod imports;
mod persons;
mod registry;
mod reports;
mod tags;

use axum::Router;

use super::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(auth::routes())
        .merge(dashboard::routes())
        .merge(registry::routes())
        .merge(persons::routes())
        .merge(tags::routes())
        .merge(reports::routes())
        .merge(imports::routes())
        .merge(cases::routes())
}
