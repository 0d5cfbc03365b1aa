//! The import pages: upload a sheet and choose the grid → dry run with progress → the figures, every problem
//! and the report (.xlsx) → import all valid rows, or only if nothing is wrong. Also the blank template.

use std::io::Write;
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use minijinja::context;
use serde::Deserialize;
use sqlx::Row;

use crate::error::Error;
use crate::imports::{Mode, MAX_PROBLEMS};
use crate::web::error::PageError;
use crate::web::import_jobs::{Job, NewJob};
use crate::web::session::User;
use crate::web::templates::render;
use crate::web::AppState;

/// Uploads up to 300 MB (a million-row sheet is ~100 MB as .xlsx, ~150 MB as .csv).
const MAX_UPLOAD: usize = 300 * 1024 * 1024;
/// Problems listed on a page of the job (`?page=N`, from 1); the report has them all.
pub const PROBLEMS_PER_PAGE: usize = 200;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/import",
            get(page)
                .post(upload)
                .layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        )
        .route("/import/template.xlsx", get(template))
        .route("/import/headers.csv", get(headers_csv))
        .route("/import/jobs/{id}", get(job_page))
        .route("/import/jobs/{id}/progress", get(progress))
        .route("/import/jobs/{id}/report.xlsx", get(report))
        .route("/import/jobs/{id}/run", post(run))
        .route("/import/jobs/{id}/recheck", post(recheck))
}

async fn grids(state: &AppState, user: &User) -> Result<Vec<(i64, String)>, Error> {
    let sql = format!(
        "SELECT g.id, c.name, g.name FROM nodes g JOIN nodes c ON c.id = g.community_id \
         WHERE g.kind = 'grid' AND g.archived = 0 AND {} ORDER BY g.path",
        user.actor.scope.sql("g")
    );
    Ok(sqlx::query(&sql)
        .fetch_all(&state.db.pool)
        .await?
        .iter()
        .map(|r| {
            (
                r.get::<i64, _>(0),
                format!("{} / {}", r.get::<String, _>(1), r.get::<String, _>(2)),
            )
        })
        .collect())
}

fn job_summary(j: &Job) -> minijinja::Value {
    let (read, checked, written, committing, done) = j.progress.snapshot();
    context! {
        id => j.id, file_name => j.file_name, grid_name => j.grid_name, mode => j.mode.label_zh(),
        dry_run => j.mode == Mode::DryRun, create_places => j.create_places, read, checked, written,
        committing, done,
        seconds => j.started.elapsed().as_secs(),
    }
}

async fn page(State(state): State<AppState>, user: User) -> Result<Html<String>, PageError> {
    user.actor.require_write()?;
    let grids = grids(&state, &user).await?;
    let jobs: Vec<minijinja::Value> = state
        .imports
        .mine(&user.actor)
        .iter()
        .map(|j| job_summary(j))
        .collect();
    render(
        &state.templates,
        "import.html",
        Some(&user),
        &user.actor.lang,
        context! { grids, jobs },
    )
}

async fn template() -> impl IntoResponse {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"person_template.xlsx\"; filename*=UTF-8''%E4%BA%BA%E5%91%98%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx",
            ),
        ],
        sheetimport::blank_template_xlsx(),
    )
}

/// The accepted headers, one line per field: the template's header first (it wins over the others when two
/// columns of a file mean the same), then its synonyms. UTF-8 with a BOM, so that Excel opens it as such.
async fn headers_csv() -> impl IntoResponse {
    let mut out = String::from("\u{FEFF}字段,可识别的表头(靠前者优先)\r\n");
    for f in sheetimport::Field::MAPPED {
        out.push_str(&format!(
            "{},{}\r\n",
            f.header_zh(),
            f.synonyms().join("、")
        ));
    }
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"person_headers.csv\"",
            ),
        ],
        out,
    )
}

/// Where to go next: htmx follows `HX-Redirect`, a plain form a 303.
fn go_to(headers: &HeaderMap, url: &str) -> Response {
    if headers.contains_key("hx-request") {
        let mut r = StatusCode::NO_CONTENT.into_response();
        r.headers_mut().insert(
            "hx-redirect",
            HeaderValue::from_str(url).expect("ascii url"),
        );
        r
    } else {
        Redirect::to(url).into_response()
    }
}

async fn upload(
    State(state): State<AppState>,
    user: User,
    headers: HeaderMap,
    mut form: Multipart,
) -> Result<Response, PageError> {
    user.actor.require_write()?;
    let mut grid_id = None;
    let mut create_places = false;
    let mut file: Option<(String, tempfile::NamedTempFile, usize)> = None;
    while let Some(mut field) = form
        .next_field()
        .await
        .map_err(|e| Error::invalid("文件", format!("上传内容无法读取:{e}")))?
    {
        match field.name().unwrap_or("") {
            "grid_id" => {
                grid_id = field
                    .text()
                    .await
                    .ok()
                    .and_then(|t| t.trim().parse::<i64>().ok())
            }
            "create_places" => create_places = true,
            "file" => {
                let name = field.file_name().unwrap_or("").to_string();
                // The reader tells CSV from its name: keep the extension.
                let ext: String = name
                    .rsplit_once('.')
                    .map(|(_, e)| e)
                    .unwrap_or("")
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .take(5)
                    .collect();
                let mut tmp = crate::web::import_jobs::upload_file(&ext)
                    .map_err(|e| Error::Other(anyhow::anyhow!("temp file: {e}")))?;
                let mut size = 0;
                while let Some(chunk) = field
                    .chunk()
                    .await
                    .map_err(|e| Error::invalid("文件", format!("上传失败:{e}")))?
                {
                    size += chunk.len();
                    tmp.write_all(&chunk)
                        .map_err(|e| Error::Other(anyhow::anyhow!("temp file: {e}")))?;
                }
                file = Some((name, tmp, size));
            }
            _ => {}
        }
    }
    let Some((name, tmp, _size)) = file.filter(|f| f.2 > 0) else {
        return Err(Error::invalid("文件", "请选择要导入的文件").into());
    };
    let grid_id = grid_id.ok_or_else(|| Error::invalid("网格", "请选择导入到哪个网格"))?;
    let grid_name = grids(&state, &user)
        .await?
        .into_iter()
        .find(|g| g.0 == grid_id)
        .map(|g| g.1)
        .ok_or_else(|| Error::invalid("网格", "所选网格不存在或不在您的管辖范围内"))?;
    let job = state.imports.start(
        &state.db,
        &user.actor,
        NewJob {
            file_name: name,
            grid_id,
            grid_name,
            mode: Mode::DryRun,
            create_places,
            file: Arc::new(tmp.into_temp_path()),
        },
    );
    Ok(go_to(&headers, &format!("/import/jobs/{}", job.id)))
}

#[derive(Deserialize, Default)]
struct PageQuery {
    page: Option<usize>,
}

/// The job, with page `page` (from 1) of its problems.
fn job_context(job: &Job, page: usize) -> minijinja::Value {
    let result = job.result.lock().expect("result lock");
    let (outcome, failed) = match result.as_ref() {
        Some(Ok(o)) => (Some(o), None),
        Some(Err(e)) => (None, Some(e.clone())),
        None => (None, None),
    };
    let follow_up = *job.follow_up.lock().expect("follow-up lock");
    let listed = outcome.map(|o| o.problems.len()).unwrap_or(0);
    let pages = listed.div_ceil(PROBLEMS_PER_PAGE).max(1);
    let page = page.clamp(1, pages);
    let problems: Vec<_> = outcome
        .map(|o| {
            o.problems
                .iter()
                .skip((page - 1) * PROBLEMS_PER_PAGE)
                .take(PROBLEMS_PER_PAGE)
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    // Beyond the problems kept, only counted: the report has the ones kept, the counts all.
    let more = outcome
        .map(|o| (o.counts.errors + o.counts.warnings) as usize > listed)
        .unwrap_or(false);
    // The outcome without its problems: the page shows one page of them.
    let summary = outcome.map(|o| {
        context! {
            counts => o.counts, committed => o.committed, refused => o.refused, format => o.format,
        }
    });
    context! {
        job => job_summary(job), outcome => summary, failed, problems, more, max => MAX_PROBLEMS,
        page, pages, listed, first => (page - 1) * PROBLEMS_PER_PAGE + 1,
        prev => (page > 1).then(|| page - 1), next => (page < pages).then(|| page + 1),
        follow_up,
    }
}

async fn job_page(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<u64>,
    Query(q): Query<PageQuery>,
) -> Result<Html<String>, PageError> {
    let job = state.imports.get(&user.actor, id).ok_or(Error::NotFound)?;
    render(
        &state.templates,
        "import_job.html",
        Some(&user),
        &user.actor.lang,
        job_context(&job, q.page.unwrap_or(1)),
    )
}

async fn progress(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<u64>,
) -> Result<Response, PageError> {
    let job = state.imports.get(&user.actor, id).ok_or(Error::NotFound)?;
    let html = render(
        &state.templates,
        "import_progress.html",
        Some(&user),
        &user.actor.lang,
        job_context(&job, 1),
    )?;
    let mut r = html.into_response();
    if job.result.lock().expect("result lock").is_some() {
        // Finished: reload the whole page to show the result.
        r.headers_mut()
            .insert("hx-refresh", HeaderValue::from_static("true"));
    }
    Ok(r)
}

async fn report(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<u64>,
) -> Result<Response, PageError> {
    let job = state.imports.get(&user.actor, id).ok_or(Error::NotFound)?;
    let outcome = match job.result.lock().expect("result lock").as_ref() {
        Some(Ok(o)) => o.clone(),
        _ => return Err(Error::invalid("报告", "检查尚未完成").into()),
    };
    let bytes = crate::imports::report::xlsx(&outcome, &job.file_name)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"import-report-{id}.xlsx\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Deserialize)]
struct RunForm {
    mode: String,
}

async fn run(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<u64>,
    Form(form): Form<RunForm>,
) -> Result<Response, PageError> {
    user.actor.require_write()?;
    let dry = state.imports.get(&user.actor, id).ok_or(Error::NotFound)?;
    if dry.mode != Mode::DryRun || !matches!(*dry.result.lock().expect("lock"), Some(Ok(_))) {
        return Err(Error::invalid("导入", "请先完成预检").into());
    }
    if let Some(next) = *dry.follow_up.lock().expect("lock") {
        // Already started (a double click): show that run.
        return Ok(Redirect::to(&format!("/import/jobs/{next}")).into_response());
    }
    let mode = match form.mode.as_str() {
        "valid_rows" => Mode::ValidRows,
        "all_or_nothing" => Mode::AllOrNothing,
        _ => return Err(Error::invalid("导入方式", "请选择导入方式").into()),
    };
    // The real run takes the file over and removes it when it ends.
    let Some(file) = dry.file.lock().expect("lock").take() else {
        return Err(Error::invalid("导入", "上传的文件已删除,请重新上传").into());
    };
    let job = state.imports.start(
        &state.db,
        &user.actor,
        NewJob {
            file_name: dry.file_name.clone(),
            grid_id: dry.grid_id,
            grid_name: dry.grid_name.clone(),
            mode,
            create_places: dry.create_places,
            file,
        },
    );
    *dry.follow_up.lock().expect("lock") = Some(job.id);
    Ok(Redirect::to(&format!("/import/jobs/{}", job.id)).into_response())
}

/// A dry run again over the same file, now creating the estates and buildings it names that are not
/// registered yet (the user ticked that on the dry run's page, having read the list).
async fn recheck(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<u64>,
) -> Result<Response, PageError> {
    user.actor.require_write()?;
    let dry = state.imports.get(&user.actor, id).ok_or(Error::NotFound)?;
    if dry.mode != Mode::DryRun || !matches!(*dry.result.lock().expect("lock"), Some(Ok(_))) {
        return Err(Error::invalid("导入", "请先完成预检").into());
    }
    if let Some(next) = *dry.follow_up.lock().expect("lock") {
        return Ok(Redirect::to(&format!("/import/jobs/{next}")).into_response());
    }
    let Some(file) = dry.file.lock().expect("lock").take() else {
        return Err(Error::invalid("导入", "上传的文件已删除,请重新上传").into());
    };
    let job = state.imports.start(
        &state.db,
        &user.actor,
        NewJob {
            file_name: dry.file_name.clone(),
            grid_id: dry.grid_id,
            grid_name: dry.grid_name.clone(),
            mode: Mode::DryRun,
            create_places: true,
            file,
        },
    );
    *dry.follow_up.lock().expect("lock") = Some(job.id);
    Ok(Redirect::to(&format!("/import/jobs/{}", job.id)).into_response())
}
