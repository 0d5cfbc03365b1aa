//! A survey's results, counted by the database in two grouped statements (answers by question and value;
//! the same by grid for the cross-tab), so that 100,000 answers take well under a second: per question the
//! respondents who answered, counts and percentages per option (of those who answered), the mean of a scale
//! or number, free text listed; the response rate against the sample; and an .xlsx of it all.

use std::collections::HashMap;

use serde::Serialize;
use sqlx::Row;

use super::{get, Question, Survey};
use crate::accounts::Actor;
use crate::db::Db;
use crate::error::Result;
use crate::exports::sheet::{Cell, Sheet};
use crate::reports::numbers::percent as pct;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OptionShare {
    pub label: String,
    pub count: i64,
    /// Of the respondents who answered the question, percent with one decimal.
    pub share: f64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuestionResult {
    pub question: Question,
    /// Respondents who answered it.
    pub answered: i64,
    pub options: Vec<OptionShare>,
    pub mean: Option<f64>,
    /// Free text answers (the first 200).
    pub texts: Vec<String>,
    /// Single choice by grid: (grid name, counts in the order of the options).
    pub by_grid: Vec<(String, Vec<i64>)>,
    /// Single choice by the respondent's sex (男, 女, 未知).
    pub by_sex: Vec<(String, Vec<i64>)>,
    /// Single choice by the respondent's age band when answering (AGE_BANDS, then 未知).
    pub by_age: Vec<(String, Vec<i64>)>,
}

/// The age bands of the cross-tab, youngest first, with the SQL that puts `r.age` in them.
pub const AGE_BANDS: &[(&str, &str)] = &[
    ("18岁以下", "r.age < 18"),
    ("18至34岁", "r.age < 35"),
    ("35至59岁", "r.age < 60"),
    ("60至79岁", "r.age < 80"),
    ("80岁及以上", "r.age >= 80"),
];
const UNKNOWN: &str = "未知";

fn age_band_sql() -> String {
    let whens: String = AGE_BANDS
        .iter()
        .map(|(label, cond)| format!(" WHEN {cond} THEN '{label}'"))
        .collect();
    format!("CASE WHEN r.age IS NULL THEN '{UNKNOWN}'{whens} END")
}

/// Adds (group, option value, count) rows to a cross-tab in the order of the options; values that are not
/// options (none should be) are left out.
fn tab(
    rows: impl Iterator<Item = (String, String, i64)>,
    options: &[String],
) -> Vec<(String, Vec<i64>)> {
    let mut out: Vec<(String, Vec<i64>)> = Vec::new();
    for (g, v, c) in rows {
        let Some(pos) = options.iter().position(|o| *o == v) else {
            continue;
        };
        let row = match out.iter().position(|(name, _)| *name == g) {
            Some(i) => &mut out[i].1,
            None => {
                out.push((g, vec![0; options.len()]));
                &mut out.last_mut().expect("pushed").1
            }
        };
        row[pos] += c;
    }
    out
}

/// Orders a cross-tab's rows by a list of labels (unknown last).
fn order_by(rows: &mut [(String, Vec<i64>)], labels: &[&str]) {
    let rank = |g: &str| labels.iter().position(|l| *l == g).unwrap_or(labels.len());
    rows.sort_by_key(|(g, _)| rank(g));
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Results {
    pub survey: Survey,
    pub responses: i64,
    /// Responses from sampled households.
    pub sampled_responses: i64,
    /// sampled responses ÷ sample, percent with one decimal.
    pub response_rate: f64,
    pub questions: Vec<QuestionResult>,
}

pub async fn results(db: &Db, actor: &Actor, id: i64) -> Result<Results> {
    let survey = get(db, actor, id).await?;
    let counts = sqlx::query(
        "SELECT a.question_id, a.value, COUNT(*), COUNT(DISTINCT a.response_id) FROM survey_answers a \
         JOIN survey_responses r ON r.id = a.response_id WHERE r.survey_id = $1 GROUP BY a.question_id, a.value",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    let answered_rows = sqlx::query(
        "SELECT a.question_id, COUNT(DISTINCT a.response_id) FROM survey_answers a \
         JOIN survey_responses r ON r.id = a.response_id WHERE r.survey_id = $1 GROUP BY a.question_id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    let answered: HashMap<i64, i64> = answered_rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    let grids = sqlx::query(
        "SELECT a.question_id, g.name, a.value, COUNT(*) FROM survey_answers a \
         JOIN survey_responses r ON r.id = a.response_id JOIN households h ON h.id = r.household_id \
         JOIN nodes g ON g.id = h.grid_id JOIN survey_questions q ON q.id = a.question_id AND q.kind = 'single' \
         WHERE r.survey_id = $1 GROUP BY a.question_id, g.name, a.value",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    let people = sqlx::query(&format!(
        "SELECT a.question_id, COALESCE(r.sex, '{UNKNOWN}'), {}, a.value, COUNT(*) FROM survey_answers a \
         JOIN survey_responses r ON r.id = a.response_id \
         JOIN survey_questions q ON q.id = a.question_id AND q.kind = 'single' \
         WHERE r.survey_id = $1 GROUP BY 1, 2, 3, 4",
        age_band_sql()
    ))
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    let (responses, sampled_responses): (i64, i64) = {
        let r = sqlx::query(
            "SELECT COUNT(*), COUNT(x.household_id) FROM survey_responses r \
             LEFT JOIN survey_sample x ON x.survey_id = r.survey_id AND x.household_id = r.household_id \
             WHERE r.survey_id = $1",
        )
        .bind(id)
        .fetch_one(&db.pool)
        .await?;
        (r.get(0), r.get(1))
    };
    let mut out = Vec::new();
    for q in &survey.questions {
        let mine: Vec<(String, i64)> = counts
            .iter()
            .filter(|r| r.get::<i64, _>(0) == q.id)
            .map(|r| (r.get::<String, _>(1), r.get::<i64, _>(2)))
            .collect();
        let n = answered.get(&q.id).copied().unwrap_or(0);
        let count_of = |label: &str| {
            mine.iter()
                .find(|(v, _)| v == label)
                .map(|(_, c)| *c)
                .unwrap_or(0)
        };
        let labels: Vec<String> = match q.kind.as_str() {
            "single" | "multiple" => q.options.clone(),
            "scale" => (1..=q.scale_max.unwrap_or(5))
                .map(|i| i.to_string())
                .collect(),
            _ => vec![],
        };
        let options = labels
            .iter()
            .map(|l| OptionShare {
                label: l.clone(),
                count: count_of(l),
                share: pct(count_of(l), n),
            })
            .collect();
        let mean = match q.kind.as_str() {
            "scale" | "number" if n > 0 => {
                let (sum, cnt) = mine.iter().fold((0.0, 0i64), |(s, c), (v, k)| {
                    (s + v.parse::<f64>().unwrap_or(0.0) * *k as f64, c + k)
                });
                Some((sum / cnt.max(1) as f64 * 100.0).round() / 100.0)
            }
            _ => None,
        };
        let texts = if q.kind == "text" {
            sqlx::query("SELECT a.value FROM survey_answers a WHERE a.question_id = $1 ORDER BY a.response_id LIMIT 200")
                .bind(q.id)
                .fetch_all(&db.pool)
                .await?
                .iter()
                .map(|r| r.get(0))
                .collect()
        } else {
            vec![]
        };
        let mut by_grid = tab(
            grids
                .iter()
                .filter(|r| r.get::<i64, _>(0) == q.id)
                .map(|r| {
                    (
                        r.get::<String, _>(1),
                        r.get::<String, _>(2),
                        r.get::<i64, _>(3),
                    )
                }),
            &q.options,
        );
        let mine_people = || people.iter().filter(|r| r.get::<i64, _>(0) == q.id);
        let mut by_sex = tab(
            mine_people().map(|r| {
                (
                    r.get::<String, _>(1),
                    r.get::<String, _>(3),
                    r.get::<i64, _>(4),
                )
            }),
            &q.options,
        );
        order_by(&mut by_sex, &["男", "女"]);
        let mut by_age = tab(
            mine_people().map(|r| {
                (
                    r.get::<String, _>(2),
                    r.get::<String, _>(3),
                    r.get::<i64, _>(4),
                )
            }),
            &q.options,
        );
        let bands: Vec<&str> = AGE_BANDS.iter().map(|(l, _)| *l).collect();
        order_by(&mut by_age, &bands);
        by_grid.sort_by(|a, b| crate::registry::natural::cmp(&a.0, &b.0));
        out.push(QuestionResult {
            question: q.clone(),
            answered: n,
            options,
            mean,
            texts,
            by_grid,
            by_sex,
            by_age,
        });
    }
    Ok(Results {
        response_rate: pct(sampled_responses, survey.sampled),
        responses,
        sampled_responses,
        questions: out,
        survey,
    })
}

/// The results as a sheet: one row per option (or the mean, or each text answer).
pub async fn xlsx(db: &Db, actor: &Actor, id: i64) -> Result<(String, Vec<u8>)> {
    let r = results(db, actor, id).await?;
    let mut sheet = Sheet::with_headers(
        "调查结果",
        &[
            ("题号", 6.0),
            ("题目", 40.0),
            ("选项/答案", 30.0),
            ("人数", 10.0),
            ("占比(%)", 10.0),
        ],
    )?;
    sheet.push(vec![
        Cell::Text(String::new()),
        Cell::Text(format!(
            "{} 回收{}份,样本{}户,回收率{}%",
            r.survey.title, r.responses, r.survey.sampled, r.response_rate
        )),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
    ])?;
    for q in &r.questions {
        let head = |sheet: &mut Sheet, label: String, n: Cell, share: Cell| {
            sheet.push(vec![
                Cell::Number(q.question.idx as f64),
                Cell::Text(q.question.text.clone()),
                Cell::Text(label),
                n,
                share,
            ])
        };
        for o in &q.options {
            head(
                &mut sheet,
                o.label.clone(),
                Cell::Number(o.count as f64),
                Cell::Number(o.share),
            )?;
        }
        if let Some(m) = q.mean {
            head(&mut sheet, "平均".into(), Cell::Number(m), Cell::Empty)?;
        }
        for t in &q.texts {
            head(&mut sheet, t.clone(), Cell::Empty, Cell::Empty)?;
        }
    }
    Ok((format!("{}.xlsx", r.survey.number), sheet.finish()?))
}

/// A survey placed in a work report (`{{问卷 DC2026-00012}}`): a sentence with the sample, the responses and
/// the response rate, and a table of every choice or scale question's counts and shares. The survey must lie
/// in the report's unit.
pub async fn report_blocks(
    db: &Db,
    at: &crate::reports::catalog::Where,
    number: &str,
) -> Result<Vec<crate::reports::document::Block>> {
    use crate::reports::document::{Block, Span};
    let id: i64 = sqlx::query(&format!(
        "SELECT s.id FROM surveys s WHERE s.number = $1 AND {}",
        at.sql("s")
    ))
    .bind(number)
    .fetch_optional(&db.pool)
    .await?
    .ok_or_else(|| {
        crate::error::Error::invalid("问卷", format!("问卷 {number} 不存在或不在本报告的范围内"))
    })?
    .get(0);
    let r = results(db, at.actor(), id).await?;
    let sentence = format!(
        "{}(问卷编号{})抽取样本{}户,回收问卷{}份,其中样本户{}户,回收率{}%。",
        r.survey.title,
        r.survey.number,
        r.survey.sampled,
        r.responses,
        r.sampled_responses,
        r.response_rate
    );
    let mut rows = Vec::new();
    for q in r.questions.iter().filter(|q| !q.options.is_empty()) {
        for (i, o) in q.options.iter().enumerate() {
            rows.push(vec![
                if i == 0 {
                    format!("{}. {}", q.question.idx, q.question.text)
                } else {
                    String::new()
                },
                o.label.clone(),
                o.count.to_string(),
                format!("{}%", o.share),
            ]);
        }
        if let Some(m) = q.mean {
            rows.push(vec![
                String::new(),
                "平均分".into(),
                m.to_string(),
                String::new(),
            ]);
        }
    }
    Ok(vec![
        Block::Para {
            spans: vec![Span {
                text: sentence,
                code: None,
            }],
        },
        Block::Table {
            headers: vec!["题目".into(), "选项".into(), "人数".into(), "占比".into()],
            rows,
        },
    ])
}
