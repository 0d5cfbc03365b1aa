//! Person pages: search and list, register, view (masked, with an audited reveal), edit, tags, dated
//! events, archive and history.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use minijinja::context;
use serde::Deserialize;
use serde_json::Value;

use crate::accounts::Actor;
use crate::error::Error;
use crate::registry::persons::{self, ListRow, Person, PersonInput};
use crate::registry::population::{self, EventInput, EventKind};
use crate::registry::{households, search, tags, validate};
use crate::web::error::{html_escape, PageError};
use crate::web::session::User;
use crate::web::templates::render;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/persons", get(list).post(create))
        .route("/persons/results", get(results))
        .route("/persons/export.xlsx", get(export))
        .route("/persons/new", get(new_form))
        .route("/persons/{id}", get(show).post(update))
        .route("/persons/{id}/edit", get(edit_form))
        .route("/persons/{id}/reveal", post(reveal))
        .route("/persons/{id}/events", post(add_event))
        .route("/persons/{id}/tags", post(add_tag))
        .route("/persons/{id}/tags/{tag}/remove", post(remove_tag))
        .route("/persons/{id}/archive", post(archive))
        .route("/persons/{id}/requests", post(pipl_request))
        .route("/persons/{id}/history", get(history))
        .route("/tag-fields", get(tag_fields))
}

const PER_PAGE: i64 = 50;

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    q: String,
    /// 0-based. With `after` / `before` only the number shown for the page.
    page: i64,
    /// The next page: people older than this id (the last of the page before), read by id without OFFSET.
    after: Option<i64>,
    /// The previous page: people newer than this id (the first of the page after).
    before: Option<i64>,
}

/// The list's page links: its number, and the ids the next (`after`) and previous (`before`) pages start
/// from when there are such pages.
#[derive(serde::Serialize)]
struct Pager {
    page: i64,
    older: Option<i64>,
    newer: Option<i64>,
}

async fn find(
    state: &AppState,
    user: &User,
    q: &ListQuery,
) -> Result<(Vec<ListRow>, Option<Pager>), PageError> {
    if q.q.trim().is_empty() {
        let start = match (q.after, q.before) {
            (Some(id), _) => persons::Start::After(id),
            (None, Some(id)) => persons::Start::Before(id),
            (None, None) => persons::Start::Offset(q.page.max(0) * PER_PAGE),
        };
        // Pages of PER_PAGE rows (one more is read to know whether another page lies beyond).
        let (rows, has_older, has_newer) =
            persons::list_rows(&state.db, &user.actor, None, start, PER_PAGE).await?;
        let pager = Pager {
            // At the newest end it is the first page, whatever the link said.
            page: if has_newer { q.page.max(1) } else { 0 },
            older: rows.last().map(|r| r.id).filter(|_| has_older),
            newer: rows.first().map(|r| r.id).filter(|_| has_newer),
        };
        Ok((rows, Some(pager)))
    } else {
        let found = search::search(&state.db, &user.actor, &q.q, search::MAX_RESULTS).await?;
        Ok((found.into_iter().map(ListRow::from).collect(), None))
    }
}

async fn list(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<ListQuery>,
) -> Result<Html<String>, PageError> {
    let (rows, pager) = find(&state, &user, &q).await?;
    let people: Vec<ListRow> = rows;
    render(
        &state.templates,
        "persons.html",
        Some(&user),
        &user.actor.lang,
        context! { people, q => q.q, pager },
    )
}

async fn results(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<ListQuery>,
) -> Result<Html<String>, PageError> {
    let (rows, pager) = find(&state, &user, &q).await?;
    let people: Vec<ListRow> = rows;
    render(
        &state.templates,
        "person_rows.html",
        Some(&user),
        &user.actor.lang,
        context! { people, pager, q => q.q },
    )
}

fn choice_fields(p: Option<&Person>, actor: &Actor) -> Vec<minijinja::Value> {
    let v = |f: fn(&Person) -> &Option<String>| p.and_then(|p| f(p).clone()).unwrap_or_default();
    let mut fields = vec![
        context! { name => "ethnicity", label => "民族", options => validate::ETHNICITIES, value => v(|p| &p.ethnicity) },
        context! { name => "political_status", label => "政治面貌", options => validate::POLITICAL, value => v(|p| &p.political_status) },
        context! { name => "marital_status", label => "婚姻状况", options => validate::MARITAL, value => v(|p| &p.marital_status) },
        context! { name => "education", label => "文化程度", options => validate::EDUCATION, value => v(|p| &p.education) },
        context! { name => "employment", label => "就业状况", options => validate::EMPLOYMENT, value => v(|p| &p.employment) },
        context! { name => "hukou_type", label => "户籍类型", options => validate::HUKOU_TYPES, value => p.map(|p| p.hukou_type.clone()).unwrap_or_else(|| "户籍".into()) },
        context! { name => "relation", label => "与户主关系", options => validate::RELATIONS, value => v(|p| &p.relation) },
    ];
    if actor.role.sees_sensitive() {
        fields.push(context! { name => "health", label => "健康状况", options => validate::HEALTH, value => v(|p| &p.health) });
    }
    fields
}

#[derive(Deserialize)]
struct NewQuery {
    household_id: Option<i64>,
}

async fn household_options(
    state: &AppState,
    user: &User,
    selected: Option<i64>,
) -> Result<Vec<households::Household>, PageError> {
    // The selected household first, then others of the same dwelling.
    let Some(id) = selected else {
        return Ok(vec![]);
    };
    let h = households::get(&state.db, &user.actor, id).await?;
    let mut all = households::at_dwelling(&state.db, &user.actor, h.dwelling_id).await?;
    all.retain(|x| x.archived == 0 || x.id == id);
    all.sort_by_key(|x| x.id != id);
    Ok(all)
}

async fn new_form(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<NewQuery>,
) -> Result<Html<String>, PageError> {
    user.actor.require_write()?;
    let households = household_options(&state, &user, q.household_id).await?;
    if households.is_empty() {
        return Err(Error::invalid("所属户", "请先在区域中找到房屋和户,再从户页面登记人员").into());
    }
    let p = context! { household_id => q.household_id, id_type => "居民身份证" };
    render(
        &state.templates,
        "person_form.html",
        Some(&user),
        &user.actor.lang,
        context! { p, households, action => "/persons", selects => choice_fields(None, &user.actor), choices => context! { id_types => validate::ID_TYPES } },
    )
}

async fn create(
    State(state): State<AppState>,
    user: User,
    Form(f): Form<PersonInput>,
) -> Result<Redirect, PageError> {
    let p = persons::create(&state.db, &user.actor, &f).await?;
    Ok(Redirect::to(&format!("/persons/{}", p.id)))
}

async fn show(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let db = &state.db;
    let actor = &user.actor;
    let p = persons::view(db, actor, id).await?;
    let person_tags = tags::for_person(db, actor, id).await?;
    let types = tags::types(db, actor).await?;
    let tag_rows: Vec<_> = person_tags
        .iter()
        .map(|t| {
            let text = types.iter().find(|x| x.id == t.tag_type_id).map(|x| tags::describe(x, &t.fields)).unwrap_or_default();
            context! { id => t.id, type_name => t.type_name, sensitive => t.sensitive, since => t.since, text }
        })
        .collect();
    let events: Vec<_> = population::events(db, actor, id)
        .await?
        .into_iter()
        .map(|e| {
            let label = EventKind::from_code(&e.kind)
                .map(|k| k.label_zh())
                .unwrap_or("");
            context! { event_date => e.event_date, label, note => e.note }
        })
        .collect();
    let age = p.age_on(crate::db::today());
    let honours = crate::selections::announce::of_person(db, id).await?;
    render(
        &state.templates,
        "person.html",
        Some(&user),
        &actor.lang,
        context! { p, age, honours, tags => tag_rows, tag_types => types, events, can_write => actor.role.can_write_registry(),
        can_unmask => actor.role.can_unmask(), sees_sensitive => actor.role.sees_sensitive() },
    )
}

async fn edit_form(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    user.actor.require_write()?;
    // The edit form shows the stored values: the user is editing this record and may unmask it anyway; the
    // page view is audited as an unmask.
    let revealed = persons::for_edit(&state.db, &user.actor, id).await?;
    let households = household_options(&state, &user, revealed.get().household_id).await?;
    let selects = choice_fields(Some(revealed.get()), &user.actor);
    let p = revealed;
    render(
        &state.templates,
        "person_form.html",
        Some(&user),
        &user.actor.lang,
        context! { action => format!("/persons/{id}"), p, households, selects, choices => context! { id_types => validate::ID_TYPES } },
    )
}

/// The edit form: the person's fields, and the reason when the person asked for the correction.
#[derive(Deserialize)]
struct EditForm {
    #[serde(flatten)]
    person: PersonInput,
    #[serde(default)]
    correction_reason: String,
}

async fn update(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<EditForm>,
) -> Result<Redirect, PageError> {
    if f.correction_reason.trim().is_empty() {
        persons::update(&state.db, &user.actor, id, &f.person).await?;
    } else {
        let c = crate::registry::pipl::Correction {
            reason: f.correction_reason,
            person: f.person,
        };
        crate::registry::pipl::correct(&state.db, &user.actor, id, &c).await?;
    }
    Ok(Redirect::to(&format!("/persons/{id}")))
}

#[derive(Deserialize)]
struct PiplForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    action: String,
}

/// 个人信息申请 from the person's page: the copy of their data as a JSON download, or the archive.
async fn pipl_request(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<PiplForm>,
) -> Result<axum::response::Response, PageError> {
    use crate::registry::pipl;
    use axum::response::IntoResponse;
    match f.action.as_str() {
        "export" => {
            let data = pipl::export(&state.db, &user.actor, id, &f.reason).await?;
            Ok((
                [(
                    axum::http::header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"person-{id}.json\""),
                )],
                axum::Json(data),
            )
                .into_response())
        }
        "archive" => {
            pipl::archive(&state.db, &user.actor, id, &f.reason).await?;
            Ok(Redirect::to(&format!("/persons/{id}")).into_response())
        }
        _ => Err(Error::invalid("操作", "请选择导出或归档").into()),
    }
}

async fn reveal(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let p = persons::reveal(&state.db, &user.actor, id)
        .await?
        .into_inner();
    // The numbers in full, each a tap away on a phone.
    let phones = [p.phone, p.phone2]
        .into_iter()
        .flatten()
        .map(|n| crate::web::templates::tel_link(&n).unwrap_or_else(|| html_escape(&n)))
        .collect::<Vec<_>>()
        .join(" / ");
    Ok(Html(format!(
        "<strong id=\"full-id\">{}</strong> <span id=\"full-phone\">{phones}</span>",
        html_escape(p.id_number.as_deref().unwrap_or(""))
    )))
}

async fn add_event(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<EventInput>,
) -> Result<Redirect, PageError> {
    population::add_event(&state.db, &user.actor, id, &f).await?;
    Ok(Redirect::to(&format!("/persons/{id}")))
}

async fn add_tag(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Redirect, PageError> {
    let get = |k: &str| {
        f.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let type_id: i64 = get("tag_type_id")
        .parse()
        .map_err(|_| Error::invalid("类型", "请选择特殊群体类型"))?;
    let values: BTreeMap<String, String> = f
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("f_").map(|k| (k.to_string(), v.clone())))
        .collect();
    tags::add(&state.db, &user.actor, id, type_id, &values, &get("since")).await?;
    Ok(Redirect::to(&format!("/persons/{id}")))
}

async fn remove_tag(
    State(state): State<AppState>,
    user: User,
    Path((id, tag)): Path<(i64, i64)>,
) -> Result<Redirect, PageError> {
    tags::remove(&state.db, &user.actor, id, tag).await?;
    Ok(Redirect::to(&format!("/persons/{id}")))
}

async fn archive(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Redirect, PageError> {
    persons::archive(&state.db, &user.actor, id).await?;
    Ok(Redirect::to(&format!("/persons/{id}")))
}

#[derive(Deserialize)]
struct TagFieldsQuery {
    tag_type_id: i64,
}

/// The inputs of one tag type's fields (htmx fragment).
async fn tag_fields(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<TagFieldsQuery>,
) -> Result<Html<String>, PageError> {
    let t = tags::get_type(&state.db, &user.actor, q.tag_type_id).await?;
    let mut out = String::new();
    for f in &t.fields {
        let name = format!("f_{}", html_escape(&f.key));
        let label = html_escape(&f.label);
        let req = if f.required { " required" } else { "" };
        let input = match f.kind.as_str() {
            "select" => format!(
                "<select name=\"{name}\"{req}><option value=\"\"></option>{}</select>",
                f.options
                    .iter()
                    .map(|o| format!("<option>{}</option>", html_escape(o)))
                    .collect::<String>()
            ),
            "date" => format!("<input type=\"date\" name=\"{name}\"{req}>"),
            "number" => {
                format!("<input type=\"number\" step=\"any\" min=\"0\" name=\"{name}\"{req}>")
            }
            _ => format!("<input name=\"{name}\"{req}>"),
        };
        out.push_str(&format!(
            "<label>{label}{} {input}</label>",
            if f.required { " *" } else { "" }
        ));
    }
    Ok(Html(out))
}

/// One line per changed field of an audit entry (its values already masked by the history read).
fn changes(before: Option<&str>, after: Option<&str>) -> Vec<minijinja::Value> {
    let parse = |s: Option<&str>| {
        s.and_then(|s| serde_json::from_str::<Value>(s).ok())
            .and_then(|v| v.as_object().cloned())
            .unwrap_or_default()
    };
    let (b, a) = (parse(before), parse(after));
    let show = |v: Option<&Value>| -> String {
        match v {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        }
    };
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| !matches!(k.as_str(), "updated_at" | "created_at") && b.get(*k) != a.get(*k))
        .map(|k| context! { field => k, before => show(b.get(k)), after => show(a.get(k)) })
        .collect()
}

async fn history(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let p = persons::get(&state.db, &user.actor, id).await?;
    let entries: Vec<_> = crate::registry::history::for_person(&state.db, &user.actor, id)
        .await?
        .into_iter()
        .map(|e| {
            let changes = changes(e.before_json.as_deref(), e.after_json.as_deref());
            context! { at => e.at, username => e.username, action => e.action, entity => e.entity, changes }
        })
        .collect();
    render(
        &state.templates,
        "history.html",
        Some(&user),
        &user.actor.lang,
        context! { p, entries },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ExportQuery {
    q: String,
    grid_id: Option<i64>,
}

/// The list on screen (same search, same scope) as .xlsx.
async fn export(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<ExportQuery>,
) -> Result<axum::response::Response, PageError> {
    use axum::response::IntoResponse;
    let filter = crate::exports::persons::Filter {
        q: q.q,
        grid: q.grid_id,
    };
    let (bytes, _) = crate::exports::persons::xlsx(&state.db, &user.actor, &filter).await?;
    let name = format!(
        "attachment; filename=\"persons-{}.xlsx\"",
        crate::db::today()
    );
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (axum::http::header::CONTENT_DISPOSITION, name),
        ],
        bytes,
    )
        .into_response())
}
