//! Activity pages (活动): the list with the new-activity form and its figures, an activity with its figures,
//! sign-ups (type-ahead person lookup) and attendance ticks, the door page `/checkin/{code}` a phone opens,
//! Every list exports .xlsx; rooms and their bookings are in `venues`.

use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use minijinja::context;
use serde::Deserialize;

use super::cases::{opt_id, xlsx_response};
use crate::exports::services::table;
use crate::services::activities::{self, ActivityInput, ActivityQuery, FigureInput};
use crate::web::error::PageError;
use crate::web::session::User;
use crate::web::templates::render;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/activities", get(list).post(create))
        .route("/activities/export.xlsx", get(export))
        .route("/activities/{id}", get(show))
        .route("/activities/{id}/signups", post(sign_up))
        .route("/activities/{id}/signups.xlsx", get(export_signups))
        .route("/activities/{id}/signups/{signup}/attendance", post(tick))
        .route("/checkin/{code}", get(door).post(door_check_in))
}

/// Communities and grids the user may hold a record in, for the forms.
pub(crate) async fn areas(
    state: &AppState,
    user: &User,
) -> Result<Vec<minijinja::Value>, PageError> {
    let sql = format!(
        "SELECT n.id, n.name, n.kind FROM nodes n WHERE n.kind IN ('community', 'grid') AND n.archived = 0 AND {} \
         ORDER BY n.path LIMIT 500",
        user.actor.scope.sql("n")
    );
    let rows: Vec<(i64, String, String)> = sqlx::query_as(&sql)
        .fetch_all(&state.db.pool)
        .await
        .map_err(crate::error::Error::from)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, kind)| context! { id, name, grid => kind == "grid" })
        .collect())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListParams {
    kind: String,
    from: String,
    to: String,
}

fn query(p: &ListParams) -> ActivityQuery {
    ActivityQuery {
        kind: Some(p.kind.clone()),
        from: Some(p.from.clone()),
        to: Some(p.to.clone()),
    }
}

async fn list(
    State(state): State<AppState>,
    user: User,
    Query(p): Query<ListParams>,
) -> Result<Html<String>, PageError> {
    let items = activities::list(&state.db, &user.actor, &query(&p)).await?;
    render(
        &state.templates,
        "activities.html",
        Some(&user),
        &user.actor.lang,
        context! { items, kinds => activities::KINDS.to_vec(), qualifiers => activities::QUALIFIERS.to_vec(),
        metrics => activities::METRICS.iter().skip(1).map(|m| context! { code => m.0, name => m.1, unit => m.2 }).collect::<Vec<_>>(),
        areas => areas(&state, &user).await?, kind => p.kind, from => p.from, to => p.to,
        can_write => user.actor.role.can_write_registry(), today => crate::db::today().to_string() },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ActivityForm {
    title: String,
    kind: String,
    starts_on: String,
    ends_on: String,
    place: String,
    organisers: String,
    partners: String,
    target_groups: String,
    note: String,
    area_id: String,
    participants: String,
    participants_q: String,
    part1_label: String,
    part1: String,
    part2_label: String,
    part2: String,
    materials: String,
    materials_q: String,
    consultations: String,
    consultations_q: String,
    questionnaires: String,
    questionnaires_q: String,
    items: String,
    items_q: String,
}

fn number(field: &str, v: &str) -> Result<Option<i64>, crate::error::Error> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    v.parse::<i64>()
        .map(Some)
        .map_err(|_| crate::error::Error::invalid("成效数据", format!("“{field}”应为整数")))
}

fn figures(f: &ActivityForm) -> Result<Vec<FigureInput>, crate::error::Error> {
    let mut out = Vec::new();
    let fig = |metric: &str, label: &str, q: &str, value: i64, part_of| FigureInput {
        metric: metric.into(),
        label: label.into(),
        qualifier: q.into(),
        value,
        part_of,
    };
    if let Some(v) = number("参加人数", &f.participants)? {
        out.push(fig("participants", "", &f.participants_q, v, None));
    }
    for (label, value) in [(&f.part1_label, &f.part1), (&f.part2_label, &f.part2)] {
        if let Some(v) = number(label, value)? {
            if out.is_empty() {
                return Err(crate::error::Error::invalid(
                    "成效数据",
                    "填写其中项前请先填写参加人数",
                ));
            }
            if label.trim().is_empty() {
                return Err(crate::error::Error::invalid(
                    "成效数据",
                    "请填写其中项的名称",
                ));
            }
            out.push(fig("participants", label, "", v, Some(0)));
        }
    }
    for (metric, value, q) in [
        ("materials", &f.materials, &f.materials_q),
        ("consultations", &f.consultations, &f.consultations_q),
        ("questionnaires", &f.questionnaires, &f.questionnaires_q),
        ("items", &f.items, &f.items_q),
    ] {
        let name = activities::METRICS
            .iter()
            .find(|m| m.0 == metric)
            .map(|m| m.1)
            .unwrap_or(metric);
        if let Some(v) = number(name, value)? {
            out.push(fig(metric, "", q, v, None));
        }
    }
    Ok(out)
}

async fn create(
    State(state): State<AppState>,
    user: User,
    Form(f): Form<ActivityForm>,
) -> Result<Redirect, PageError> {
    let input = ActivityInput {
        figures: figures(&f)?,
        title: f.title,
        kind: f.kind,
        starts_on: f.starts_on,
        ends_on: f.ends_on,
        place: f.place,
        organisers: f.organisers,
        partners: f.partners,
        target_groups: f.target_groups,
        note: f.note,
        area_id: opt_id(&f.area_id).unwrap_or(0),
    };
    let a = activities::create(&state.db, &user.actor, &input).await?;
    Ok(Redirect::to(&format!("/activities/{}", a.id)))
}

async fn export(
    State(state): State<AppState>,
    user: User,
    Query(p): Query<ListParams>,
) -> Result<Response, PageError> {
    let items = activities::list(&state.db, &user.actor, &query(&p)).await?;
    let rows = items
        .into_iter()
        .map(|a| {
            vec![
                a.starts_on,
                a.ends_on,
                a.title,
                a.kind,
                a.place,
                a.organisers,
                a.partners,
                a.target_groups,
                a.community_name,
                a.signed_up.to_string(),
                a.attended.to_string(),
            ]
        })
        .collect();
    let bytes = table(
        &state.db,
        &user.actor,
        "activities",
        &[
            ("开始日期", 12.0),
            ("结束日期", 12.0),
            ("活动主题", 30.0),
            ("类型", 8.0),
            ("地点", 20.0),
            ("主办单位", 20.0),
            ("协办单位", 20.0),
            ("参加对象", 16.0),
            ("社区", 12.0),
            ("报名", 6.0),
            ("签到", 6.0),
        ],
        rows,
    )
    .await?;
    Ok(xlsx_response("activities", bytes))
}

async fn show(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let a = activities::get(&state.db, &user.actor, id).await?;
    let figures: Vec<_> = activities::figures(&state.db, &user.actor, id).await?.into_iter()
        .map(|f| context! { stated => activities::stated(&f), part => f.parent_id.is_some(), label => f.label })
        .collect();
    let signups = activities::signups(&state.db, &user.actor, id).await?;
    render(
        &state.templates,
        "activity.html",
        Some(&user),
        &user.actor.lang,
        context! { a, figures, signups, can_write => user.actor.role.can_write_registry() },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SignUpForm {
    person: String,
    person_id: String,
}

async fn sign_up(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<SignUpForm>,
) -> Result<Redirect, PageError> {
    let person = opt_id(&f.person_id).ok_or_else(|| {
        crate::error::Error::invalid(
            "报名人员",
            format!("请从搜索结果中选择“{}”", f.person.trim()),
        )
    })?;
    activities::sign_up(&state.db, &user.actor, id, person).await?;
    Ok(Redirect::to(&format!("/activities/{id}")))
}

async fn export_signups(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let rows = activities::signups(&state.db, &user.actor, id)
        .await?
        .into_iter()
        .map(|s| {
            vec![
                s.name,
                s.household_number,
                crate::reports::catalog::beijing_time(&s.signed_up_at),
                s.attended_at
                    .as_deref()
                    .map(crate::reports::catalog::beijing_time)
                    .unwrap_or_default(),
                s.checked_in_by.unwrap_or_default(),
            ]
        })
        .collect();
    let bytes = table(
        &state.db,
        &user.actor,
        "activity_signups",
        &[
            ("姓名", 10.0),
            ("户号", 14.0),
            ("报名时间", 18.0),
            ("签到时间", 18.0),
            ("确认人", 10.0),
        ],
        rows,
    )
    .await?;
    Ok(xlsx_response("signups", bytes))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TickForm {
    present: String,
    back: String,
}

async fn tick(
    State(state): State<AppState>,
    user: User,
    Path((id, signup)): Path<(i64, i64)>,
    Form(f): Form<TickForm>,
) -> Result<Redirect, PageError> {
    activities::tick(&state.db, &user.actor, id, signup, f.present == "1").await?;
    let back = if f.back.starts_with("/checkin/") {
        f.back
    } else {
        format!("/activities/{id}")
    };
    Ok(Redirect::to(&back))
}

/// The door page: a signed-in worker sees the sign-ups and checks people in; anyone else confirms their
/// own sign-up by name and the last four digits of their phone.
async fn door(
    State(state): State<AppState>,
    user: Result<User, Response>,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let d = activities::by_code(&state.db, &code).await?;
    let (user, signups) = match user {
        Ok(u) => {
            let s = activities::signups(&state.db, &u.actor, d.id).await.ok();
            (Some(u), s)
        }
        Err(_) => (None, None),
    };
    let lang = user
        .as_ref()
        .map(|u| u.actor.lang.clone())
        .unwrap_or_else(|| "zh".into());
    Ok(render(&state.templates, "checkin.html", user.as_ref(), &lang,
        context! { d, code => code.trim().to_uppercase(), signups, done => None::<String>, error => None::<String> })?
        .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DoorForm {
    name: String,
    phone_tail: String,
}

async fn door_check_in(
    State(state): State<AppState>,
    crate::web::session::ClientIp(ip): crate::web::session::ClientIp,
    Path(code): Path<String>,
    Form(f): Form<DoorForm>,
) -> Result<Response, PageError> {
    let d = activities::by_code(&state.db, &code).await?;
    let (done, error) =
        match activities::self_check_in(&state.db, &code, &f.name, &f.phone_tail, &ip).await {
            Ok(name) => (Some(name), None),
            Err(crate::error::Error::Invalid { message, .. }) => (None, Some(message)),
            Err(e) => return Err(e.into()),
        };
    let status = if error.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    let page = render(
        &state.templates,
        "checkin.html",
        None,
        "zh",
        context! { d, code => code.trim().to_uppercase(), signups => None::<Vec<()>>, done, error },
    )?;
    Ok((status, page).into_response())
}
