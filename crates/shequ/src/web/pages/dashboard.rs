//! The dashboard of the user's scope, with a bar chart of special groups drawn as inline SVG (no script).

use axum::extract::{Query, State};
use axum::response::Html;
use axum::routing::get;
use axum::Router;
use minijinja::context;
use serde::Deserialize;

use crate::accounts::Scope;
use crate::cases::todo;
use crate::db;
use crate::error::Error;
use crate::fieldwork::{visit_stats, visits};
use crate::registry::{nodes, population, stats, validate};
use crate::web::error::{html_escape, PageError};
use crate::web::session::User;
use crate::web::templates::render;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard))
        .route("/population", get(population_on))
}

/// Horizontal bars, one per group, scaled to the largest.
pub fn bar_chart(rows: &[(String, i64)]) -> String {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1) as f64;
    let (label_w, bar_w, row_h) = (110.0, 300.0, 22.0);
    let height = row_h * rows.len() as f64 + 4.0;
    let mut svg = format!(
        "<svg class=\"chart\" role=\"img\" aria-label=\"特殊群体人数\" viewBox=\"0 0 {} {height}\" style=\"max-width:100%;height:auto\" xmlns=\"http://www.w3.org/2000/svg\">",
        label_w + bar_w + 60.0
    );
    for (i, (label, n)) in rows.iter().enumerate() {
        let y = i as f64 * row_h + 2.0;
        let w = (*n as f64 / max * bar_w).max(if *n > 0 { 1.0 } else { 0.0 });
        svg.push_str(&format!(
            "<text x=\"{x}\" y=\"{ty}\" text-anchor=\"end\">{label}</text><rect x=\"{bx}\" y=\"{y}\" width=\"{w:.1}\" height=\"{h}\"/><text x=\"{nx:.1}\" y=\"{ty}\">{n}</text>",
            x = label_w - 6.0,
            ty = y + 14.0,
            label = html_escape(label),
            bx = label_w,
            h = row_h - 6.0,
            nx = label_w + w + 4.0,
        ));
    }
    svg.push_str("</svg>");
    svg
}

async fn scope_name(state: &AppState, user: &User) -> Result<String, Error> {
    let roots = nodes::roots(&state.db, &user.actor).await?;
    Ok(match &user.actor.scope {
        Scope::All => "全部".into(),
        _ => roots
            .iter()
            .map(|n| n.name.clone())
            .collect::<Vec<_>>()
            .join("、"),
    })
}

async fn dashboard(State(state): State<AppState>, user: User) -> Result<Html<String>, PageError> {
    let stats = stats::dashboard(&state.db, &user.actor).await?;
    let chart = bar_chart(
        &stats
            .groups
            .iter()
            .map(|g| (g.name.clone(), g.count))
            .collect::<Vec<_>>(),
    );
    let name = scope_name(&state, &user).await?;
    let work = workbench(&state, &user).await?;
    let cards = indicator_cards(&state, &user).await?;
    render(
        &state.templates,
        "dashboard.html",
        Some(&user),
        &user.actor.lang,
        context! { stats, chart, cards, scope_name => name, today => db::today().to_string(), work,
        calendar_missing => crate::calendar::store::missing_soon(&state.db, db::today()).await? },
    )
}

/// The catalogue indicators shown as cards on the home page, by role: (code, period) where "month" is this
/// month and "year" this year.
fn card_codes(role: crate::accounts::Role) -> &'static [(&'static str, &'static str)] {
    use crate::accounts::Role;
    const RESIDENTS: &[(&str, &str)] = &[
        ("registry.population", "year"),
        ("registry.households", "year"),
        ("registry.floating", "year"),
        ("cases.received", "month"),
        ("cases.overdue", "month"),
        ("visits.coverage", "year"),
    ];
    const CASES: &[(&str, &str)] = &[
        ("cases.received", "month"),
        ("cases.closed", "month"),
        ("cases.overdue", "month"),
        ("hazards.found", "month"),
    ];
    match role {
        Role::GridWorker => &[
            ("registry.population", "year"),
            ("registry.households", "year"),
            ("visits.coverage", "year"),
            ("cases.received", "month"),
        ],
        r if r.can_write_registry() => RESIDENTS,
        _ => CASES,
    }
}

/// The home page's indicator cards: every card of the user's role computed by one `reports::compute` call
/// over the user's scope, each linking to its drill-down.
async fn indicator_cards(state: &AppState, user: &User) -> Result<Vec<minijinja::Value>, Error> {
    use crate::reports::catalog::{catalog, Period, Where};
    use chrono::Datelike;
    let today = db::today();
    let (year, month) = (
        Period::year(today.year()),
        Period::month(today.year(), today.month()),
    );
    let codes = card_codes(user.actor.role);
    let wanted: Vec<(String, Period)> = codes
        .iter()
        .map(|(c, p)| {
            (
                c.to_string(),
                if *p == "month" {
                    month.clone()
                } else {
                    year.clone()
                },
            )
        })
        .collect();
    let at = Where::new(&state.db, &user.actor, None).await?;
    let values = crate::reports::compute::values(&state.db, &at, &wanted).await?;
    let mut out = Vec::new();
    for (code, p) in &wanted {
        let d = catalog().indicator(code)?.def();
        let v = values
            .get(&crate::reports::compute::key(code, p))
            .copied()
            .flatten();
        let period = if p == &month {
            format!("{}-{:02}", today.year(), today.month())
        } else {
            today.year().to_string()
        };
        let text = match v {
            None => "无数据".to_string(),
            Some(x) if d.unit == "%" => format!("{x}%"),
            Some(x) => (x as i64).to_string(),
        };
        out.push(
            context! { code, name => d.name, unit => d.unit, text, period_label => p.label.clone(),
            link => format!("/reports/indicators/{code}/records?period={period}") },
        );
    }
    Ok(out)
}

/// The 工作台: what is waiting for the user, each list with its count.
async fn workbench(state: &AppState, user: &User) -> Result<minijinja::Value, Error> {
    let (db, a) = (&state.db, &user.actor);
    let today = db::today();
    let cases = todo::my_cases(db, a).await?;
    let case_items: Vec<_> = cases
        .items
        .iter()
        .map(|c| context! { step_label => todo::CaseTodo::step_label(&c.step), ..minijinja::Value::from_serialize(c) })
        .collect();
    let reported = todo::reported_by_me(db, a).await?;
    let hazards = todo::hazards_due(db, a, today, HAZARD_DAYS).await?;
    let silent = crate::devices::health::silent(db, a).await?;
    let mut visits = Vec::new();
    let mut visits_total = 0;
    if a.role.can_write_registry() {
        for rule in visits::rules(db, a).await? {
            // A rule over a sensitive group is read (and audited) on its own page, not on every home page.
            if visits::is_sensitive(db, &rule).await? {
                continue;
            }
            let list = visit_stats::overdue(db, a, rule.id, None, today, todo::SHOWN).await?;
            if list.total > 0 {
                visits_total += list.total;
                visits.push(list);
            }
        }
    }
    // 决议落实: the resolution tasks the user owns.
    let tasks = crate::governance::meetings::my_open_tasks(db, a).await?;
    let tasks_total = tasks.len() as i64;
    // 达标整改: the rectification tasks the user owns (overdue ones marked).
    let rectifications = crate::standards::rectify::my_open(db, a).await?;
    let rectifications_total = rectifications.len() as i64;
    // 准入制: returns of the user's community past their deadline.
    let returns_overdue = crate::admission::load::overdue(db, a).await?;
    let returns_overdue_total = returns_overdue.len() as i64;
    let returns_overdue: Vec<_> = returns_overdue
        .into_iter()
        .take(todo::SHOWN as usize)
        .collect();
    // Agreements and responsibility letters expiring within a month (services).
    let agreements = if a.role.can_write_registry() {
        crate::services::units::expiring(db, a).await?
    } else {
        vec![]
    };
    let agreements_total = agreements.len() as i64;
    let agreements: Vec<_> = agreements.into_iter().take(todo::SHOWN as usize).collect();
    let welfare_due = crate::welfare::reviews::due_count(db, a).await?;
    let care_missed = crate::welfare::care::missed(db, a, None).await?.len() as i64;
    Ok(context! {
        welfare_due, care_missed,
        cases => context! { total => cases.total, items => case_items },
        reported, hazards, hazard_days => HAZARD_DAYS,
        visits, visits_total, tasks_total, returns_overdue, returns_overdue_total, agreements, agreements_total, silent_devices => silent,
        rectifications_total,
        rectifications => rectifications.into_iter().take(todo::SHOWN as usize).collect::<Vec<_>>(),
        tasks => tasks.into_iter().take(todo::SHOWN as usize).collect::<Vec<_>>(),
        nothing => cases.total + reported.total + hazards.total + visits_total + tasks_total + rectifications_total + returns_overdue_total + agreements_total
            + welfare_due + care_missed + silent.total == 0,
    })
}

/// Hazards show on the 工作台 this many days before their rectification deadline.
const HAZARD_DAYS: i64 = 7;

#[derive(Deserialize)]
struct DateQuery {
    date: String,
}

async fn population_on(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<DateQuery>,
) -> Result<Html<String>, PageError> {
    let date =
        validate::parse_date(&q.date).ok_or_else(|| Error::invalid("日期", "日期格式不正确"))?;
    let n = population::count_on(&state.db, &user.actor, date).await?;
    Ok(Html(format!(
        "<strong id=\"population-count\">{date}:{n} 人</strong>"
    )))
}
