//! The special-group types page: counts per type in scope with an export of each group's members, and new
//! types for street administrators.

use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect};
use axum::routing::get;
use axum::{Form, Router};
use minijinja::context;
use serde::Deserialize;

use crate::error::Error;
use crate::registry::tags::{self, FieldSpec, TagTypeInput};
use crate::web::error::PageError;
use crate::web::session::User;
use crate::web::templates::render;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/tags", get(page).post(create))
        .route("/tags/{id}", get(members))
        .route("/tags/{id}/export.xlsx", get(export))
}

async fn page(State(state): State<AppState>, user: User) -> Result<Html<String>, PageError> {
    let rows: Vec<_> = tags::counts(&state.db, &user.actor)
        .await?
        .into_iter()
        .map(|(t, count)| {
            let fields = t
                .fields
                .iter()
                .map(|f| f.label.clone())
                .collect::<Vec<_>>()
                .join("、");
            context! { id => t.id, name => t.name, sensitive => t.sensitive, fields, count }
        })
        .collect();
    render(
        &state.templates,
        "tags.html",
        Some(&user),
        &user.actor.lang,
        context! { rows, is_admin => user.actor.role.is_admin() },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PageParam {
    page: String,
}

/// Members on one page of a special group's list.
const PER_PAGE: i64 = 50;

/// The members of one special group in scope, with the columns of its export and a pager.
async fn members(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Query(p): Query<PageParam>,
) -> Result<Html<String>, PageError> {
    let page: i64 = p.page.trim().parse().unwrap_or(1);
    let (t, list) = tags::members(&state.db, &user.actor, id, page, PER_PAGE).await?;
    let pages = (list.total + PER_PAGE - 1) / PER_PAGE;
    let fields: Vec<String> = t.fields.iter().map(|f| f.label.clone()).collect();
    render(
        &state.templates,
        "tag_members.html",
        Some(&user),
        &user.actor.lang,
        context! { id => t.id, name => t.name, sensitive => t.sensitive, fields, list, pages },
    )
}

#[derive(Deserialize)]
struct TypeForm {
    code: String,
    name: String,
    #[serde(default)]
    sensitive: Option<String>,
    #[serde(default)]
    fields: String,
}

/// One field per line: `key|label|kind|option1,option2|required`.
fn parse_fields(text: &str) -> Result<Vec<FieldSpec>, Error> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
        .map(|(i, line)| {
            let parts: Vec<&str> = line.split('|').map(str::trim).collect();
            if parts.len() < 3 {
                return Err(Error::invalid(
                    "字段",
                    format!("第{}行格式应为 代码|名称|类型|选项|required", i + 1),
                ));
            }
            Ok(FieldSpec {
                key: parts[0].into(),
                label: parts[1].into(),
                kind: parts[2].into(),
                options: parts
                    .get(3)
                    .map(|o| {
                        o.split([',', ','])
                            .map(|s| s.trim().to_string())
                            .filter(|s| !s.is_empty())
                            .collect()
                    })
                    .unwrap_or_default(),
                required: parts.get(4).is_some_and(|r| *r == "required"),
            })
        })
        .collect()
}

async fn create(
    State(state): State<AppState>,
    user: User,
    Form(f): Form<TypeForm>,
) -> Result<Redirect, PageError> {
    let input = TagTypeInput {
        code: f.code,
        name: f.name,
        sensitive: f.sensitive.is_some(),
        fields: parse_fields(&f.fields)?,
    };
    tags::create_type(&state.db, &user.actor, &input).await?;
    Ok(Redirect::to("/tags"))
}

/// The members of one special group in scope as .xlsx (404 for a type the role may not see).
async fn export(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<axum::response::Response, PageError> {
    let (bytes, _) = crate::exports::tags::xlsx(&state.db, &user.actor, id).await?;
    Ok(super::cases::xlsx_response("special-group", bytes))
}
