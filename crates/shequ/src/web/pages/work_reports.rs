//! 工作报告: start a report of a place and a period from a template, rewrite its prose around the live
//! figures, finalise (freeze) it, start a new version, download it as .docx or .md; the street administrator
//! edits the templates. The figures come from [`crate::reports::work`]; this file only shows them.

use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use minijinja::{context, Value};
use serde::Deserialize;

use crate::error::Error;
use crate::reports::catalog::{beijing_time, catalog, Period};
use crate::reports::document::{Block, Doc};
use crate::reports::{chart, document, frozen, word, work};
use crate::web::error::PageError;
use crate::web::session::User;
use crate::web::templates::render;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reports/work", get(list).post(create))
        .route("/reports/work/{id}", get(show).post(save))
        .route("/reports/work/{id}/finalise", post(finalise))
        .route("/reports/work/{id}/version", post(new_version))
        .route("/reports/work/{id}/report.docx", get(docx))
        .route("/reports/work/{id}/report.md", get(md))
        .route(
            "/reports/work/{id}/figures/{code}/records",
            get(figure_records),
        )
        .route(
            "/reports/work/{id}/figures/{code}/records.xlsx",
            get(figure_records_xlsx),
        )
        .route("/reports/templates", get(templates))
        .route(
            "/reports/templates/{code}",
            get(template).post(save_template),
        )
}

/// The blocks of a document as the page template lays them out (charts as inline SVG).
pub(crate) fn blocks(doc: &Doc) -> Vec<Value> {
    doc.blocks
        .iter()
        .map(|b| match b {
            Block::Heading { level, spans } => context! { kind => "heading", level, spans },
            Block::Para { spans } => context! { kind => "para", spans },
            Block::Table { headers, rows } => context! { kind => "table", headers, rows },
            Block::Chart { chart: c } => context! {
                kind => "chart", title => c.title, svg => Value::from_safe_string(chart::svg(c)),
            },
        })
        .collect()
}

async fn list(State(state): State<AppState>, user: User) -> Result<Html<String>, PageError> {
    let reports = work::list(&state.db, &user.actor).await?;
    let templates = work::templates(&state.db, &user.actor).await?;
    let defaults: Vec<Value> = templates
        .iter()
        .map(|t| context! { code => t.code, name => t.name, period => period_code(&work::default_period(&t.kind)) })
        .collect();
    render(
        &state.templates,
        "work_reports.html",
        Some(&user),
        &user.actor.lang,
        context! { reports => reports.iter().map(|r| context! { id => r.id, number => r.number, title => r.title,
            place => r.place, period => r.period_label, status => r.status, version => r.version,
            updated => beijing_time(&r.updated_at) }).collect::<Vec<_>>(),
        templates => defaults, places => super::ledgers::places(&state, &user).await?,
        can_write => user.actor.role.can_write_registry(), is_admin => user.actor.role.is_admin() },
    )
}

/// The period as the form writes it (2025, 2025-Q1, 2025-H1).
fn period_code(p: &Period) -> String {
    use chrono::Datelike;
    let (y, m) = (p.from.year(), p.from.month());
    let months = (p.to.year() - y) * 12 + p.to.month() as i32 - m as i32 + 1;
    match months {
        12 => format!("{y}"),
        6 => format!("{y}-H{}", if m == 1 { 1 } else { 2 }),
        3 => format!("{y}-Q{}", (m - 1) / 3 + 1),
        1 => format!("{y}-{m:02}"),
        _ => format!("{}..{}", p.from, p.to),
    }
}

#[derive(Deserialize)]
struct NewForm {
    template: String,
    #[serde(deserialize_with = "crate::registry::persons::lenient_id", default)]
    node: Option<i64>,
    period: String,
}

async fn create(
    State(state): State<AppState>,
    user: User,
    Form(f): Form<NewForm>,
) -> Result<Redirect, PageError> {
    let period = Period::parse(&f.period)?;
    let node = match f.node {
        Some(n) => n,
        None => crate::registry::nodes::roots(&state.db, &user.actor)
            .await?
            .first()
            .map(|n| n.id)
            .ok_or(Error::NotFound)?,
    };
    let id = work::create(&state.db, &user.actor, &f.template, node, &period).await?;
    Ok(Redirect::to(&format!("/reports/work/{id}")))
}

async fn page(
    state: &AppState,
    user: &User,
    r: &work::Report,
    body: &str,
    error: Option<String>,
) -> Result<Html<String>, PageError> {
    // A draft whose text does not parse (an error being shown) is previewed from its saved text.
    let doc = match work::compute(&state.db, &user.actor, r, body).await {
        Ok(d) if !r.is_final() => d,
        _ => work::document(&state.db, &user.actor, r).await?,
    };
    let versions = work::versions(&state.db, &user.actor, r).await?;
    let codes: Vec<Value> = catalog()
        .indicators
        .iter()
        .map(|i| context! { code => i.def().code, name => i.def().name, unit => i.def().unit })
        .collect();
    render(
        &state.templates,
        "work_report.html",
        Some(user),
        &user.actor.lang,
        context! { r => r, body, error, blocks => blocks(&doc), computed_at => beijing_time(&doc.computed_at),
        finalised_at => r.finalised_at.as_deref().map(beijing_time),
        versions => versions.iter().map(|v| context! { id => v.id, number => v.number, version => v.version,
            status => v.status, current => v.id == r.id }).collect::<Vec<_>>(),
        can_write => user.actor.role.can_write_registry(), codes },
    )
}

async fn show(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let r = work::get(&state.db, &user.actor, id).await?;
    let body = r.body.clone();
    page(&state, &user, &r, &body, None).await
}

#[derive(Deserialize)]
struct EditForm {
    title: String,
    body: String,
}

/// Saves the text; a bad field shows the page again with the error and the text as typed (nothing lost).
async fn save(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<EditForm>,
) -> Result<Response, PageError> {
    match work::update(&state.db, &user.actor, id, &f.title, &f.body).await {
        Ok(()) => Ok(Redirect::to(&format!("/reports/work/{id}")).into_response()),
        Err(e @ (Error::Invalid { .. } | Error::Conflict { .. })) => {
            let mut r = work::get(&state.db, &user.actor, id).await?;
            r.title = f.title.clone();
            let page = page(&state, &user, &r, &f.body, Some(e.to_string())).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn finalise(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Redirect, PageError> {
    work::finalise(&state.db, &user.actor, id).await?;
    Ok(Redirect::to(&format!("/reports/work/{id}")))
}

async fn new_version(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Redirect, PageError> {
    let new = work::new_version(&state.db, &user.actor, id).await?;
    Ok(Redirect::to(&format!("/reports/work/{new}")))
}

/// The report's document and a file name made of its number.
pub(crate) async fn doc_of(
    state: &AppState,
    user: &User,
    id: i64,
) -> Result<(work::Report, Doc), Error> {
    let r = work::get(&state.db, &user.actor, id).await?;
    let doc = work::document(&state.db, &user.actor, &r).await?;
    crate::audit::record(
        &state.db.pool,
        &user.actor,
        "export",
        "work_report",
        Some(r.id),
        None,
        Some(&serde_json::json!({"number": r.number, "status": r.status})),
    )
    .await?;
    Ok((r, doc))
}

pub(crate) fn file_response(name: &str, content_type: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_string()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

pub(crate) const DOCX: &str =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

async fn docx(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let (r, doc) = doc_of(&state, &user, id).await?;
    let bytes = tokio::task::spawn_blocking(move || word::docx(&doc))
        .await
        .map_err(|e| Error::Other(e.into()))??;
    Ok(file_response(&format!("{}.docx", r.number), DOCX, bytes))
}

async fn md(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let (r, doc) = doc_of(&state, &user, id).await?;
    Ok(file_response(
        &format!("{}.md", r.number),
        "text/markdown; charset=utf-8",
        document::markdown(&doc).into_bytes(),
    ))
}

async fn templates(State(state): State<AppState>, user: User) -> Result<Html<String>, PageError> {
    let list = work::templates(&state.db, &user.actor).await?;
    render(
        &state.templates,
        "report_templates.html",
        Some(&user),
        &user.actor.lang,
        context! { templates => list.iter().map(|t| context! { code => t.code, name => t.name, builtin => t.builtin,
        updated_by => t.updated_by, updated_at => t.updated_at.as_deref().map(beijing_time) }).collect::<Vec<_>>(),
        is_admin => user.actor.role.is_admin() },
    )
}

async fn template_page(
    state: &AppState,
    user: &User,
    t: &work::TemplateInfo,
    error: Option<String>,
) -> Result<Html<String>, PageError> {
    let codes: Vec<Value> = catalog()
        .indicators
        .iter()
        .map(|i| context! { code => i.def().code, name => i.def().name, unit => i.def().unit })
        .collect();
    render(
        &state.templates,
        "report_template.html",
        Some(user),
        &user.actor.lang,
        context! { tpl => t, error, codes, is_admin => user.actor.role.is_admin() },
    )
}

async fn template(
    State(state): State<AppState>,
    user: User,
    Path(code): Path<String>,
) -> Result<Html<String>, PageError> {
    let t = match work::template(&state.db, &user.actor, &code).await {
        Ok(t) => t,
        // A new template: the code from the address, an empty text.
        Err(Error::NotFound) if user.actor.role.is_admin() => work::TemplateInfo {
            code: code.clone(),
            name: String::new(),
            kind: "other".into(),
            body: String::new(),
            builtin: false,
            updated_by: None,
            updated_at: None,
        },
        Err(e) => return Err(e.into()),
    };
    template_page(&state, &user, &t, None).await
}

#[derive(Deserialize)]
struct TemplateForm {
    name: String,
    body: String,
}

async fn save_template(
    State(state): State<AppState>,
    user: User,
    Path(code): Path<String>,
    Form(f): Form<TemplateForm>,
) -> Result<Response, PageError> {
    match work::save_template(&state.db, &user.actor, &code, &f.name, &f.body).await {
        Ok(()) => Ok(Redirect::to("/reports/templates").into_response()),
        Err(e @ Error::Invalid { .. }) => {
            let t = work::TemplateInfo {
                code,
                name: f.name,
                kind: "other".into(),
                body: f.body,
                builtin: false,
                updated_by: None,
                updated_at: None,
            };
            let page = template_page(&state, &user, &t, Some(e.to_string())).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PageAt {
    #[serde(deserialize_with = "crate::registry::persons::lenient_id")]
    page: Option<i64>,
}

/// The records a finalised report's figure counted when it was finalised, 50 a page.
async fn figure_records(
    State(state): State<AppState>,
    user: User,
    Path((id, code)): Path<(i64, String)>,
    axum::extract::Query(q): axum::extract::Query<PageAt>,
) -> Result<Html<String>, PageError> {
    let per = crate::web::api::PER_PAGE;
    let page = q.page.unwrap_or(1).max(1);
    let f = frozen::page(&state.db, &user.actor, id, &code, (per, (page - 1) * per)).await?;
    let pages = ((f.total + per - 1) / per).max(1);
    let finalised_at = f
        .finalised_at
        .as_deref()
        .map(beijing_time)
        .unwrap_or_default();
    render(
        &state.templates,
        "figure_records.html",
        Some(&user),
        &user.actor.lang,
        context! { f, pages, finalised_at },
    )
}

/// The frozen records of a figure as .xlsx (all that were kept).
async fn figure_records_xlsx(
    State(state): State<AppState>,
    user: User,
    Path((id, code)): Path<(i64, String)>,
) -> Result<Response, PageError> {
    let f = frozen::page(&state.db, &user.actor, id, &code, (frozen::CAP, 0)).await?;
    if !f.parts.is_empty() {
        return Err(Error::invalid("指标", "比率没有可列出的记录,请查看分子或分母").into());
    }
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let at = f
        .finalised_at
        .as_deref()
        .map(beijing_time)
        .unwrap_or_default();
    let title = format!("{}({},定稿于{at}北京时间)", f.name, f.report_number);
    let xl = |e: rust_xlsxwriter::XlsxError| Error::Other(e.into());
    sheet.write(0, 0, &title).map_err(xl)?;
    for (c, h) in ["序号", "记录", "说明"].iter().enumerate() {
        sheet.write(1, c as u16, *h).map_err(xl)?;
    }
    for (r, item) in f.items.iter().enumerate() {
        let row = r as u32 + 2;
        sheet.write(row, 0, r as u32 + 1).map_err(xl)?;
        sheet.write(row, 1, &item.label).map_err(xl)?;
        sheet.write(row, 2, &item.detail).map_err(xl)?;
    }
    sheet.set_column_width(1, 24).map_err(xl)?;
    sheet.set_column_width(2, 40).map_err(xl)?;
    let bytes = book.save_to_buffer().map_err(xl)?;
    crate::audit::record(
        &state.db.pool,
        &user.actor,
        "export",
        "report_figure_records",
        Some(id),
        None,
        Some(&serde_json::json!({"code": code, "rows": f.items.len()})),
    )
    .await?;
    Ok(super::cases::xlsx_response(&code.replace('.', "-"), bytes))
}
