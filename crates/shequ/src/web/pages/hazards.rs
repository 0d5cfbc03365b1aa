//! Hazard pages (安全隐患): the list with filters and the new-hazard form, one hazard with its photos and the
//! report / rectify forms (rectify uploads its photo through htmx, which carries the CSRF header), the
//! export, and attachments served to pages.

use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use minijinja::context;
use serde::Deserialize;

use super::cases::{grids, opt_id, xlsx_response};
use crate::cases::attachments;
use crate::cases::hazards::{self, HazardQuery, NewHazard, RectifyInput, ReportInput};
use crate::cases::DEPARTMENTS;
use crate::web::error::{html_escape, PageError};
use crate::web::session::User;
use crate::web::templates::render;
use crate::web::{upload, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/hazards",
            get(list)
                .post(create)
                .layer(DefaultBodyLimit::max(upload::BODY_LIMIT)),
        )
        .route("/hazards/export.xlsx", get(export))
        .route("/hazards/{id}", get(show))
        .route("/hazards/{id}/report", post(report))
        .route(
            "/hazards/{id}/rectify",
            post(rectify).layer(DefaultBodyLimit::max(upload::BODY_LIMIT)),
        )
        .route(
            "/cases/{id}/attachments",
            post(add_case_attachment).layer(DefaultBodyLimit::max(upload::BODY_LIMIT)),
        )
        .route("/attachments/{id}", get(attachment))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListParams {
    grid_id: String,
    state: String,
    overdue: String,
    page: i64,
}

fn query(p: &ListParams) -> HazardQuery {
    HazardQuery {
        state: Some(p.state.clone()).filter(|s| !s.is_empty()),
        grid_id: opt_id(&p.grid_id),
        overdue: Some(p.overdue == "true"),
        page: Some(p.page.max(1)),
        per_page: Some(50),
    }
}

async fn list(
    State(state): State<AppState>,
    user: User,
    Query(p): Query<ListParams>,
) -> Result<Html<String>, PageError> {
    let page = hazards::list(&state.db, &user.actor, &query(&p)).await?;
    render(
        &state.templates,
        "hazards.html",
        Some(&user),
        &user.actor.lang,
        context! {
            page, grids => grids(&state, &user).await?, grid_id => opt_id(&p.grid_id), state => p.state,
            overdue => p.overdue == "true", states => hazards::STATES.to_vec(), kinds => hazards::KINDS.to_vec(),
            can_write => user.actor.role.can_write_registry(), today => crate::db::today().to_string(),
        },
    )
}

async fn export(
    State(state): State<AppState>,
    user: User,
    Query(p): Query<ListParams>,
) -> Result<Response, PageError> {
    let (bytes, _) = crate::exports::records::hazards(&state.db, &user.actor, &query(&p)).await?;
    Ok(xlsx_response("hazards", bytes))
}

/// A new hazard: a plain form (also as a phone sends it when the network is back, with its offline key), or
/// (from a phone, through htmx) a multipart form with the photo taken at discovery and the phone's location
/// — then the answer is a reload of the new hazard's page, or the message under the form.
async fn create(
    State(state): State<AppState>,
    user: User,
    req: axum::extract::Request,
) -> Response {
    use axum::extract::FromRequest;
    let multipart = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let htmx = req.headers().contains_key("hx-request");
    let result = async {
        let (fields, photo) = if multipart {
            let m = Multipart::from_request(req, &state)
                .await
                .map_err(|_| crate::error::Error::invalid("表单", "上传内容无法读取"))?;
            upload::read(m).await?
        } else {
            let Form(f) = Form::<Vec<(String, String)>>::from_request(req, &state)
                .await
                .map_err(|e| crate::error::Error::invalid("表单", e.body_text()))?;
            (f.into_iter().collect(), Default::default())
        };
        let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
        let input = NewHazard {
            kind: get("kind"),
            title: get("title"),
            description: get("description"),
            location_id: get("location_id")
                .trim()
                .parse()
                .map_err(|_| crate::error::Error::invalid("网格", "请选择网格"))?,
            address: get("address"),
            found_on: get("found_on"),
            rectify_by: get("rectify_by"),
            case_id: get("case_id").trim().parse().ok(),
            client_key: get("client_key"),
        };
        let at = hazards::found_at(&get("found_lat"), &get("found_lng"))?;
        hazards::create_found(&state.db, &user.actor, &input, at, &photo).await
    }
    .await;
    match (result, htmx) {
        (Ok(h), true) => htmx_done(Ok(()), &format!("/hazards/{}", h.id)),
        (Err(e), true) => htmx_done(Err(e), "/hazards"),
        (Ok(h), false) => Redirect::to(&format!("/hazards/{}", h.id)).into_response(),
        (Err(e), false) => PageError(e).into_response(),
    }
}

async fn show(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let h = hazards::get(&state.db, &user.actor, id).await?;
    let attachments = hazards::attachments_of(&state.db, &user.actor, id).await?;
    render(
        &state.templates,
        "hazard.html",
        Some(&user),
        &user.actor.lang,
        context! { h, attachments, departments => DEPARTMENTS.to_vec(),
        can_write => user.actor.role.can_write_registry() },
    )
}

async fn report(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<ReportInput>,
) -> Result<Redirect, PageError> {
    hazards::report(&state.db, &user.actor, id, &f).await?;
    Ok(Redirect::to(&format!("/hazards/{id}")))
}

/// Posted by htmx: on success the page reloads (HX-Redirect), on error the message appears under the form.
async fn rectify(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    m: Multipart,
) -> Response {
    let result = async {
        let (fields, photo) = upload::read(m).await?;
        let input = RectifyInput {
            rectified_on: fields.get("rectified_on").cloned().unwrap_or_default(),
            note: fields.get("note").cloned().unwrap_or_default(),
        };
        hazards::rectify(&state.db, &user.actor, id, &input, &photo).await
    }
    .await;
    htmx_done(result.map(|_| ()), &format!("/hazards/{id}"))
}

/// The answer to an htmx upload: reload the record's page, or show the message under the form (htmx swaps
/// 2xx answers only, so the message goes back as 200 with the field named).
fn htmx_done(result: crate::error::Result<()>, page: &str) -> Response {
    match result {
        Ok(()) => {
            let mut h = HeaderMap::new();
            h.insert("HX-Redirect", page.parse().expect("ascii"));
            (h, "").into_response()
        }
        Err(crate::error::Error::NotFound) => {
            PageError(crate::error::Error::NotFound).into_response()
        }
        Err(e) => Html(html_escape(&e.to_string())).into_response(),
    }
}

/// A photo or file added to a case from its page (htmx upload).
async fn add_case_attachment(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    m: Multipart,
) -> Response {
    let result = async {
        let (_, file) = upload::read(m).await?;
        attachments::add_to_case(&state.db, &user.actor, id, "photo", &file).await
    }
    .await;
    htmx_done(result.map(|_| ()), &format!("/cases/{id}"))
}

async fn attachment(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let (a, bytes) = attachments::content(&state.db, &user.actor, id).await?;
    Ok(crate::web::api::serve_attachment(a, bytes))
}
