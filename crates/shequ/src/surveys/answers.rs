//! Answering a survey: on the portal by a resident of a sampled household, at the door by a worker for a
//! household of their grids, or from paper. Each answer is checked against its question (an option that
//! exists, a scale within its range, a number, text within bounds); skip logic is enforced — a question shown
//! only for an earlier answer may not be answered otherwise, and is required only when shown. One response
//! per household (the key refuses a second, also when two arrive at once); nothing is written unless every
//! answer is right.

use serde::Deserialize;
use serde_json::json;
use sqlx::Row;

use super::{load, Question, Survey};
use crate::accounts::Actor;
use crate::audit;
use crate::db::{self, Db};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Default, serde::Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Answer {
    /// The question's position (1-based).
    pub idx: i64,
    /// One value; several for a multiple choice.
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Default, serde::Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Submission {
    /// The household answering (at the door); none for an anonymous paper form.
    pub household_id: Option<i64>,
    /// door / paper
    pub channel: String,
    pub answers: Vec<Answer>,
    /// Who answered at the door: a member of the household (for the cross-tabs by sex and age band).
    pub respondent_id: Option<i64>,
    /// A paper form without a person: 男 / 女 as written on the form.
    pub sex: Option<String>,
    /// A paper form without a person: the age written on the form.
    pub age: Option<i64>,
}

/// Who answered: a person of the registry, or sex and age from a paper form.
#[derive(Debug, Clone, Default)]
struct Respondent {
    person_id: Option<i64>,
    sex: Option<String>,
    age: Option<i64>,
}

/// The respondent as a person of the registry, with their sex and age today.
async fn person_respondent(db: &Db, person: i64, household: Option<i64>) -> Result<Respondent> {
    let row = sqlx::query("SELECT household_id, sex, birth_date FROM persons WHERE id = $1")
        .bind(person)
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| Error::invalid("受访人", "受访人不存在"))?;
    let h: Option<i64> = row.get(0);
    if household.is_some() && h != household {
        return Err(Error::invalid("受访人", "受访人应是该户的成员"));
    }
    let birth: Option<String> = row.get(2);
    let age = birth
        .and_then(|b| chrono::NaiveDate::parse_from_str(&b, "%Y-%m-%d").ok())
        .map(|b| years_between(b, db::today()));
    Ok(Respondent {
        person_id: Some(person),
        sex: row.get(1),
        age,
    })
}

fn years_between(birth: chrono::NaiveDate, on: chrono::NaiveDate) -> i64 {
    use chrono::Datelike;
    let mut age = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age as i64
}

/// Sex and age typed from a paper form, checked.
fn paper_respondent(sex: Option<&str>, age: Option<i64>) -> Result<Respondent> {
    let sex = match sex.map(str::trim) {
        None | Some("") => None,
        Some(s @ ("男" | "女")) => Some(s.to_string()),
        Some(_) => return Err(Error::invalid("性别", "性别应为男或女")),
    };
    if let Some(a) = age {
        if !(0..=130).contains(&a) {
            return Err(Error::invalid("年龄", "年龄应在0至130岁之间"));
        }
    }
    Ok(Respondent {
        person_id: None,
        sex,
        age,
    })
}

/// The (question id, value) rows of a valid set of answers.
pub fn check(survey: &Survey, answers: &[Answer]) -> Result<Vec<(i64, String)>> {
    let given = |idx: i64| -> Vec<String> {
        answers
            .iter()
            .filter(|a| a.idx == idx)
            .flat_map(|a| a.values.iter().map(|v| v.trim().to_string()))
            .filter(|v| !v.is_empty())
            .collect()
    };
    if let Some(a) = answers
        .iter()
        .find(|a| !survey.questions.iter().any(|q| q.idx == a.idx))
    {
        return Err(Error::invalid("答案", format!("问卷没有第{}题", a.idx)));
    }
    let mut rows = Vec::new();
    for q in &survey.questions {
        let field = || format!("第{}题", q.idx);
        let bad = |m: &str| Error::invalid("答案", format!("{}:{m}", field()));
        let values = given(q.idx);
        let shown = match (q.show_if_idx, &q.show_if_option) {
            (Some(i), Some(opt)) => given(i).first() == Some(opt),
            _ => true,
        };
        if !shown {
            if !values.is_empty() {
                return Err(bad(&format!(
                    "只在第{}题选“{}”时作答",
                    q.show_if_idx.unwrap_or(0),
                    q.show_if_option.clone().unwrap_or_default()
                )));
            }
            continue;
        }
        if values.is_empty() {
            if q.required {
                return Err(bad("此题必答"));
            }
            continue;
        }
        check_values(q, &values).map_err(|m| bad(&m))?;
        rows.extend(values.into_iter().map(|v| (q.id, v)));
    }
    if rows.is_empty() {
        return Err(Error::invalid("答案", "请至少回答一道题"));
    }
    Ok(rows)
}

fn check_values(q: &Question, values: &[String]) -> std::result::Result<(), String> {
    match q.kind.as_str() {
        "single" if values.len() != 1 => Err("单选题只能选一项".into()),
        "single" | "multiple" => {
            if let Some(v) = values.iter().find(|v| !q.options.contains(v)) {
                return Err(format!("没有选项“{v}”"));
            }
            let mut u = values.to_vec();
            u.sort();
            u.dedup();
            if u.len() != values.len() {
                return Err("选项不能重复".into());
            }
            Ok(())
        }
        "scale" => match values {
            [v] if v
                .parse::<i64>()
                .is_ok_and(|n| (1..=q.scale_max.unwrap_or(5)).contains(&n)) =>
            {
                Ok(())
            }
            _ => Err(format!("评分应为1至{}的整数", q.scale_max.unwrap_or(5))),
        },
        "number" => match values {
            [v] if v
                .parse::<f64>()
                .is_ok_and(|n| n.is_finite() && n.abs() <= 1e9) =>
            {
                Ok(())
            }
            _ => Err("请填写一个数字".into()),
        },
        _ => match values {
            [v] if v.chars().count() <= 2000 => Ok(()),
            _ => Err("文字不能超过2000个字符".into()),
        },
    }
}

async fn write(
    db: &Db,
    actor: &Actor,
    survey: &Survey,
    household: Option<i64>,
    channel: &str,
    who: Respondent,
    rows: Vec<(i64, String)>,
) -> Result<i64> {
    let key = match household {
        Some(h) => format!("h:{h}"),
        None => format!("paper:{}", crate::accounts::sessions::random_token()),
    };
    let mut tx = db.begin().await?;
    let id: Option<i64> = sqlx::query(&format!(
        "INSERT INTO survey_responses (survey_id, respondent_key, household_id, channel, entered_by, created_at, \
         person_id, sex, age) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) {} RETURNING id", db.dialect.insert_ignore()))
        .bind(survey.id)
        .bind(&key)
        .bind(household)
        .bind(channel)
        .bind(actor.user_id)
        .bind(db::now())
        .bind(who.person_id)
        .bind(&who.sex)
        .bind(who.age)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.get(0));
    let Some(id) = id else {
        return Err(Error::conflict("答案", "该户已经填写过本问卷"));
    };
    for (q, v) in &rows {
        sqlx::query(
            "INSERT INTO survey_answers (response_id, question_id, value) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(q)
        .bind(v)
        .execute(&mut *tx)
        .await?;
    }
    audit::record(
        &mut *tx,
        actor,
        "answer",
        "survey",
        Some(survey.id),
        None,
        Some(&json!({"response": id, "household_id": household, "channel": channel})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

async fn open_survey(db: &Db, id: i64) -> Result<Survey> {
    let s = load(db, id).await?;
    if s.state != "open" {
        return Err(Error::invalid("问卷", "问卷不在填写期内"));
    }
    Ok(s)
}

async fn in_sample(db: &Db, survey: i64, household: i64) -> Result<bool> {
    Ok(
        sqlx::query("SELECT 1 FROM survey_sample WHERE survey_id = $1 AND household_id = $2")
            .bind(survey)
            .bind(household)
            .fetch_optional(&db.pool)
            .await?
            .is_some(),
    )
}

/// A worker's entry: at the door for a household of their scope, or a paper form (with or without one).
pub async fn submit(db: &Db, actor: &Actor, survey_id: i64, s: &Submission) -> Result<i64> {
    if !actor.role.can_write_registry() {
        return Err(Error::Forbidden("只有社区工作人员可以代录问卷".into()));
    }
    let visible = super::list(db, actor)
        .await?
        .into_iter()
        .any(|x| x.id == survey_id);
    if !visible {
        return Err(Error::NotFound);
    }
    let survey = open_survey(db, survey_id).await?;
    let channel = match s.channel.trim() {
        "door" | "" => "door",
        "paper" => "paper",
        _ => return Err(Error::invalid("方式", "填写方式应为入户或纸质")),
    };
    if let Some(h) = s.household_id {
        let sql = format!(
            "SELECT 1 FROM households WHERE id = $1 AND archived = 0 AND {}",
            actor.scope.sql("")
        );
        sqlx::query(&sql)
            .bind(h)
            .fetch_optional(&db.pool)
            .await?
            .ok_or_else(|| Error::invalid("住户", "住户不存在或不在您的管辖范围内"))?;
        if !in_sample(db, survey.id, h).await? {
            return Err(Error::invalid("住户", "该户不在本次调查的样本中"));
        }
    } else if channel == "door" {
        return Err(Error::invalid("住户", "入户填写请选择住户"));
    }
    let who = match (s.respondent_id, s.household_id) {
        (Some(p), h) => {
            if h.is_none() {
                return Err(Error::invalid(
                    "受访人",
                    "请先选择住户,受访人应是该户的成员",
                ));
            }
            person_respondent(db, p, h).await?
        }
        (None, _) => paper_respondent(s.sex.as_deref(), s.age)?,
    };
    let rows = check(&survey, &s.answers)?;
    write(db, actor, &survey, s.household_id, channel, who, rows).await
}

/// The open surveys of a resident's community their household is sampled in, with whether it answered.
pub async fn for_resident(db: &Db, actor: &Actor) -> Result<Vec<(Survey, bool)>> {
    let r = crate::portal::verified(db, actor).await?;
    let Some(h) = r.household_id else {
        return Ok(vec![]);
    };
    let ids: Vec<i64> = sqlx::query(
        "SELECT s.id FROM surveys s JOIN survey_sample x ON x.survey_id = s.id AND x.household_id = $1 \
         WHERE s.state = 'open' ORDER BY s.id DESC",
    )
    .bind(h)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|x| x.get(0))
    .collect();
    let mut out = Vec::new();
    for id in ids {
        let answered = sqlx::query(
            "SELECT 1 FROM survey_responses WHERE survey_id = $1 AND respondent_key = $2",
        )
        .bind(id)
        .bind(format!("h:{h}"))
        .fetch_optional(&db.pool)
        .await?
        .is_some();
        out.push((load(db, id).await?, answered));
    }
    Ok(out)
}

/// A resident's answers, for their household.
pub async fn submit_as_resident(
    db: &Db,
    actor: &Actor,
    number: &str,
    answers: &[Answer],
) -> Result<i64> {
    let r = crate::portal::verified(db, actor).await?;
    let id: i64 = sqlx::query("SELECT id FROM surveys WHERE number = $1 AND community_id = $2")
        .bind(number.trim())
        .bind(r.community_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(Error::NotFound)?
        .get(0);
    let survey = open_survey(db, id).await?;
    let h = r
        .household_id
        .ok_or_else(|| Error::Forbidden("您没有登记住户,不能填写入户问卷".into()))?;
    if !in_sample(db, id, h).await? {
        return Err(Error::Forbidden("您家不在本次调查的样本中".into()));
    }
    let rows = check(&survey, answers)?;
    let who = person_respondent(db, r.person_id, None).await?;
    write(db, actor, &survey, Some(h), "portal", who, rows).await
}
