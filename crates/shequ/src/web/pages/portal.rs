//! The resident portal's pages (居民端, phone first): sign-up, the home page with one's requests, the report
//! form (with a photo, sent by htmx so the CSRF header goes along), one request with its steps and the rating
//! form. And the two worker pages that verify residents: sign-ups waiting for a match, and the 登记码 card
//! printed for one person.

use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{header, HeaderMap};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use minijinja::context;
use serde::Deserialize;

use crate::accounts::sessions;
use crate::cases::attachments;
use crate::error::Error;
use crate::portal::{self, requests, signup};
use crate::web::error::{html_escape, PageError};
use crate::web::session::{cookie, set_cookie, ClientIp, User, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use crate::web::templates::render;
use crate::web::{upload, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/portal", get(home))
        .route("/portal/signup", get(signup_page).post(signup_submit))
        .route("/portal/code", post(redeem))
        .route(
            "/portal/report",
            get(report_form)
                .post(report_submit)
                .layer(DefaultBodyLimit::max(upload::BODY_LIMIT)),
        )
        .route("/portal/cases/{number}", get(case_page))
        .route("/portal/cases/{number}/rate", post(rate))
        .route(
            "/portal/cases/{number}/photos",
            post(add_photo).layer(DefaultBodyLimit::max(upload::BODY_LIMIT)),
        )
        .route("/portal/cases/{number}/photos/{id}", get(photo))
        .route("/residents/pending", get(pending))
        .route("/residents/pending/{user_id}/verify", post(verify))
        .route("/residents/pending/{user_id}/decline", post(decline))
        .route("/persons/{id}/portal-code", post(issue_code))
}

async fn home(State(state): State<AppState>, user: User) -> Result<Html<String>, PageError> {
    portal::require_resident(&user.actor)?;
    let me = portal::me(&state.db, &user.actor).await?;
    let cases = match me {
        Some(_) => requests::mine(&state.db, &user.actor).await?,
        None => vec![],
    };
    let board_code = match &me {
        Some(r) => crate::registry::nodes::code_of(&state.db, r.community_id).await?,
        None => None,
    };
    render(
        &state.templates,
        "portal_home.html",
        Some(&user),
        &user.actor.lang,
        context! { me, cases, board_code, display_name => user.actor.display_name.clone() },
    )
}

fn signup_form(
    state: &AppState,
    headers: &HeaderMap,
    error: Option<(String, String)>,
    f: &SignUpForm,
) -> Result<Response, PageError> {
    let csrf = cookie(headers, LOGIN_CSRF_COOKIE).unwrap_or_else(sessions::random_token);
    let lang = cookie(headers, "shequ_lang").unwrap_or_else(|| "zh".into());
    let status = if error.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    let (field, error) = error.unzip();
    let page = render(
        &state.templates,
        "portal_signup.html",
        None,
        &lang,
        context! { error, field, phone => f.phone.clone(), name => f.name.clone(), code => f.code.clone(), login_csrf => csrf.clone() },
    )?;
    Ok((
        status,
        [(
            header::SET_COOKIE,
            set_cookie(LOGIN_CSRF_COOKIE, &csrf, 3600),
        )],
        page,
    )
        .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SignUpForm {
    phone: String,
    name: String,
    password: String,
    code: String,
}

async fn signup_page(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    signup_form(&state, &headers, None, &SignUpForm::default())
}

/// Signs up and signs in: the new resident lands on their portal page (verified or waiting).
async fn signup_submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(f): Form<SignUpForm>,
) -> Result<Response, PageError> {
    let input = signup::SignUp {
        phone: f.phone.clone(),
        name: f.name.clone(),
        password: f.password.clone(),
        code: f.code.clone(),
    };
    match signup::signup(&state.db, &input, &ip).await {
        Ok(done) => {
            let agent = headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let (token, _) = sessions::create(&state.db, done.user_id, &ip, agent).await?;
            Ok((
                [(
                    header::SET_COOKIE,
                    set_cookie(SESSION_COOKIE, &token, sessions::LIFETIME_HOURS * 3600),
                )],
                Redirect::to("/portal"),
            )
                .into_response())
        }
        Err(Error::Invalid { field, message } | Error::Conflict { field, message }) => {
            signup_form(&state, &headers, Some((field.to_string(), message)), &f)
        }
        Err(e @ Error::Locked(_)) => {
            signup_form(&state, &headers, Some((String::new(), e.to_string())), &f)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct CodeForm {
    code: String,
}

async fn redeem(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    user: User,
    Form(f): Form<CodeForm>,
) -> Result<Redirect, PageError> {
    signup::redeem_code(&state.db, &user.actor, &f.code, &ip).await?;
    Ok(Redirect::to("/portal"))
}

async fn report_form(State(state): State<AppState>, user: User) -> Result<Html<String>, PageError> {
    let me = portal::verified(&state.db, &user.actor).await?;
    let categories = requests::categories(&state.db, &user.actor).await?;
    render(
        &state.templates,
        "portal_report.html",
        Some(&user),
        &user.actor.lang,
        context! { me, categories },
    )
}

/// The answer to an htmx form: go to the page, or show the message under the form (htmx swaps 2xx only).
fn htmx_done(result: crate::error::Result<String>) -> Response {
    match result {
        Ok(page) => {
            let mut h = HeaderMap::new();
            h.insert("HX-Redirect", page.parse().expect("ascii path"));
            (h, "").into_response()
        }
        Err(e @ (Error::NotFound | Error::Unauthorized)) => PageError(e).into_response(),
        Err(e) => Html(format!(
            "<p class=\"error\" role=\"alert\">{}</p>",
            html_escape(&e.to_string())
        ))
        .into_response(),
    }
}

/// A new request with an optional photo: the photo is checked before anything is written, so a bad file
/// leaves no half-made request.
async fn report_submit(State(state): State<AppState>, user: User, m: Multipart) -> Response {
    let result = async {
        let (fields, photo) = upload::read(m).await?;
        if !photo.bytes.is_empty() {
            attachments::check("照片", &photo)?;
        }
        let field = |k: &str| fields.get(k).cloned().unwrap_or_default();
        let input = requests::ResidentReport {
            category_id: field("category_id").trim().parse().unwrap_or(0),
            title: field("title"),
            description: field("description"),
        };
        let case = requests::report(&state.db, &user.actor, &input).await?;
        if !photo.bytes.is_empty() {
            requests::add_photo(&state.db, &user.actor, &case.number, &photo).await?;
        }
        Ok(format!("/portal/cases/{}", case.number))
    }
    .await;
    htmx_done(result)
}

async fn case_page(
    State(state): State<AppState>,
    user: User,
    Path(number): Path<String>,
) -> Result<Html<String>, PageError> {
    let detail = requests::detail(&state.db, &user.actor, &number).await?;
    render(
        &state.templates,
        "portal_case.html",
        Some(&user),
        &user.actor.lang,
        context! { detail, ratings => crate::cases::RATINGS.to_vec() },
    )
}

#[derive(Deserialize)]
struct RateForm {
    rating: String,
    #[serde(default)]
    comment: String,
}

async fn rate(
    State(state): State<AppState>,
    user: User,
    Path(number): Path<String>,
    Form(f): Form<RateForm>,
) -> Result<Redirect, PageError> {
    let case = requests::rate(&state.db, &user.actor, &number, &f.rating, &f.comment).await?;
    Ok(Redirect::to(&format!("/portal/cases/{}", case.number)))
}

async fn add_photo(
    State(state): State<AppState>,
    user: User,
    Path(number): Path<String>,
    m: Multipart,
) -> Response {
    let result = async {
        let (_, photo) = upload::read(m).await?;
        requests::add_photo(&state.db, &user.actor, &number, &photo).await?;
        Ok(format!("/portal/cases/{number}"))
    }
    .await;
    htmx_done(result)
}

async fn photo(
    State(state): State<AppState>,
    user: User,
    Path((number, id)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    let (a, bytes) = requests::photo(&state.db, &user.actor, &number, id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, a.content_type),
            (header::CACHE_CONTROL, "private, max-age=3600".into()),
        ],
        bytes,
    )
        .into_response())
}

async fn pending(State(state): State<AppState>, user: User) -> Result<Html<String>, PageError> {
    let rows = signup::pending(&state.db, &user.actor).await?;
    render(
        &state.templates,
        "residents_pending.html",
        Some(&user),
        &user.actor.lang,
        context! { rows },
    )
}

#[derive(Deserialize)]
struct VerifyForm {
    person_id: i64,
}

async fn verify(
    State(state): State<AppState>,
    user: User,
    Path(user_id): Path<i64>,
    Form(f): Form<VerifyForm>,
) -> Result<Redirect, PageError> {
    signup::verify(&state.db, &user.actor, user_id, f.person_id).await?;
    Ok(Redirect::to("/residents/pending"))
}

async fn decline(
    State(state): State<AppState>,
    user: User,
    Path(user_id): Path<i64>,
) -> Result<Redirect, PageError> {
    signup::decline(&state.db, &user.actor, user_id).await?;
    Ok(Redirect::to("/residents/pending"))
}

/// A new 登记码 for a person, shown once on a printable card.
async fn issue_code(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let code = signup::issue_code(&state.db, &user.actor, id).await?;
    let person = crate::registry::persons::get(&state.db, &user.actor, id).await?;
    render(
        &state.templates,
        "portal_code.html",
        Some(&user),
        &user.actor.lang,
        context! { code, name => person.name, person_id => id },
    )
}
