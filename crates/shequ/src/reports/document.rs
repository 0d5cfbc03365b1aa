//! A generated report: a template's lines with every field computed for a place and a period. The
//! [`Doc`] is what every output (HTML, .docx, .md) is written from, and what a finalised report stores: its
//! figures with the time they were computed, so later edits to the records do not change it.

use std::collections::HashMap;

use chrono::{Datelike, Duration};
use serde::{Deserialize, Serialize};

use crate::db::Db;
use crate::error::Result;
use crate::reports::catalog::{catalog, Period, Where};
use crate::reports::template::{BlockField, ChartKind, Field, Form, Line, Part, Template};
use crate::reports::{compute, numbers};

/// One indicator's figures in the report.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Figure {
    pub code: String,
    pub name: String,
    pub unit: String,
    /// None: 无数据.
    pub value: Option<f64>,
    /// The same period a year earlier.
    pub previous: Option<f64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Span {
    pub text: String,
    /// The indicator the text states, for figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Series {
    pub name: String,
    pub values: Vec<Option<f64>>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Chart {
    pub kind: ChartKind,
    pub title: String,
    pub labels: Vec<String>,
    pub series: Vec<Series>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    Heading {
        level: u8,
        spans: Vec<Span>,
    },
    Para {
        spans: Vec<Span>,
    },
    Table {
        headers: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    Chart {
        chart: Chart,
    },
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Doc {
    pub title: String,
    pub scope: String,
    pub period: Period,
    /// When the figures were computed (UTC, stored form).
    pub computed_at: String,
    pub blocks: Vec<Block>,
    pub figures: Vec<Figure>,
}

impl Block {
    /// The plain text of a heading or paragraph.
    pub fn text(spans: &[Span]) -> String {
        spans.iter().map(|s| s.text.as_str()).collect()
    }
}

/// Computes every figure a template uses and lays the report out.
pub async fn generate(
    db: &Db,
    at: &Where,
    period: &Period,
    title: &str,
    t: &Template,
    previous_saved: &HashMap<String, f64>,
) -> Result<Doc> {
    let c = catalog();
    let before = period.year_before();
    let codes = crate::reports::template::codes(t);
    let mut wanted: Vec<(String, Period)> = Vec::new();
    for code in &codes {
        wanted.push((code.clone(), period.clone()));
        if !previous_saved.contains_key(code) {
            wanted.push((code.clone(), before.clone()));
        }
    }
    // The month-by-month figures of line charts, computed with the rest.
    for line in &t.lines {
        if let Line::Block {
            block:
                BlockField::Chart {
                    kind: ChartKind::Line,
                    codes,
                },
        } = line
        {
            for m in months(period) {
                for code in codes {
                    wanted.push((code.clone(), m.clone()));
                }
            }
        }
    }
    let values = compute::values(db, at, &wanted).await?;
    let got = |code: &str, p: &Period| values.get(&compute::key(code, p)).copied().flatten();
    let mut figures = Vec::new();
    for code in codes {
        let d = c.indicator(&code)?.def();
        let previous = match previous_saved.get(&code) {
            Some(v) => Some(*v),
            None => got(&code, &before),
        };
        figures.push(Figure {
            value: got(&code, period),
            name: d.name.to_string(),
            unit: d.unit.to_string(),
            code,
            previous,
        });
    }
    let fig = |code: &str| figures.iter().find(|f| f.code == code).expect("computed");
    let mut blocks = Vec::new();
    for line in &t.lines {
        if let Line::Block {
            block: BlockField::Survey { number },
        } = line
        {
            blocks.extend(crate::surveys::results::report_blocks(db, at, number).await?);
            continue;
        }
        blocks.push(match line {
            Line::Heading { level, parts } => Block::Heading {
                level: *level,
                spans: spans(parts, at, period, &fig),
            },
            Line::Para { parts } => Block::Para {
                spans: spans(parts, at, period, &fig),
            },
            Line::Block { block } => match block {
                BlockField::Table { codes } => Block::Table {
                    headers: vec![
                        "指标".into(),
                        period.label.clone(),
                        "上年同期".into(),
                        "同比".into(),
                    ],
                    rows: codes
                        .iter()
                        .map(|code| {
                            let f = fig(code);
                            vec![
                                f.name.clone(),
                                numbers::value(f.value, &f.unit),
                                numbers::value(f.previous, &f.unit),
                                numbers::year_over_year(f.value, f.previous, &f.unit),
                            ]
                        })
                        .collect(),
                },
                BlockField::Plan { targets } => Block::Table {
                    headers: vec![
                        "指标".into(),
                        format!("{}完成", period.label),
                        "下期目标".into(),
                    ],
                    rows: targets
                        .iter()
                        .map(|(code, target)| {
                            let f = fig(code);
                            vec![
                                f.name.clone(),
                                numbers::value(f.value, &f.unit),
                                numbers::value(Some(*target), &f.unit),
                            ]
                        })
                        .collect(),
                },
                BlockField::Chart { kind, codes } => Block::Chart {
                    chart: chart(period, *kind, codes, &fig, &got),
                },
                // Placed above: a survey is two blocks.
                BlockField::Survey { .. } => continue,
            },
        });
    }
    Ok(Doc {
        title: title.to_string(),
        scope: at.name.clone(),
        period: period.clone(),
        computed_at: crate::db::now(),
        blocks,
        figures,
    })
}

fn spans<'f>(
    parts: &[Part],
    at: &Where,
    period: &Period,
    fig: &impl Fn(&str) -> &'f Figure,
) -> Vec<Span> {
    parts
        .iter()
        .map(|p| match p {
            Part::Text { text } => Span {
                text: text.clone(),
                code: None,
            },
            Part::Field { field } => match field {
                Field::Scope => Span {
                    text: at.name.clone(),
                    code: None,
                },
                Field::Period => Span {
                    text: period.label.clone(),
                    code: None,
                },
                Field::PreviousPeriod => Span {
                    text: period.year_before().label,
                    code: None,
                },
                Field::Figure { code, form } => {
                    let f = fig(code);
                    let text = match form {
                        Form::Value => numbers::value(f.value, &f.unit),
                        Form::Rounded => numbers::rounded(f.value, &f.unit),
                        Form::Number => f
                            .value
                            .map(numbers::plain)
                            .unwrap_or_else(|| "无数据".into()),
                        Form::PreviousYear => numbers::value(f.previous, &f.unit),
                        Form::YearOverYear => numbers::year_over_year(f.value, f.previous, &f.unit),
                    };
                    Span {
                        text,
                        code: Some(code.clone()),
                    }
                }
            },
        })
        .collect()
}

/// The months of a period (for a line chart), at most 24.
fn months(period: &Period) -> Vec<Period> {
    let mut out = Vec::new();
    let mut d = period.from.with_day(1).expect("day 1");
    while d <= period.to && out.len() < 24 {
        let m = Period::month(d.year(), d.month());
        let from = m.from.max(period.from);
        let to = m.to.min(period.to);
        out.push(Period {
            from,
            to,
            label: format!("{}月", d.month()),
        });
        d = m.to + Duration::days(1);
    }
    out
}

fn chart<'f>(
    period: &Period,
    kind: ChartKind,
    codes: &[String],
    fig: &impl Fn(&str) -> &'f Figure,
    got: &impl Fn(&str, &Period) -> Option<f64>,
) -> Chart {
    let names: Vec<String> = codes.iter().map(|c| fig(c).name.clone()).collect();
    match kind {
        ChartKind::Bar => Chart {
            kind,
            title: format!("{}与上年同期", period.label),
            labels: names,
            series: vec![
                Series {
                    name: period.label.clone(),
                    values: codes.iter().map(|c| fig(c).value).collect(),
                },
                Series {
                    name: "上年同期".into(),
                    values: codes.iter().map(|c| fig(c).previous).collect(),
                },
            ],
        },
        ChartKind::Pie => Chart {
            kind,
            title: format!("{}构成", period.label),
            labels: names,
            series: vec![Series {
                name: period.label.clone(),
                values: codes.iter().map(|c| fig(c).value).collect(),
            }],
        },
        ChartKind::Line => {
            let ms = months(period);
            let series = codes
                .iter()
                .zip(&names)
                .map(|(code, name)| Series {
                    name: name.clone(),
                    values: ms.iter().map(|m| got(code, m)).collect(),
                })
                .collect();
            Chart {
                kind,
                title: format!("{}逐月变化", period.label),
                labels: ms.into_iter().map(|m| m.label).collect(),
                series,
            }
        }
    }
}

/// The report as Markdown (figures as text; charts as their tables).
pub fn markdown(doc: &Doc) -> String {
    let mut out = format!("# {}\n\n", doc.title);
    for b in &doc.blocks {
        match b {
            Block::Heading { level, spans } => {
                out.push_str(&format!(
                    "{} {}\n\n",
                    "#".repeat(*level as usize + 1),
                    Block::text(spans)
                ));
            }
            Block::Para { spans } => out.push_str(&format!("{}\n\n", Block::text(spans))),
            Block::Table { headers, rows } => {
                out.push_str(&md_table(headers, rows));
            }
            Block::Chart { chart } => {
                out.push_str(&format!("**{}**\n\n", chart.title));
                let mut headers = vec!["".to_string()];
                headers.extend(chart.series.iter().map(|s| s.name.clone()));
                let rows: Vec<Vec<String>> = chart
                    .labels
                    .iter()
                    .enumerate()
                    .map(|(i, l)| {
                        let mut r = vec![l.clone()];
                        r.extend(chart.series.iter().map(|s| {
                            s.values[i]
                                .map(numbers::plain)
                                .unwrap_or_else(|| "无数据".into())
                        }));
                        r
                    })
                    .collect();
                out.push_str(&md_table(&headers, &rows));
            }
        }
    }
    out.push_str(&format!(
        "\n*数据计算于 {}(北京时间)*\n",
        crate::reports::catalog::beijing_time(&doc.computed_at)
    ));
    out
}

fn md_table(headers: &[String], rows: &[Vec<String>]) -> String {
    let cell = |s: &str| s.replace('|', "\\|");
    let mut out = format!(
        "| {} |\n|{}|\n",
        headers
            .iter()
            .map(|h| cell(h))
            .collect::<Vec<_>>()
            .join(" | "),
        headers.iter().map(|_| "---").collect::<Vec<_>>().join("|")
    );
    for r in rows {
        out.push_str(&format!(
            "| {} |\n",
            r.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
        ));
    }
    out.push('\n');
    out
}
