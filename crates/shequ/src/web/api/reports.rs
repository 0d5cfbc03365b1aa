//! Indicators and ledgers over JSON: the catalogue, a value with its parts for a place and a period, a
//! ledger's rows. Every value is computed within the caller's scope.

use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::ApiResult;
use crate::reports::catalog::{catalog, Column, Def, IndicatorValue, Period, Record, Where};
use crate::web::session::User;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/indicators", get(list))
        .route("/indicators/{code}", get(value))
        .route("/indicators/{code}/records", get(records))
        .route("/ledgers", get(ledgers))
        .route("/ledgers/{code}", get(ledger))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct At {
    /// 2025, 2025-Q1, 2025-H1, 2025-03 or 2025-01-01..2025-06-30 (default: this year).
    #[serde(default)]
    pub period: String,
    /// A street, community, grid or building inside the caller's scope (default: the whole scope).
    #[serde(default, deserialize_with = "crate::registry::persons::lenient_id")]
    pub node: Option<i64>,
}

pub(crate) fn period_or_this_year(s: &str) -> Result<Period, crate::error::Error> {
    if s.trim().is_empty() {
        use chrono::Datelike;
        Ok(Period::year(crate::db::today().year()))
    } else {
        Period::parse(s)
    }
}

/// Every indicator with its definition.
#[utoipa::path(get, path = "/api/indicators", responses((status = 200, body = [Def])))]
pub async fn list(_user: User) -> ApiResult<Vec<Def>> {
    Ok(Json(
        catalog()
            .indicators
            .iter()
            .map(|i| i.def().clone())
            .collect(),
    ))
}

/// One indicator's value (with numerator and denominator for rates); value null means 无数据.
#[utoipa::path(get, path = "/api/indicators/{code}", params(("code" = String, Path), At), responses((status = 200, body = IndicatorValue), (status = 404), (status = 422)))]
pub async fn value(
    State(state): State<AppState>,
    user: User,
    Path(code): Path<String>,
    Query(q): Query<At>,
) -> ApiResult<IndicatorValue> {
    let period = period_or_this_year(&q.period)?;
    let at = Where::new(&state.db, &user.actor, q.node).await?;
    Ok(Json(catalog().value(&state.db, &at, &code, &period).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LedgerInfo {
    pub code: &'static str,
    pub title: &'static str,
    pub domain: &'static str,
    pub due: &'static str,
    pub columns: Vec<Column>,
}

/// Every ledger (台账) with its columns.
#[utoipa::path(get, path = "/api/ledgers", responses((status = 200, body = [LedgerInfo])))]
pub async fn ledgers(_user: User) -> ApiResult<Vec<LedgerInfo>> {
    Ok(Json(
        catalog()
            .ledgers
            .iter()
            .map(|l| LedgerInfo {
                code: l.code(),
                title: l.title(),
                domain: l.domain(),
                due: l.due(),
                columns: l.columns().to_vec(),
            })
            .collect(),
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LedgerRows {
    pub title: &'static str,
    pub period: Period,
    pub scope: String,
    pub columns: Vec<Column>,
    /// At most 1,000 rows; the .xlsx export has them all.
    pub rows: Vec<Vec<String>>,
}

/// A ledger's rows for a place and a period (first 1,000).
#[utoipa::path(get, path = "/api/ledgers/{code}", params(("code" = String, Path), At), responses((status = 200, body = LedgerRows), (status = 404), (status = 422)))]
pub async fn ledger(
    State(state): State<AppState>,
    user: User,
    Path(code): Path<String>,
    Query(q): Query<At>,
) -> ApiResult<LedgerRows> {
    let period = period_or_this_year(&q.period)?;
    let at = Where::new(&state.db, &user.actor, q.node).await?;
    let l = catalog().ledger(&code)?;
    let rows = l.rows(&state.db, &at, &period, 1000).await?;
    Ok(Json(LedgerRows {
        title: l.title(),
        period,
        scope: at.name.clone(),
        columns: l.columns().to_vec(),
        rows,
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct DrillAt {
    #[serde(default)]
    pub period: String,
    #[serde(default, deserialize_with = "crate::registry::persons::lenient_id")]
    pub node: Option<i64>,
    /// 1-based page of 50 records.
    #[serde(default, deserialize_with = "crate::registry::persons::lenient_id")]
    pub page: Option<i64>,
}

/// The records a value counts, a page at a time.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Records {
    pub indicator: IndicatorValue,
    pub page: i64,
    pub per_page: i64,
    pub items: Vec<Record>,
}

pub const PER_PAGE: i64 = 50;

/// Drill-down: the records an indicator's value counts, within the caller's scope; a rate answers 422 and
/// names its numerator and denominator.
#[utoipa::path(get, path = "/api/indicators/{code}/records", params(("code" = String, Path), DrillAt), responses((status = 200, body = Records), (status = 404), (status = 422)))]
pub async fn records(
    State(state): State<AppState>,
    user: User,
    Path(code): Path<String>,
    Query(q): Query<DrillAt>,
) -> ApiResult<Records> {
    let period = period_or_this_year(&q.period)?;
    let at = Where::new(&state.db, &user.actor, q.node).await?;
    let page = q.page.unwrap_or(1).max(1);
    let (indicator, items) = drill(&state, &at, &code, &period, page).await?;
    Ok(Json(Records {
        indicator,
        page,
        per_page: PER_PAGE,
        items,
    }))
}

/// A value and one page of its records.
pub(crate) async fn drill(
    state: &AppState,
    at: &Where,
    code: &str,
    period: &Period,
    page: i64,
) -> Result<(IndicatorValue, Vec<Record>), crate::error::Error> {
    let c = catalog();
    let v = c.value(&state.db, at, code, period).await?;
    let i = c.indicator(code)?;
    match i
        .records(&state.db, at, period, (PER_PAGE, (page - 1) * PER_PAGE))
        .await?
    {
        Some(items) => Ok((v, items)),
        None => {
            let d = i.def();
            Err(crate::error::Error::invalid(
                "指标",
                match (d.numerator, d.denominator) {
                    (Some(n), Some(dn)) => {
                        format!("{}是比率,请查看分子 {n} 或分母 {dn} 的记录", d.name)
                    }
                    _ => format!("{}没有可列出的记录", d.name),
                },
            ))
        }
    }
}
