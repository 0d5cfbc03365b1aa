//! Community rooms (活动室, 多媒体教室) and their bookings: the rooms, a room with its bookings and the booking
//! form (Beijing time; an overlap is refused), the bookings' .xlsx.

use axum::extract::{Path, State};
use axum::response::{Html, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use minijinja::context;
use serde::Deserialize;

use super::activities::areas;
use super::cases::{opt_id, xlsx_response};
use crate::exports::services::table;
use crate::services::venues::{self, BookingInput, VenueInput};
use crate::web::error::PageError;
use crate::web::session::User;
use crate::web::templates::render;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/venues", get(venue_list).post(create_venue))
        .route("/venues/{id}", get(venue).post(book))
        .route("/venues/{id}/bookings.xlsx", get(export_bookings))
}

async fn venue_list(State(state): State<AppState>, user: User) -> Result<Html<String>, PageError> {
    let items = venues::list(&state.db, &user.actor).await?;
    render(
        &state.templates,
        "venues.html",
        Some(&user),
        &user.actor.lang,
        context! { items, kinds => venues::KINDS.to_vec(), areas => areas(&state, &user).await?,
        can_manage => matches!(user.actor.role, crate::accounts::Role::StreetAdmin | crate::accounts::Role::CommunityHead) },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct VenueForm {
    name: String,
    kind: String,
    area_id: String,
}

async fn create_venue(
    State(state): State<AppState>,
    user: User,
    Form(f): Form<VenueForm>,
) -> Result<Redirect, PageError> {
    let v = venues::create(
        &state.db,
        &user.actor,
        &VenueInput {
            name: f.name,
            kind: f.kind,
            area_id: opt_id(&f.area_id).unwrap_or(0),
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/venues/{}", v.id)))
}

async fn venue(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let v = venues::get(&state.db, &user.actor, id).await?;
    let bookings = venues::bookings(&state.db, &user.actor, id, "").await?;
    render(
        &state.templates,
        "venue.html",
        Some(&user),
        &user.actor.lang,
        context! { v, bookings, can_write => user.actor.role.can_write_registry(), today => crate::db::today().to_string() },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct BookingForm {
    starts_at: String,
    ends_at: String,
    purpose: String,
}

async fn book(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<BookingForm>,
) -> Result<Redirect, PageError> {
    venues::book(
        &state.db,
        &user.actor,
        id,
        &BookingInput {
            starts_at: f.starts_at,
            ends_at: f.ends_at,
            purpose: f.purpose,
            activity_id: None,
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/venues/{id}")))
}

async fn export_bookings(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let rows = venues::bookings(&state.db, &user.actor, id, "")
        .await?
        .into_iter()
        .map(|b| vec![b.venue_name, b.starts_at, b.ends_at, b.purpose, b.booked_by])
        .collect();
    let bytes = table(
        &state.db,
        &user.actor,
        "venue_bookings",
        &[
            ("场地", 14.0),
            ("开始时间", 18.0),
            ("结束时间", 18.0),
            ("用途", 30.0),
            ("预约人", 10.0),
        ],
        rows,
    )
    .await?;
    Ok(xlsx_response("bookings", bytes))
}
