//! HTML pages. Each file owns its routes; handlers parse, call the domain, render.

mod account;
mod activities;
mod admission;
mod auth;
mod calendar;
mod care;
mod case_rows;
mod cases;
mod dashboard;
mod devices;
mod governance;
mod hazards;
mod import_vocab;
mod imports;
mod ledgers;
mod lookup;
mod party;
mod patrols;
mod persons;
mod portal;
mod portal_governance;
mod registry;
mod reports;
mod selections;
mod standards;
mod surveys;
mod tags;
mod units;
mod users;
mod venues;
mod visits;
mod volunteers;
mod welfare;
mod welfare_programmes;
mod welfare_public;
pub(crate) mod work_reports;

use axum::Router;

use super::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(auth::routes())
        .merge(account::routes())
        .merge(users::routes())
        .merge(dashboard::routes())
        .merge(registry::routes())
        .merge(persons::routes())
        .merge(tags::routes())
        .merge(reports::routes())
        .merge(imports::routes())
        .merge(import_vocab::routes())
        .merge(cases::routes())
        .merge(hazards::routes())
        .merge(patrols::routes())
        .merge(visits::routes())
        .merge(devices::routes())
        .merge(calendar::routes())
        .merge(ledgers::routes())
        .merge(lookup::routes())
        .merge(work_reports::routes())
        .merge(portal::routes())
        .merge(portal_governance::routes())
        .merge(governance::routes())
        .merge(admission::routes())
        .merge(selections::routes())
        .merge(surveys::routes())
        .merge(standards::routes())
        .merge(activities::routes())
        .merge(volunteers::routes())
        .merge(party::routes())
        .merge(units::routes())
        .merge(venues::routes())
        .merge(welfare::routes())
        .merge(care::routes())
        .merge(welfare_public::routes())
        .merge(welfare_programmes::routes())
}
