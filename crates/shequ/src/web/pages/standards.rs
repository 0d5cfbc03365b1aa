//! Standards pages (创建达标): the list (standards, self-inspections, the import and start forms), one standard
//! with its sections, the street's comparison of communities, a self-inspection form (scores, notes, evidence
//! chosen from the community's records or uploaded, gaps to rectification tasks), its printable report, and
//! the rectification list (已整改 / 已核查). Uploads go through htmx (which carries the CSRF header).

use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use minijinja::context;

use crate::standards::this_year;
use crate::standards::{self, compare, inspections, rectify};
use crate::web::error::{html_escape, PageError};
use crate::web::session::User;
use crate::web::templates::render;
use crate::web::{upload, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/standards", get(list))
        .route(
            "/standards/import",
            post(import).layer(DefaultBodyLimit::max(upload::BODY_LIMIT)),
        )
        .route("/standards/example", post(example))
        .route("/standards/{id}", get(show))
        .route("/standards/{id}/compare", get(comparison))
        .route("/standards/{id}/rename", post(rename))
        .route("/standards/inspections", post(start))
        .route("/standards/inspections/{id}", get(inspection))
        .route("/standards/inspections/{id}/scores", post(scores))
        .route("/standards/inspections/{id}/evidence", post(evidence))
        .route(
            "/standards/inspections/{id}/files",
            post(file).layer(DefaultBodyLimit::max(upload::BODY_LIMIT)),
        )
        .route("/standards/inspections/{id}/rectifications", post(assign))
        .route("/standards/inspections/{id}/report", get(report))
        .route("/standards/rectifications", get(rectifications))
        .route("/standards/rectifications/{id}/rectified", post(rectified))
        .route("/standards/rectifications/{id}/verify", post(verify))
        .route("/standards/files/{id}", get(serve_file))
}

fn field<'a>(fields: &'a [(String, String)], key: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

fn num(fields: &[(String, String)], key: &str) -> Option<i64> {
    field(fields, key).trim().parse().ok()
}

/// An htmx form's answer: a redirect, or the error text in place.
fn htmx_done<T>(result: crate::error::Result<T>, page: impl Fn(&T) -> String) -> Response {
    match result {
        Ok(v) => {
            let mut h = HeaderMap::new();
            h.insert("HX-Redirect", page(&v).parse().expect("ascii"));
            (h, "").into_response()
        }
        Err(crate::error::Error::NotFound) => {
            PageError(crate::error::Error::NotFound).into_response()
        }
        Err(e) => Html(format!(
            "<span class=\"error\">{}</span>",
            html_escape(&e.to_string())
        ))
        .into_response(),
    }
}

async fn list(State(state): State<AppState>, user: User) -> Result<Html<String>, PageError> {
    let a = &user.actor;
    let list = standards::list(&state.db, a).await?;
    let inspections = inspections::list(&state.db, a).await?;
    let committee = crate::governance::require_committee(a).is_ok();
    let communities = if committee {
        crate::governance::communities(&state.db, a).await?
    } else {
        vec![]
    };
    render(
        &state.templates,
        "standards.html",
        Some(&user),
        &a.lang,
        context! {
            list, inspections, communities, committee, year => this_year(),
            admin => standards::require_street_admin(a).is_ok(),
        },
    )
}

async fn import(State(state): State<AppState>, user: User, m: Multipart) -> Response {
    let result = async {
        let (fields, file) = upload::read(m).await?;
        let title = fields.get("title").cloned().unwrap_or_default();
        standards::import(&state.db, &user.actor, &title, &file.filename, &file.bytes).await
    }
    .await;
    htmx_done(result, |s| format!("/standards/{}", s.id))
}

async fn example(State(state): State<AppState>, user: User) -> Result<Redirect, PageError> {
    let s = standards::import_example(&state.db, &user.actor).await?;
    Ok(Redirect::to(&format!("/standards/{}", s.id)))
}

async fn show(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let s = standards::get(&state.db, &user.actor, id).await?;
    let sections = standards::sections(&s.items);
    render(
        &state.templates,
        "standard.html",
        Some(&user),
        &user.actor.lang,
        context! { s, sections, year => this_year(), admin => standards::require_street_admin(&user.actor).is_ok() },
    )
}

async fn rename(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Redirect, PageError> {
    standards::rename(&state.db, &user.actor, id, field(&f, "title")).await?;
    Ok(Redirect::to(&format!("/standards/{id}")))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct YearParams {
    year: String,
}

async fn comparison(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Query(q): Query<YearParams>,
) -> Result<Html<String>, PageError> {
    let year = q.year.trim().parse().unwrap_or_else(|_| this_year());
    let c = compare::compare(&state.db, &user.actor, id, year).await?;
    render(
        &state.templates,
        "standard_compare.html",
        Some(&user),
        &user.actor.lang,
        context! { c },
    )
}

async fn start(
    State(state): State<AppState>,
    user: User,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Redirect, PageError> {
    let n = inspections::NewInspection {
        standard_id: num(&f, "standard_id").unwrap_or(0),
        community_id: num(&f, "community_id"),
        year: num(&f, "year").unwrap_or(0),
    };
    let made = inspections::create(&state.db, &user.actor, &n).await?;
    Ok(Redirect::to(&format!("/standards/inspections/{}", made.id)))
}

async fn inspection(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let a = &user.actor;
    let i = inspections::get(&state.db, a, id).await?;
    let (activities, meetings, ledgers) = inspections::choices(&state.db, a, id).await?;
    let owners = rectify::owners(&state.db, i.community_id).await?;
    render(
        &state.templates,
        "inspection.html",
        Some(&user),
        &a.lang,
        context! {
            i, activities, meetings, ledgers, owners,
            committee => crate::governance::require_committee(a).is_ok(),
        },
    )
}

/// Scores from fields `score_<item>` and `note_<item>`; an empty score leaves the item unchecked.
async fn scores(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Redirect, PageError> {
    let mut input = Vec::new();
    for (k, v) in &f {
        let Some(item) = k.strip_prefix("score_").and_then(|n| n.parse::<i64>().ok()) else {
            continue;
        };
        if v.trim().is_empty() {
            continue;
        }
        let score = v
            .trim()
            .parse::<i64>()
            .map_err(|_| crate::error::Error::invalid("得分", "得分应为整数"))?;
        input.push(inspections::ScoreInput {
            item_id: item,
            score,
            note: field(&f, &format!("note_{item}")).to_string(),
        });
    }
    inspections::score(&state.db, &user.actor, id, &input).await?;
    Ok(Redirect::to(&format!("/standards/inspections/{id}")))
}

async fn evidence(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Redirect, PageError> {
    // One select names the record as kind:value (activity:12, meeting:3, ledger:governance.meetings).
    let (kind, value) = field(&f, "record").split_once(':').unwrap_or(("", ""));
    let l = inspections::EvidenceLink {
        item_id: num(&f, "item_id").unwrap_or(0),
        kind: kind.into(),
        ref_id: value.parse().ok(),
        ref_code: value.into(),
    };
    inspections::link(&state.db, &user.actor, id, &l).await?;
    Ok(Redirect::to(&format!(
        "/standards/inspections/{id}#item-{}",
        l.item_id
    )))
}

async fn file(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    m: Multipart,
) -> Response {
    let result = async {
        let (fields, file) = upload::read(m).await?;
        let item = fields
            .get("item_id")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        inspections::upload(&state.db, &user.actor, id, item, &file).await
    }
    .await;
    htmx_done(result, |e| {
        format!("/standards/inspections/{id}#item-{}", e.item_id)
    })
}

async fn assign(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Redirect, PageError> {
    let n = rectify::NewRectification {
        item_id: num(&f, "item_id").unwrap_or(0),
        title: field(&f, "title").into(),
        owner_id: num(&f, "owner_id").unwrap_or(0),
        working_days: num(&f, "working_days").unwrap_or(0),
    };
    rectify::create(&state.db, &user.actor, id, &n).await?;
    Ok(Redirect::to(&format!(
        "/standards/inspections/{id}#item-{}",
        n.item_id
    )))
}

async fn report(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let i = inspections::get(&state.db, &user.actor, id).await?;
    render(
        &state.templates,
        "inspection_report.html",
        Some(&user),
        &user.actor.lang,
        context! { i },
    )
}

async fn rectifications(
    State(state): State<AppState>,
    user: User,
) -> Result<Html<String>, PageError> {
    let a = &user.actor;
    let list = rectify::list(&state.db, a).await?;
    render(
        &state.templates,
        "rectifications.html",
        Some(&user),
        &a.lang,
        context! { list, me => a.user_id, committee => crate::governance::require_committee(a).is_ok() },
    )
}

async fn rectified(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Redirect, PageError> {
    rectify::rectified(&state.db, &user.actor, id, field(&f, "note")).await?;
    Ok(Redirect::to("/standards/rectifications"))
}

async fn verify(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Redirect, PageError> {
    rectify::verify(&state.db, &user.actor, id).await?;
    Ok(Redirect::to("/standards/rectifications"))
}

async fn serve_file(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let (a, bytes) = inspections::file(&state.db, &user.actor, id).await?;
    Ok(crate::web::api::serve_attachment(a, bytes))
}
