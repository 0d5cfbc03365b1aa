//! 指标与台账: the indicator catalogue with this period's values, and every ledger as a print-friendly page
//! and an .xlsx in the layout offices hand in. The figures come from the domains' plug-ins
//! ([`crate::reports::catalog`]); this file knows no domain.

use axum::extract::{Path, Query, State};
use axum::response::{Html, Response};
use axum::routing::get;
use axum::Router;
use minijinja::context;
use serde::Deserialize;

use crate::registry::nodes::{self, Kind};
use crate::reports::catalog::{catalog, Where};
use crate::web::api::period_or_this_year;
use crate::web::error::PageError;
use crate::web::session::User;
use crate::web::templates::render;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reports/indicators", get(indicators))
        .route("/reports/indicators/{code}/records", get(records))
        .route("/reports/indicators/{code}/records.xlsx", get(records_xlsx))
        .route("/reports/ledgers", get(ledgers))
        .route("/reports/ledgers/new", get(new_ledger).post(save_ledger))
        .route("/reports/ledgers/{code}", get(ledger))
        .route("/reports/ledgers/{code}/export.xlsx", get(export))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct At {
    period: String,
    /// Empty (the form's 全部管辖范围) is none.
    #[serde(deserialize_with = "crate::registry::persons::lenient_id")]
    node: Option<i64>,
}

/// The places a user may narrow a figure to: their roots and the communities and grids below them.
pub(crate) async fn places(
    state: &AppState,
    user: &User,
) -> Result<Vec<minijinja::Value>, crate::error::Error> {
    let mut out = Vec::new();
    for root in nodes::roots(&state.db, &user.actor).await? {
        let kids = if matches!(root.kind(), Kind::Street | Kind::Community) {
            nodes::children(&state.db, &user.actor, root.id, false).await?
        } else {
            vec![]
        };
        out.push(context! { id => root.id, name => root.name });
        for k in kids
            .into_iter()
            .filter(|k| matches!(k.kind(), Kind::Community | Kind::Grid))
        {
            out.push(context! { id => k.id, name => format!("— {}", k.name) });
        }
    }
    Ok(out)
}

async fn indicators(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<At>,
) -> Result<Html<String>, PageError> {
    let period = period_or_this_year(&q.period)?;
    let at = Where::new(&state.db, &user.actor, q.node).await?;
    let mut rows = Vec::new();
    for i in &catalog().indicators {
        let v = catalog()
            .value(&state.db, &at, i.def().code, &period)
            .await?;
        rows.push(context! { def => i.def(), value => v.value.map(shown), numerator => v.numerator.map(shown), denominator => v.denominator.map(shown), drill => i.drillable() });
    }
    render(
        &state.templates,
        "indicators.html",
        Some(&user),
        &user.actor.lang,
        context! { rows, period, period_text => q.period, node => q.node, scope => at.name, places => places(&state, &user).await? },
    )
}

/// A figure as Chinese reports write it: whole numbers without decimals, rates with one.
fn shown(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        format!("{v:.1}")
    }
}

async fn ledgers(State(state): State<AppState>, user: User) -> Result<Html<String>, PageError> {
    let mut list: Vec<_> = catalog()
        .ledgers
        .iter()
        .map(|l| context! { code => l.code(), title => l.title(), due => l.due(), columns => l.columns().len() })
        .collect();
    for d in crate::reports::custom::list(&state.db, &user.actor).await? {
        list.push(context! { code => format!("custom.{}", d.id), title => d.title, due => d.due, columns => d.columns.len(), custom => true });
    }
    render(
        &state.templates,
        "ledgers.html",
        Some(&user),
        &user.actor.lang,
        context! { ledgers => list, is_admin => user.actor.role.is_admin() },
    )
}

/// Rows a ledger page shows (the .xlsx has all).
const PAGE_ROWS: i64 = 500;

async fn ledger(
    State(state): State<AppState>,
    user: User,
    Path(code): Path<String>,
    Query(q): Query<At>,
) -> Result<Html<String>, PageError> {
    let period = period_or_this_year(&q.period)?;
    let at = Where::new(&state.db, &user.actor, q.node).await?;
    let l = crate::reports::custom::ledger(&state.db, &user.actor, &code).await?;
    let rows = l.rows(&state.db, &at, &period, PAGE_ROWS + 1).await?;
    let more = rows.len() as i64 > PAGE_ROWS;
    let rows: Vec<_> = rows.into_iter().take(PAGE_ROWS as usize).collect();
    let totals: Vec<String> = l
        .columns()
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if c.total {
                shown(
                    rows.iter()
                        .map(|r| r[i].parse::<f64>().unwrap_or(0.0))
                        .sum(),
                )
            } else {
                String::new()
            }
        })
        .collect();
    render(
        &state.templates,
        "ledger.html",
        Some(&user),
        &user.actor.lang,
        context! { code, title => l.title(), columns => l.columns(), rows, totals, more, period, period_text => q.period, node => q.node,
        scope => at.name, places => places(&state, &user).await? },
    )
}

async fn export(
    State(state): State<AppState>,
    user: User,
    Path(code): Path<String>,
    Query(q): Query<At>,
) -> Result<Response, PageError> {
    let period = period_or_this_year(&q.period)?;
    let at = Where::new(&state.db, &user.actor, q.node).await?;
    let l = crate::reports::custom::ledger(&state.db, &user.actor, &code).await?;
    let (bytes, _) = crate::exports::ledger::xlsx(&state.db, &user.actor, l, &at, &period).await?;
    Ok(super::cases::xlsx_response(&code.replace('.', "-"), bytes))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DrillAt {
    period: String,
    #[serde(deserialize_with = "crate::registry::persons::lenient_id")]
    node: Option<i64>,
    #[serde(deserialize_with = "crate::registry::persons::lenient_id")]
    page: Option<i64>,
}

/// Drill-down: the records a figure counts, 50 a page, each linking to its own page.
async fn records(
    State(state): State<AppState>,
    user: User,
    Path(code): Path<String>,
    Query(q): Query<DrillAt>,
) -> Result<Html<String>, PageError> {
    let period = period_or_this_year(&q.period)?;
    let at = Where::new(&state.db, &user.actor, q.node).await?;
    let page = q.page.unwrap_or(1).max(1);
    let d = catalog().indicator(&code)?.def();
    if let (Some(n), Some(dn)) = (d.numerator, d.denominator) {
        // A rate counts no records of its own: its page links to its two parts.
        let v = catalog().value(&state.db, &at, &code, &period).await?;
        let parts: Vec<_> = [n, dn].iter().map(|c| context! { code => c, name => catalog().indicator(c).map(|i| i.def().name).unwrap_or(c) }).collect();
        return render(
            &state.templates,
            "indicator_records.html",
            Some(&user),
            &user.actor.lang,
            context! { v, parts, items => Vec::<String>::new(), page => 1, pages => 1, total => 0, code, period, period_text => q.period, node => q.node,
            scope => at.name, places => places(&state, &user).await?, rate => true },
        );
    }
    if !catalog().indicator(&code)?.drillable() {
        // Counted by a statement the drill-down cannot list: the value and its definition, no list.
        let v = catalog().value(&state.db, &at, &code, &period).await?;
        return render(
            &state.templates,
            "indicator_records.html",
            Some(&user),
            &user.actor.lang,
            context! { v, items => Vec::<String>::new(), page => 1, pages => 1, total => 0, code, period, period_text => q.period, node => q.node,
            scope => at.name, places => places(&state, &user).await?, no_list => true },
        );
    }
    let (v, items) = crate::web::api::drill(&state, &at, &code, &period, page).await?;
    let total = v.value.unwrap_or(0.0) as i64;
    let pages = ((total + crate::web::api::PER_PAGE - 1) / crate::web::api::PER_PAGE).max(1);
    render(
        &state.templates,
        "indicator_records.html",
        Some(&user),
        &user.actor.lang,
        context! { v, items, page, pages, total, code, period, period_text => q.period, node => q.node, scope => at.name,
        places => places(&state, &user).await? },
    )
}

/// The drill-down as .xlsx (every record, up to 100,000).
async fn records_xlsx(
    State(state): State<AppState>,
    user: User,
    Path(code): Path<String>,
    Query(q): Query<DrillAt>,
) -> Result<Response, PageError> {
    let period = period_or_this_year(&q.period)?;
    let at = Where::new(&state.db, &user.actor, q.node).await?;
    let i = catalog().indicator(&code)?;
    let items = i
        .records(&state.db, &at, &period, (100_000, 0))
        .await?
        .ok_or_else(|| {
            crate::error::Error::invalid("指标", "比率没有可列出的记录,请查看分子或分母")
        })?;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let title = format!("{}({},{})", i.def().name, at.name, period.label);
    let xl = |e: rust_xlsxwriter::XlsxError| crate::error::Error::Other(e.into());
    sheet.write(0, 0, &title).map_err(xl)?;
    for (c, h) in ["序号", "记录", "说明"].iter().enumerate() {
        sheet.write(1, c as u16, *h).map_err(xl)?;
    }
    for (r, item) in items.iter().enumerate() {
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
        "indicator_records",
        None,
        None,
        Some(&serde_json::json!({"code": code, "period": period.label, "rows": items.len()})),
    )
    .await?;
    Ok(super::cases::xlsx_response(&code.replace('.', "-"), bytes))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewLedger {
    r#type: String,
}

/// The form a street administrator defines a ledger with: the record type's columns to tick.
async fn new_ledger(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<NewLedger>,
) -> Result<Html<String>, PageError> {
    ledger_form(&state, &user, &q.r#type, None, None).await
}

async fn ledger_form(
    state: &AppState,
    user: &User,
    kind: &str,
    error: Option<String>,
    typed: Option<&crate::reports::custom::Definition>,
) -> Result<Html<String>, PageError> {
    use crate::reports::custom::{record_type, TYPES};
    let t = record_type(kind).unwrap_or(&TYPES[0]);
    render(
        &state.templates,
        "ledger_new.html",
        Some(user),
        &user.actor.lang,
        context! { types => TYPES.iter().map(|t| context! { code => t.code, name => t.name }).collect::<Vec<_>>(),
        kind => t.code, type_name => t.name, filter_label => t.filter.0,
        columns => t.columns.iter().map(|c| context! { key => c.0, header => c.1,
            checked => typed.map(|d| d.columns.iter().any(|k| k == c.0)).unwrap_or(true) }).collect::<Vec<_>>(),
        error, title => typed.map(|d| d.title.clone()), filter => typed.map(|d| d.filter.clone()),
        due => typed.map(|d| d.due.clone()), is_admin => user.actor.role.is_admin() },
    )
}

async fn save_ledger(
    State(state): State<AppState>,
    user: User,
    body: String,
) -> Result<Response, PageError> {
    use axum::response::IntoResponse;
    let fields: Vec<(String, String)> = serde_urlencoded::from_str(&body).unwrap_or_default();
    let one = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let d = crate::reports::custom::Definition {
        id: 0,
        title: one("title"),
        record_type: one("type"),
        columns: fields
            .iter()
            .filter(|(n, _)| n == "columns")
            .map(|(_, v)| v.clone())
            .collect(),
        filter: one("filter"),
        due: one("due"),
    };
    match crate::reports::custom::save(&state.db, &user.actor, &d).await {
        Ok(id) => Ok(
            axum::response::Redirect::to(&format!("/reports/ledgers/custom.{id}")).into_response(),
        ),
        Err(e @ crate::error::Error::Invalid { .. }) => {
            let page =
                ledger_form(&state, &user, &d.record_type, Some(e.to_string()), Some(&d)).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
