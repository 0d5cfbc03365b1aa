//! Surveys (问卷调查): a community's questionnaire, its sample of households, responses from the portal, at
//! the door or from paper ([`answers`]), and results — counts and percentages per question, the response
//! rate against the sample, cross-tabs by grid, free text listed, an .xlsx export ([`results`]). Questions are
//! typed one per line in a small notation ([`parse_questions`]); two built-in questionnaires start from it
//! (resident satisfaction and 两率一度).
//!
//! The committee (街道管理员, 社区书记/主任, 社工) creates, opens and closes surveys; grid workers enter answers
//! at the door for households of their grids; residents answer on the portal.

pub mod answers;
pub mod plugin;
pub mod results;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use crate::accounts::Actor;
use crate::audit;
use crate::db::{self, Db};
use crate::error::{Error, Result};
use crate::governance::{community_for, number, required, text};

pub const KINDS: [(&str, &str); 5] = [
    ("single", "单选"),
    ("multiple", "多选"),
    ("scale", "评分"),
    ("number", "数字"),
    ("text", "文本"),
];

/// The built-in questionnaires (title, questions in the notation of [`parse_questions`]).
pub const TEMPLATES: [(&str, &str, &str); 2] = [
    (
        "satisfaction",
        "社区居民满意度调查",
        "单选* | 您对社区环境卫生是否满意 | 满意,基本满意,不满意\n\
         单选 | 不满意的主要原因 | 垃圾清运不及时,楼道堆物,绿化差,其他 | 若 1=不满意\n\
         单选* | 您对社区治安状况是否满意 | 满意,基本满意,不满意\n\
         单选* | 您对社区工作人员的服务是否满意 | 满意,基本满意,不满意\n\
         评分 | 请为社区整体工作打分 | 10\n\
         文本 | 您对社区工作的意见和建议",
    ),
    (
        "two_rates",
        "平安建设“两率一度”调查",
        "单选* | 您是否知道本社区开展平安建设工作 | 知道,不知道\n\
         单选* | 您是否参加过平安建设活动(如巡逻、宣传) | 参加过,没参加过\n\
         多选 | 您参加过哪些活动 | 治安巡逻,法制宣传,矛盾调解,消防演练 | 若 2=参加过\n\
         单选* | 您对本社区的治安状况是否满意 | 满意,基本满意,不满意\n\
         文本 | 您对平安建设的建议",
    ),
];

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Question {
    /// 1-based position.
    pub idx: i64,
    /// single / multiple / scale / number / text
    pub kind: String,
    pub text: String,
    pub required: bool,
    pub options: Vec<String>,
    /// For a scale: 1 … scale_max.
    pub scale_max: Option<i64>,
    /// Shown only when question `show_if_idx` (a single choice before it) was answered `show_if_option`.
    pub show_if_idx: Option<i64>,
    pub show_if_option: Option<String>,
    #[serde(skip_deserializing)]
    pub id: i64,
}

/// Questions from the notation, one per line: `种类[*] | 题目 | 选项,选项 | 若 N=选项`; `*` marks a required
/// question; 评分 takes its maximum in place of the options. Every mistake is named with its line.
pub fn parse_questions(src: &str) -> Result<Vec<Question>> {
    let mut out: Vec<Question> = Vec::new();
    for (n, line) in src
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let bad = |m: String| Error::invalid("题目", format!("第{}行:{m}", n + 1));
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        let (kind_zh, required) = match parts[0].strip_suffix('*') {
            Some(k) => (k.trim(), true),
            None => (parts[0], false),
        };
        let kind = KINDS
            .iter()
            .find(|(_, zh)| *zh == kind_zh)
            .map(|(c, _)| c.to_string())
            .ok_or_else(|| bad(format!("题型“{kind_zh}”应为单选、多选、评分、数字或文本")))?;
        let text = parts.get(1).copied().unwrap_or("").to_string();
        if text.is_empty() || text.chars().count() > 200 {
            return Err(bad("请写题目(不超过200个字符)".into()));
        }
        let mut q = Question {
            idx: out.len() as i64 + 1,
            kind: kind.clone(),
            text,
            required,
            ..Default::default()
        };
        let third = parts.get(2).copied().unwrap_or("");
        match kind.as_str() {
            "single" | "multiple" => {
                q.options = third
                    .split([',', ',', '、'])
                    .map(|o| o.trim().to_string())
                    .filter(|o| !o.is_empty())
                    .collect();
                if q.options.len() < 2 || q.options.len() > 20 {
                    return Err(bad("选择题应有2至20个选项,用逗号分开".into()));
                }
            }
            "scale" => {
                let max: i64 = third
                    .parse()
                    .map_err(|_| bad("评分题请写最高分,如 5 或 10".into()))?;
                if !(2..=10).contains(&max) {
                    return Err(bad("最高分应为2至10".into()));
                }
                q.scale_max = Some(max);
            }
            _ => {}
        }
        if let Some(cond) = parts.get(3).filter(|c| !c.is_empty()) {
            let cond = cond.trim_start_matches('若').trim();
            let (i, opt) = cond
                .split_once('=')
                .ok_or_else(|| bad("条件应写成“若 1=不满意”".into()))?;
            let i: i64 = i
                .trim()
                .parse()
                .map_err(|_| bad("条件应写成“若 1=不满意”".into()))?;
            let target = out
                .iter()
                .find(|p| p.idx == i)
                .ok_or_else(|| bad(format!("条件引用的第{i}题不在本题之前")))?;
            if target.kind != "single" || !target.options.iter().any(|o| o == opt.trim()) {
                return Err(bad(format!("第{i}题不是单选题或没有选项“{}”", opt.trim())));
            }
            q.show_if_idx = Some(i);
            q.show_if_option = Some(opt.trim().to_string());
        }
        out.push(q);
    }
    if out.is_empty() {
        return Err(Error::invalid("题目", "问卷至少要有一道题"));
    }
    if out.len() > 100 {
        return Err(Error::invalid("题目", "问卷不能超过100道题"));
    }
    Ok(out)
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewSurvey {
    pub community_id: Option<i64>,
    pub title: String,
    pub intro: String,
    /// The questions in the notation of `parse_questions`.
    pub questions: String,
    /// all / grid / random / group
    pub sample_kind: String,
    pub sample_grid_id: Option<i64>,
    /// A tag code (独居老人 elderly_alone …): households with a member in the group.
    pub sample_tag: String,
    pub sample_size: Option<i64>,
    /// The random sample's seed (chosen when empty and stored: the same seed draws the same households).
    pub sample_seed: Option<i64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Survey {
    pub id: i64,
    /// DC2026-00004
    pub number: String,
    pub community_id: i64,
    pub title: String,
    pub intro: String,
    /// draft / open / closed
    pub state: String,
    pub state_label: String,
    pub sample_kind: String,
    pub sample_size: Option<i64>,
    pub sample_seed: Option<i64>,
    /// Households in the sample (once opened).
    pub sampled: i64,
    pub responses: i64,
    pub questions: Vec<Question>,
}

fn state_label(s: &str) -> &'static str {
    match s {
        "draft" => "草稿",
        "open" => "进行中",
        _ => "已结束",
    }
}

/// A new survey (draft) of a community.
pub async fn create(db: &Db, actor: &Actor, s: &NewSurvey) -> Result<Survey> {
    let (street, community) = community_for(db, actor, s.community_id).await?;
    let title = required("问卷名称", &s.title, 100)?;
    let intro = text("说明", &s.intro, 2000)?;
    let questions = parse_questions(&s.questions)?;
    let kind = s.sample_kind.trim();
    let (grid, tag, size, seed) = match kind {
        "all" => (None, None, None, None),
        "grid" => {
            let g = s
                .sample_grid_id
                .ok_or_else(|| Error::invalid("样本", "请选择网格"))?;
            let ok = sqlx::query(
                "SELECT 1 FROM nodes WHERE id = $1 AND kind = 'grid' AND community_id = $2",
            )
            .bind(g)
            .bind(community)
            .fetch_optional(&db.pool)
            .await?;
            if ok.is_none() {
                return Err(Error::invalid("样本", "网格不在该社区"));
            }
            (Some(g), None, None, None)
        }
        "random" => {
            let n = s
                .sample_size
                .filter(|n| (1..=100_000).contains(n))
                .ok_or_else(|| Error::invalid("样本量", "随机抽样请填写样本户数(1至100000)"))?;
            let seed = s
                .sample_seed
                .unwrap_or_else(|| rand::random::<u32>() as i64);
            (None, None, Some(n), Some(seed))
        }
        "group" => {
            let t = s.sample_tag.trim();
            let ok = sqlx::query("SELECT 1 FROM tag_types WHERE code = $1 AND archived = 0")
                .bind(t)
                .fetch_optional(&db.pool)
                .await?;
            if ok.is_none() {
                return Err(Error::invalid("样本", "请选择特殊群体"));
            }
            (None, Some(t.to_string()), None, None)
        }
        _ => {
            return Err(Error::invalid(
                "样本",
                "样本应为全部住户、一个网格、随机抽样或特殊群体",
            ))
        }
    };
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO surveys (number, street_id, community_id, title, intro, state, sample_kind, sample_grid_id, \
         sample_tag, sample_size, sample_seed, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(crate::accounts::sessions::random_token())
    .bind(street)
    .bind(community)
    .bind(&title)
    .bind(&intro)
    .bind(kind)
    .bind(grid)
    .bind(&tag)
    .bind(size)
    .bind(seed)
    .bind(actor.user_id)
    .bind(db::now())
    .fetch_one(&mut *tx)
    .await?
    .get(0);
    sqlx::query("UPDATE surveys SET number = $1 WHERE id = $2")
        .bind(number("DC", id))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    for q in &questions {
        sqlx::query(
            "INSERT INTO survey_questions (survey_id, idx, kind, text, required, options, scale_max, show_if_idx, show_if_option) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id)
        .bind(q.idx)
        .bind(&q.kind)
        .bind(&q.text)
        .bind(q.required as i64)
        .bind(serde_json::to_string(&q.options)?)
        .bind(q.scale_max)
        .bind(q.show_if_idx)
        .bind(&q.show_if_option)
        .execute(&mut *tx)
        .await?;
    }
    audit::record(
        &mut *tx,
        actor,
        "create",
        "survey",
        Some(id),
        None,
        Some(&json!({"title": title, "questions": questions.len(), "sample": kind, "seed": seed})),
    )
    .await?;
    tx.commit().await?;
    get(db, actor, id).await
}

/// The households a sample draws, in a reproducible order (a random sample: shuffled by its seed).
pub async fn draw(
    db: &Db,
    community: i64,
    kind: &str,
    grid: Option<i64>,
    tag: Option<&str>,
    size: Option<i64>,
    seed: Option<i64>,
) -> Result<Vec<i64>> {
    let rows = match kind {
        "grid" => sqlx::query("SELECT id FROM households WHERE grid_id = $1 AND archived = 0 ORDER BY id")
            .bind(grid.unwrap_or(0))
            .fetch_all(&db.pool)
            .await?,
        "group" => sqlx::query(
            "SELECT DISTINCT p.household_id FROM persons p JOIN person_tags t ON t.person_id = p.id AND t.archived = 0 \
             JOIN tag_types y ON y.id = t.tag_type_id AND y.code = $2 \
             WHERE p.community_id = $1 AND p.archived = 0 AND p.household_id IS NOT NULL ORDER BY p.household_id",
        )
        .bind(community)
        .bind(tag.unwrap_or(""))
        .fetch_all(&db.pool)
        .await?,
        _ => sqlx::query("SELECT id FROM households WHERE community_id = $1 AND archived = 0 ORDER BY id")
            .bind(community)
            .fetch_all(&db.pool)
            .await?,
    };
    let mut ids: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
    if kind == "random" {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed.unwrap_or(0) as u64);
        ids.shuffle(&mut rng);
        ids.truncate(size.unwrap_or(0).max(0) as usize);
        ids.sort_unstable();
    }
    Ok(ids)
}

/// Opens a draft: its sample is drawn and stored now.
pub async fn open(db: &Db, actor: &Actor, id: i64) -> Result<Survey> {
    crate::governance::require_committee(actor)?;
    let s = get(db, actor, id).await?;
    if s.state != "draft" {
        return Err(Error::invalid("状态", "只能发布草稿状态的问卷"));
    }
    let row = sqlx::query("SELECT sample_grid_id, sample_tag FROM surveys WHERE id = $1")
        .bind(id)
        .fetch_one(&db.pool)
        .await?;
    let households = draw(
        db,
        s.community_id,
        &s.sample_kind,
        row.get(0),
        row.get::<Option<String>, _>(1).as_deref(),
        s.sample_size,
        s.sample_seed,
    )
    .await?;
    if households.is_empty() {
        return Err(Error::invalid("样本", "样本中没有住户,无法发布"));
    }
    let mut tx = db.begin().await?;
    let moved = sqlx::query(
        "UPDATE surveys SET state = 'open', opened_at = $1 WHERE id = $2 AND state = 'draft'",
    )
    .bind(db::now())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if moved.rows_affected() != 1 {
        return Err(Error::conflict("状态", "问卷已被发布"));
    }
    for chunk in households.chunks(500) {
        let values: Vec<String> = chunk.iter().map(|h| format!("({id}, {h})")).collect();
        sqlx::query(&format!(
            "INSERT INTO survey_sample (survey_id, household_id) VALUES {}",
            values.join(",")
        ))
        .execute(&mut *tx)
        .await?;
    }
    audit::record(
        &mut *tx,
        actor,
        "open",
        "survey",
        Some(id),
        None,
        Some(&json!({"sampled": households.len()})),
    )
    .await?;
    tx.commit().await?;
    get(db, actor, id).await
}

/// Closes an open survey: no more answers.
pub async fn close(db: &Db, actor: &Actor, id: i64) -> Result<Survey> {
    crate::governance::require_committee(actor)?;
    get(db, actor, id).await?;
    let mut tx = db.begin().await?;
    let moved = sqlx::query(
        "UPDATE surveys SET state = 'closed', closed_at = $1 WHERE id = $2 AND state = 'open'",
    )
    .bind(db::now())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if moved.rows_affected() != 1 {
        return Err(Error::invalid("状态", "只能结束进行中的问卷"));
    }
    audit::record(&mut *tx, actor, "close", "survey", Some(id), None, None).await?;
    tx.commit().await?;
    get(db, actor, id).await
}

pub(crate) async fn load(db: &Db, id: i64) -> Result<Survey> {
    let r = sqlx::query(
        "SELECT id, number, community_id, title, intro, state, sample_kind, sample_size, sample_seed, \
         (SELECT COUNT(*) FROM survey_sample x WHERE x.survey_id = s.id), \
         (SELECT COUNT(*) FROM survey_responses x WHERE x.survey_id = s.id) FROM surveys s WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(Error::NotFound)?;
    let questions = sqlx::query(
        "SELECT id, idx, kind, text, required, options, scale_max, show_if_idx, show_if_option \
         FROM survey_questions WHERE survey_id = $1 ORDER BY idx",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|q| Question {
        id: q.get(0),
        idx: q.get(1),
        kind: q.get(2),
        text: q.get(3),
        required: q.get::<i64, _>(4) == 1,
        options: serde_json::from_str(&q.get::<String, _>(5)).unwrap_or_default(),
        scale_max: q.get(6),
        show_if_idx: q.get(7),
        show_if_option: q.get(8),
    })
    .collect();
    let state: String = r.get(5);
    Ok(Survey {
        id: r.get(0),
        number: r.get(1),
        community_id: r.get(2),
        title: r.get(3),
        intro: r.get(4),
        state_label: state_label(&state).into(),
        state,
        sample_kind: r.get(6),
        sample_size: r.get(7),
        sample_seed: r.get(8),
        sampled: r.get(9),
        responses: r.get(10),
        questions,
    })
}

/// One survey in the actor's scope.
pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<Survey> {
    let sql = format!(
        "SELECT id FROM surveys s WHERE s.id = $1 AND {}",
        actor.scope.sql("s")
    );
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(Error::NotFound)?;
    load(db, id).await
}

/// The surveys in the actor's scope, newest first. Grid workers see the open surveys of their grids'
/// communities, to answer at the door.
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<Survey>> {
    let sql = format!(
        "SELECT s.id FROM surveys s WHERE {} OR (s.state = 'open' AND s.community_id IN \
         (SELECT n.community_id FROM nodes n WHERE {})) ORDER BY s.id DESC LIMIT 200",
        actor.scope.sql("s"),
        actor.scope.sql("n")
    );
    let ids: Vec<i64> = sqlx::query(&sql)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut out = Vec::new();
    for id in ids {
        out.push(load(db, id).await?);
    }
    Ok(out)
}
