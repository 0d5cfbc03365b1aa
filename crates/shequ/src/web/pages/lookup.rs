//! Type-ahead lookups for the forms (htmx): households by 户号 or address, people by name or pinyin, cases
//! by number or title. Each answers a short `<li>` list of choices in the user's scope, masked; the input
//! that asks sends its own name, so any one query parameter is the text.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::response::Html;
use axum::routing::get;
use axum::Router;
use minijinja::context;

use crate::cases::lookup as case_lookup;
use crate::registry::lookup;
use crate::web::error::PageError;
use crate::web::session::User;
use crate::web::templates::render;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/lookup/households", get(households))
        .route("/lookup/persons", get(persons))
        .route("/lookup/cases", get(cases))
}

/// The text typed: `q`, or the one other parameter the asking input sent.
fn text(p: &HashMap<String, String>) -> String {
    p.get("q")
        .or_else(|| {
            p.iter()
                .filter(|(k, _)| k.as_str() != "_csrf")
                .map(|(_, v)| v)
                .find(|v| !v.trim().is_empty())
        })
        .cloned()
        .unwrap_or_default()
}

fn choices(
    state: &AppState,
    user: &User,
    kind: &str,
    q: &str,
    items: minijinja::Value,
) -> Result<Html<String>, PageError> {
    render(
        &state.templates,
        "lookup.html",
        Some(user),
        &user.actor.lang,
        context! { kind, items, asked => !q.trim().is_empty() },
    )
}

async fn households(
    State(state): State<AppState>,
    user: User,
    Query(p): Query<HashMap<String, String>>,
) -> Result<Html<String>, PageError> {
    let q = text(&p);
    let items = lookup::households(&state.db, &user.actor, &q).await?;
    choices(
        &state,
        &user,
        "household",
        &q,
        minijinja::Value::from_serialize(&items),
    )
}

async fn persons(
    State(state): State<AppState>,
    user: User,
    Query(p): Query<HashMap<String, String>>,
) -> Result<Html<String>, PageError> {
    let q = text(&p);
    let items = lookup::persons(&state.db, &user.actor, &q).await?;
    choices(
        &state,
        &user,
        "person",
        &q,
        minijinja::Value::from_serialize(&items),
    )
}

async fn cases(
    State(state): State<AppState>,
    user: User,
    Query(p): Query<HashMap<String, String>>,
) -> Result<Html<String>, PageError> {
    let q = text(&p);
    let items = case_lookup::cases(&state.db, &user.actor, &q).await?;
    choices(
        &state,
        &user,
        "case",
        &q,
        minijinja::Value::from_serialize(&items),
    )
}
