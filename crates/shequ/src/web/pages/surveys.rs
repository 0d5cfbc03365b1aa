//! Survey pages: the list with the new-survey form (built-in questionnaires prefill it), one survey with its
//! results, cross-tab by grid and the door entry form, the .xlsx of the results; and the portal's answer
//! page for residents. Answers arrive as `q<N>` fields (repeated for a multiple choice).

use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use minijinja::context;

use crate::surveys::answers::{self, Answer, Submission};
use crate::surveys::{self, results};
use crate::web::error::PageError;
use crate::web::session::User;
use crate::web::templates::render;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/surveys", get(list).post(create))
        .route("/surveys/{id}", get(show))
        .route("/surveys/{id}/open", post(open))
        .route("/surveys/{id}/close", post(close))
        .route("/surveys/{id}/responses", post(door))
        .route("/surveys/{id}/results.xlsx", get(export))
        .route("/surveys/{id}/qr", get(qr))
        .route("/portal/surveys", get(portal_list))
        .route(
            "/portal/surveys/{number}",
            get(portal_form).post(portal_answer),
        )
}

/// Answers from form fields `q1`, `q2` … (a multiple choice repeats its field).
fn answers_of(fields: &[(String, String)]) -> Vec<Answer> {
    let mut out: Vec<Answer> = Vec::new();
    for (k, v) in fields {
        let Some(idx) = k.strip_prefix('q').and_then(|n| n.parse::<i64>().ok()) else {
            continue;
        };
        match out.iter_mut().find(|a| a.idx == idx) {
            Some(a) => a.values.push(v.clone()),
            None => out.push(Answer {
                idx,
                values: vec![v.clone()],
            }),
        }
    }
    out
}

fn field<'a>(fields: &'a [(String, String)], key: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

async fn list(State(state): State<AppState>, user: User) -> Result<Html<String>, PageError> {
    let a = &user.actor;
    let list = surveys::list(&state.db, a).await?;
    let communities = crate::governance::communities(&state.db, a).await?;
    let grids = crate::registry::nodes::grids_in_scope(&state.db, a).await?;
    let templates: Vec<_> = surveys::TEMPLATES
        .iter()
        .map(|(c, t, q)| context! { code => c, title => t, questions => q })
        .collect();
    render(
        &state.templates,
        "surveys.html",
        Some(&user),
        &a.lang,
        context! {
            list, communities, grids, templates, committee => crate::governance::require_committee(a).is_ok(),
        },
    )
}

async fn create(
    State(state): State<AppState>,
    user: User,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Redirect, PageError> {
    let num = |k: &str| field(&f, k).trim().parse::<i64>().ok();
    let s = surveys::NewSurvey {
        community_id: num("community_id"),
        title: field(&f, "title").into(),
        intro: field(&f, "intro").into(),
        questions: field(&f, "questions").into(),
        sample_kind: field(&f, "sample_kind").into(),
        sample_grid_id: num("sample_grid_id"),
        sample_tag: field(&f, "sample_tag").into(),
        sample_size: num("sample_size"),
        sample_seed: num("sample_seed"),
    };
    let made = surveys::create(&state.db, &user.actor, &s).await?;
    Ok(Redirect::to(&format!("/surveys/{}", made.id)))
}

async fn show(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let a = &user.actor;
    let (survey, res) = match results::results(&state.db, a, id).await {
        Ok(r) => (r.survey.clone(), Some(r)),
        // A grid worker sees the open survey to answer at the door, not its results.
        Err(crate::error::Error::NotFound) => {
            let s = surveys::list(&state.db, a)
                .await?
                .into_iter()
                .find(|s| s.id == id)
                .ok_or(crate::error::Error::NotFound)?;
            (s, None)
        }
        Err(e) => return Err(e.into()),
    };
    render(
        &state.templates,
        "survey.html",
        Some(&user),
        &a.lang,
        context! {
            survey, res, committee => crate::governance::require_committee(a).is_ok(), can_enter => a.role.can_write_registry(),
        },
    )
}

async fn open(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Redirect, PageError> {
    surveys::open(&state.db, &user.actor, id).await?;
    Ok(Redirect::to(&format!("/surveys/{id}")))
}

async fn close(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Redirect, PageError> {
    surveys::close(&state.db, &user.actor, id).await?;
    Ok(Redirect::to(&format!("/surveys/{id}")))
}

async fn door(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Redirect, PageError> {
    let household = match field(&f, "household").trim() {
        "" => None,
        h => Some(
            crate::registry::lookup::household_by_number(&state.db, &user.actor, h)
                .await?
                .id,
        ),
    };
    let number = |k: &str| -> Result<Option<i64>, crate::error::Error> {
        match field(&f, k).trim() {
            "" => Ok(None),
            v => v.parse().map(Some).map_err(|_| {
                crate::error::Error::invalid(
                    if k == "age" { "年龄" } else { "受访人" },
                    "请填写数字",
                )
            }),
        }
    };
    let s = Submission {
        household_id: household,
        channel: field(&f, "channel").into(),
        answers: answers_of(&f),
        respondent_id: number("respondent_id")?,
        sex: Some(field(&f, "sex").to_string()),
        age: number("age")?,
    };
    answers::submit(&state.db, &user.actor, id, &s).await?;
    Ok(Redirect::to(&format!("/surveys/{id}#entered")))
}

async fn export(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let (name, bytes) = results::xlsx(&state.db, &user.actor, id).await?;
    Ok(crate::web::pages::cases::xlsx_response(&name, bytes).into_response())
}

/// The address users open: `SHEQU_PUBLIC_URL`, else the Host the request came to.
fn public_base(headers: &axum::http::HeaderMap) -> String {
    if let Ok(u) = std::env::var("SHEQU_PUBLIC_URL") {
        return u.trim().trim_end_matches('/').to_string();
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("127.0.0.1:8080");
    format!("http://{host}")
}

/// A printable page with the QR code of the survey's portal link (to post in the building hall).
async fn qr(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    headers: axum::http::HeaderMap,
) -> Result<Html<String>, PageError> {
    let a = &user.actor;
    let survey = surveys::list(&state.db, a)
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or(crate::error::Error::NotFound)?;
    let link = format!("{}/portal/surveys/{}", public_base(&headers), survey.number);
    let code = qrcode::QrCode::new(link.as_bytes())
        .map_err(|e| crate::error::Error::Other(anyhow::anyhow!("二维码: {e}")))?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build();
    render(
        &state.templates,
        "survey_qr.html",
        Some(&user),
        &a.lang,
        context! { survey, link, svg },
    )
}

async fn portal_list(State(state): State<AppState>, user: User) -> Result<Html<String>, PageError> {
    let list: Vec<_> = answers::for_resident(&state.db, &user.actor)
        .await?
        .into_iter()
        .map(|(survey, answered)| context! { survey, answered })
        .collect();
    render(
        &state.templates,
        "portal_surveys.html",
        Some(&user),
        &user.actor.lang,
        context! { list },
    )
}

async fn portal_form(
    State(state): State<AppState>,
    user: User,
    Path(number): Path<String>,
) -> Result<Html<String>, PageError> {
    let (survey, answered) = answers::for_resident(&state.db, &user.actor)
        .await?
        .into_iter()
        .find(|(s, _)| s.number == number)
        .ok_or(crate::error::Error::NotFound)?;
    render(
        &state.templates,
        "portal_survey.html",
        Some(&user),
        &user.actor.lang,
        context! { survey, answered },
    )
}

async fn portal_answer(
    State(state): State<AppState>,
    user: User,
    Path(number): Path<String>,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Redirect, PageError> {
    answers::submit_as_resident(&state.db, &user.actor, &number, &answers_of(&f)).await?;
    Ok(Redirect::to(&format!("/portal/surveys/{number}")))
}
