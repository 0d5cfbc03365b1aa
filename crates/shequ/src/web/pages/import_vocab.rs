//! 取值同义词 (/import/vocab): the fixed value lists of the person import with the synonyms it reads — the
//! shipped ones and the street's own — for everyone who imports; the street administrator adds and removes
//! the street's own. A refused form comes back with its message and the typed values (422).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use minijinja::context;
use serde::Deserialize;

use crate::error::Error;
use crate::imports::synonyms;
use crate::web::error::PageError;
use crate::web::session::User;
use crate::web::templates::render;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/import/vocab", get(page).post(add))
        .route("/import/vocab/{id}/delete", post(remove))
}

#[derive(Deserialize, Default, serde::Serialize)]
struct SynonymForm {
    #[serde(default)]
    label: String,
    #[serde(default)]
    standard: String,
    #[serde(default)]
    synonym: String,
}

async fn show(
    state: &AppState,
    user: &User,
    error: Option<String>,
    typed: SynonymForm,
) -> Result<Response, PageError> {
    user.actor.require_write()?;
    let lists = synonyms::list(&state.db, &user.actor).await?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = render(
        &state.templates,
        "import_vocab.html",
        Some(user),
        &user.actor.lang,
        context! {
            lists, error, typed, may_edit => user.actor.role.is_admin() && user.actor.scope.street().is_some(),
        },
    )?;
    Ok((status, page).into_response())
}

async fn page(State(state): State<AppState>, user: User) -> Result<Response, PageError> {
    show(&state, &user, None, SynonymForm::default()).await
}

async fn add(
    State(state): State<AppState>,
    user: User,
    Form(f): Form<SynonymForm>,
) -> Result<Response, PageError> {
    match synonyms::add(&state.db, &user.actor, &f.label, &f.standard, &f.synonym).await {
        Ok(_) => Ok(Redirect::to("/import/vocab").into_response()),
        Err(e @ (Error::Invalid { .. } | Error::Conflict { .. })) => {
            show(&state, &user, Some(e.to_string()), f).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn remove(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Redirect, PageError> {
    synonyms::remove(&state.db, &user.actor, id).await?;
    Ok(Redirect::to("/import/vocab"))
}
