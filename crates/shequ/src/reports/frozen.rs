//! The drill-down of a finalised report: when a report is finalised, the records each of its figures counted
//! (the drill-down statement's records, up to [`CAP`] a figure; for a rate, those of its numerator and
//! denominator) are kept in `report_figure_records`, so a frozen figure lists the records counted then, not
//! today's. Read through the report, so within the reader's scope.

use serde::Serialize;
use sqlx::Row;

use crate::accounts::Actor;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::reports::catalog::{catalog, link_of, Period, Record, Where};
use crate::reports::work;

/// At most this many records are kept for one figure.
pub const CAP: i64 = 100_000;

/// Rows of one multi-row INSERT (7 binds each, well under SQLite's bind limit).
const BATCH: usize = 100;

/// The records every figure (and every rate's parts) counts now, for [`store`].
pub async fn collect(
    db: &Db,
    at: &Where,
    period: &Period,
    codes: &[String],
) -> Result<Vec<(String, Vec<Record>)>> {
    let c = catalog();
    let mut wanted: Vec<String> = Vec::new();
    for code in codes {
        let d = c.indicator(code)?.def();
        for part in [Some(code.as_str()), d.numerator, d.denominator]
            .into_iter()
            .flatten()
        {
            if !wanted.iter().any(|w| w == part) {
                wanted.push(part.to_string());
            }
        }
    }
    let mut out = Vec::new();
    for code in wanted {
        if let Some(items) = c
            .indicator(&code)?
            .records(db, at, period, (CAP, 0))
            .await?
        {
            out.push((code, items));
        }
    }
    Ok(out)
}

/// Keeps the collected records of a report (in the finalising transaction).
pub async fn store(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    report_id: i64,
    sets: &[(String, Vec<Record>)],
) -> Result<()> {
    for (code, items) in sets {
        for (b, chunk) in items.chunks(BATCH).enumerate() {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| {
                    let n = i * 7;
                    format!(
                        "(${}, ${}, ${}, ${}, ${}, ${}, ${})",
                        n + 1,
                        n + 2,
                        n + 3,
                        n + 4,
                        n + 5,
                        n + 6,
                        n + 7
                    )
                })
                .collect();
            let sql = format!(
                "INSERT INTO report_figure_records (report_id, code, seq, kind, record_id, label, detail) VALUES {}",
                values.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for (i, r) in chunk.iter().enumerate() {
                q = q
                    .bind(report_id)
                    .bind(code.clone())
                    .bind((b * BATCH + i) as i64)
                    .bind(r.kind)
                    .bind(r.id)
                    .bind(r.label.clone())
                    .bind(r.detail.clone());
            }
            q.execute(&mut **tx).await?;
        }
    }
    Ok(())
}

/// A kept record, as the frozen drill-down lists it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct FrozenRecord {
    pub kind: String,
    pub label: String,
    pub detail: String,
    pub link: String,
}

/// A part of a rate, whose own frozen records are listed.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Part {
    pub code: String,
    pub name: String,
}

/// One page of a frozen figure's records.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct FrozenRecords {
    pub report_id: i64,
    pub report_number: String,
    pub code: String,
    pub name: String,
    pub unit: String,
    /// The figure as finalised (None: 无数据).
    pub value: Option<f64>,
    /// When the report was finalised (UTC, stored form).
    pub finalised_at: Option<String>,
    /// The records kept for the figure.
    pub total: i64,
    /// More were counted than [`CAP`]: only the first are kept.
    pub capped: bool,
    /// For a rate: its numerator and denominator (its own records are theirs).
    pub parts: Vec<Part>,
    pub page: i64,
    pub per_page: i64,
    pub items: Vec<FrozenRecord>,
}

/// A page (`limit`, `offset`) of the records a finalised report's figure counted; NotFound for a report
/// outside the reader's scope or a code the report does not state; a draft is refused (its figures are live).
pub async fn page(
    db: &Db,
    actor: &Actor,
    id: i64,
    code: &str,
    (limit, offset): (i64, i64),
) -> Result<FrozenRecords> {
    let r = work::get(db, actor, id).await?;
    if !r.is_final() {
        return Err(Error::invalid(
            "报告",
            "报告尚未定稿,数字随记录实时计算,请查看统计指标的记录",
        ));
    }
    let doc = work::document(db, actor, &r).await?;
    let c = catalog();
    let stated = doc.figures.iter().find(|f| f.code == code);
    // A rate's parts are kept too; they are listed though the report may not state them.
    let part_of = doc.figures.iter().any(|f| {
        c.indicator(&f.code)
            .map(|i| i.def().numerator == Some(code) || i.def().denominator == Some(code))
            .unwrap_or(false)
    });
    if stated.is_none() && !part_of {
        return Err(Error::NotFound);
    }
    let d = c.indicator(code)?.def();
    let parts = [d.numerator, d.denominator]
        .into_iter()
        .flatten()
        .map(|p| Part {
            code: p.to_string(),
            name: c
                .indicator(p)
                .map(|i| i.def().name)
                .unwrap_or(p)
                .to_string(),
        })
        .collect();
    let total: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM report_figure_records WHERE report_id = $1 AND code = $2",
    )
    .bind(id)
    .bind(code)
    .fetch_one(&db.pool)
    .await?;
    let rows = sqlx::query(
        "SELECT kind, record_id, label, detail FROM report_figure_records WHERE report_id = $1 AND code = $2 \
         ORDER BY seq LIMIT $3 OFFSET $4",
    )
    .bind(id)
    .bind(code)
    .bind(limit.clamp(1, CAP))
    .bind(offset.max(0))
    .fetch_all(&db.pool)
    .await?;
    let items = rows
        .iter()
        .map(|row| {
            let kind: String = row.get(0);
            let rid: i64 = row.get(1);
            FrozenRecord {
                link: format!("{}{rid}", link_of(&kind)),
                kind,
                label: row.get(2),
                detail: row.get(3),
            }
        })
        .collect();
    let value = stated.and_then(|f| f.value);
    Ok(FrozenRecords {
        report_id: r.id,
        report_number: r.number.clone(),
        code: code.to_string(),
        name: d.name.to_string(),
        unit: d.unit.to_string(),
        value: if stated.is_some() {
            value
        } else {
            Some(total as f64)
        },
        finalised_at: r.finalised_at.clone(),
        total,
        capped: d.numerator.is_none() && value.is_some_and(|v| v > total as f64),
        parts,
        page: offset / limit.max(1) + 1,
        per_page: limit,
        items,
    })
}
