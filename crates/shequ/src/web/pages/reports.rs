//! The report check page: upload or paste a report written outside shequ; see what is wrong with it and how
//! its figures compare with the records of the user's scope.

use axum::extract::multipart::MultipartError;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::response::Html;
use axum::routing::get;
use axum::Router;
use minijinja::context;

use crate::error::Error;
use crate::reports::history;
use crate::reports::indicators::Indicators;
use crate::web::error::{html_escape, PageError};
use crate::web::session::User;
use crate::web::templates::render;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/reports/check",
        get(page)
            .post(check)
            .layer(DefaultBodyLimit::max(BODY_LIMIT)),
    )
}

async fn page(State(state): State<AppState>, user: User) -> Result<Html<String>, PageError> {
    render(
        &state.templates,
        "report_check.html",
        Some(&user),
        &user.actor.lang,
        context! {},
    )
}

/// The report check reads files up to [`reportcheck::limits::MAX_FILE_BYTES`] (20 MB, said on the page);
/// the body may hold that and a pasted text of [`reportcheck::limits::MAX_REPORT_CHARS`] besides.
const BODY_LIMIT: usize =
    reportcheck::limits::MAX_FILE_BYTES + 4 * reportcheck::limits::MAX_REPORT_CHARS + 64 * 1024;

/// Download links (data: URLs, nothing kept on the server): the cleaned text as .txt and .docx (changes
/// highlighted), the figures as .xlsx.
fn downloads(report: &reportcheck::Report) -> String {
    let stem = report
        .source
        .rsplit_once('.')
        .map_or(report.source.as_str(), |(s, _)| s);
    let stem = html_escape(if stem.is_empty() { "报告" } else { stem });
    let txt = reportcheck::data_url("text/plain;charset=utf-8", report.cleaned_text.as_bytes());
    let docx = reportcheck::data_url(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        &reportcheck::cleaned_docx(report),
    );
    let xlsx = reportcheck::data_url(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &reportcheck::figures_xlsx(&report.figures),
    );
    format!(
        "<p class=\"downloads\" id=\"check-downloads\">下载:<a download=\"{stem}_清理后.txt\" href=\"{txt}\">清理后的文本(.txt)</a> · <a download=\"{stem}_清理后.docx\" href=\"{docx}\">清理后的文本(.docx,修改处标黄)</a> · <a download=\"{stem}_数据.xlsx\" href=\"{xlsx}\">提取的数据(.xlsx)</a></p>\n"
    )
}

/// An upload that could not be read: over the body limit (the file too large), or broken off.
fn unreadable(e: MultipartError) -> Error {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        Error::invalid("文件", reportcheck::limits::upload_too_large().to_string())
    } else {
        Error::invalid("文件", format!("上传内容无法读取:{e}"))
    }
}

async fn check(
    State(state): State<AppState>,
    user: User,
    mut form: Multipart,
) -> Result<Html<String>, PageError> {
    let (mut file, mut name, mut text, mut year, mut keep) =
        (Vec::new(), String::new(), String::new(), None, false);
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        match field.name().unwrap_or("") {
            "file" => {
                name = field.file_name().unwrap_or("").to_string();
                file = field.bytes().await.map_err(unreadable)?.to_vec();
                if file.len() > reportcheck::limits::MAX_FILE_BYTES {
                    let e = reportcheck::limits::file_too_large(file.len());
                    return Err(Error::invalid("文件", e.to_string()).into());
                }
            }
            "text" => {
                text = field.text().await.map_err(unreadable)?;
                reportcheck::limits::check_text(&text)
                    .map_err(|e| Error::invalid("文本", e.to_string()))?;
            }
            "year" => {
                year = field
                    .text()
                    .await
                    .ok()
                    .and_then(|y| y.trim().parse::<i32>().ok())
            }
            "save_history" => keep = true,
            _ => {}
        }
    }
    let options = reportcheck::Options {
        report_year: year,
        source_name: name.clone(),
        ..Default::default()
    };
    let mut report = if !file.is_empty() {
        reportcheck::check_bytes_with(&file, &name, &options)
            .map_err(|e| Error::invalid("文件", e.to_string()))?
    } else if !text.trim().is_empty() {
        reportcheck::check_text(&text, &options)
    } else {
        return Ok(Html(
            "<p class=\"error\" role=\"alert\">请上传文件或粘贴报告文本</p>".into(),
        ));
    };
    let report_year = year
        .or(report.report_year)
        .unwrap_or_else(|| chrono::Datelike::year(&crate::db::today()));
    let period = reportcheck::Period::year(report_year);
    let indicators = Indicators::compute(&state.db, &user.actor, &period).await?;
    let scope = html_escape(&user.actor.display_name);
    let mapping = reportcheck::Mapping::default();
    report.compare_with(&mapping, &indicators, &scope, &period);
    if let Some(previous) = history::load(&state.db, &user.actor, report_year - 1).await? {
        report.add_history(&previous, &mapping);
    }
    let mut html = reportcheck::render_html_fragment(&report);
    html.push_str(&downloads(&report));
    html.push_str(&reportcheck::cleaned_html(&report));
    if keep {
        history::save(
            &state.db,
            &user.actor,
            report_year,
            &report.to_history(&scope, period),
        )
        .await?;
        html.push_str(&format!("<p class=\"ok\" id=\"history-saved\">已保存{report_year}年的报告数据,用于以后的同比对比。</p>"));
    }
    Ok(Html(html))
}
