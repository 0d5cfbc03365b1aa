//! A street's own import synonyms: what its people write for a standard value that the shipped table
//! ([`super::vocab`]) does not know yet ("丧偶独居" → 丧偶). The street administrator adds and removes them;
//! every import of the street reads them after the shipped ones. Each change is audited.

use std::collections::HashMap;

use serde::Serialize;
use sqlx::Row;

use super::vocab::{self, Typed};
use crate::accounts::Actor;
use crate::audit;
use crate::db::{self, Db};
use crate::error::{Error, Result};

/// The lists whose values may be given synonyms (the form's fixed lists).
pub const LISTS: [&str; 8] = [
    "婚姻状况",
    "文化程度",
    "健康状况",
    "就业状况",
    "政治面貌",
    "与户主关系",
    "证件类型",
    "民族",
];

/// The synonyms in force for one street: the shipped table, then the street's own.
#[derive(Debug, Default, Clone)]
pub struct StreetVocab {
    own: HashMap<(String, String), &'static str>,
}

impl StreetVocab {
    /// How `value` reads in the list `label`: a standard value, a shipped synonym, a street synonym, or
    /// outside the list.
    pub fn read(&self, label: &str, value: &str) -> Typed {
        match vocab::read(label, value) {
            Typed::Outside => self
                .own
                .get(&(label.to_string(), value.trim().to_string()))
                .map(|s| Typed::Synonym(s))
                .unwrap_or(Typed::Outside),
            t => t,
        }
    }

    pub fn len(&self) -> usize {
        self.own.len()
    }

    pub fn is_empty(&self) -> bool {
        self.own.is_empty()
    }
}

/// The standard value of a list as the shipped `'static` text (a stored entry names one).
fn standard_of(label: &str, standard: &str) -> Option<&'static str> {
    vocab::allowed(label)
        .iter()
        .copied()
        .find(|s| *s == standard)
}

/// The street's synonyms, for an import (`None`: the whole database, e.g. the CLI as the system — no street's
/// own synonyms apply).
pub async fn load(db: &Db, street_id: Option<i64>) -> Result<StreetVocab> {
    let Some(street) = street_id else {
        return Ok(StreetVocab::default());
    };
    let rows =
        sqlx::query("SELECT label, standard, synonym FROM import_vocab WHERE street_id = $1")
            .bind(street)
            .fetch_all(&db.pool)
            .await?;
    let mut own = HashMap::new();
    for r in rows {
        let (label, standard, synonym): (String, String, String) = (r.get(0), r.get(1), r.get(2));
        if let Some(s) = standard_of(&label, &standard) {
            own.insert((label, synonym), s);
        }
    }
    Ok(StreetVocab { own })
}

/// One synonym as the page and the API show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Entry {
    /// The street's entry id (absent for a shipped synonym, which cannot be removed).
    pub id: Option<i64>,
    pub label: String,
    pub standard: String,
    pub synonym: String,
    /// 系统内置 or 本街道.
    pub source: String,
}

/// Every list with its standard values and synonyms (shipped ones first, then the street's).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct List {
    pub label: String,
    pub standards: Vec<String>,
    pub entries: Vec<Entry>,
}

/// The synonyms of the actor's street, list by list.
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<List>> {
    let mut own: Vec<Entry> = Vec::new();
    if let Some(street) = actor.scope.street() {
        let rows = sqlx::query(
            "SELECT id, label, standard, synonym FROM import_vocab WHERE street_id = $1 ORDER BY label, standard, synonym",
        )
        .bind(street)
        .fetch_all(&db.pool)
        .await?;
        own = rows
            .into_iter()
            .map(|r| Entry {
                id: Some(r.get(0)),
                label: r.get(1),
                standard: r.get(2),
                synonym: r.get(3),
                source: "本街道".into(),
            })
            .collect();
    }
    Ok(LISTS
        .iter()
        .map(|label| {
            let mut entries: Vec<Entry> = vocab::lines()
                .filter(|(l, _, _)| l == label)
                .flat_map(|(l, standard, synonyms)| {
                    synonyms.into_iter().map(move |s| Entry {
                        id: None,
                        label: l.to_string(),
                        standard: standard.to_string(),
                        synonym: s.to_string(),
                        source: "系统内置".into(),
                    })
                })
                .collect();
            entries.extend(own.iter().filter(|e| e.label == *label).cloned());
            List {
                label: label.to_string(),
                standards: vocab::allowed(label)
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
                entries,
            }
        })
        .collect())
}

fn may_edit(actor: &Actor) -> Result<i64> {
    match actor.scope.street() {
        Some(street) if actor.role.is_admin() => Ok(street),
        _ => Err(Error::Forbidden(
            "只有街道管理员可以维护本街道的导入同义词".into(),
        )),
    }
}

/// Adds a street synonym: `synonym` is read as `standard` in the list `label` by the street's imports.
pub async fn add(
    db: &Db,
    actor: &Actor,
    label: &str,
    standard: &str,
    synonym: &str,
) -> Result<i64> {
    let street = may_edit(actor)?;
    let (label, standard, synonym) = (label.trim(), standard.trim(), synonym.trim());
    if !LISTS.contains(&label) {
        return Err(Error::invalid("字段", "请从列表中选择字段"));
    }
    let Some(standard) = standard_of(label, standard) else {
        return Err(Error::invalid(
            "标准值",
            format!("“{standard}”不是{label}的可选值"),
        ));
    };
    if synonym.is_empty() {
        return Err(Error::invalid("同义词", "请填写同义词"));
    }
    if synonym.chars().count() > 20 {
        return Err(Error::invalid("同义词", "同义词不能超过20个字"));
    }
    let current = load(db, Some(street)).await?;
    match current.read(label, synonym) {
        Typed::Standard => {
            return Err(Error::invalid(
                "同义词",
                format!("“{synonym}”本身就是{label}的可选值"),
            ))
        }
        Typed::Synonym(s) => {
            return Err(Error::Conflict {
                field: "同义词".into(),
                message: format!("“{synonym}”已是{label}“{s}”的同义词"),
            })
        }
        Typed::Outside => {}
    }
    let mut tx = db.pool.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO import_vocab (street_id, label, standard, synonym, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(street)
    .bind(label)
    .bind(standard)
    .bind(synonym)
    .bind(actor.user_id)
    .bind(db::now())
    .fetch_one(&mut *tx)
    .await?;
    let after = serde_json::json!({"字段": label, "标准值": standard, "同义词": synonym});
    audit::record(
        &mut *tx,
        actor,
        "create",
        "import_vocab",
        Some(id),
        None,
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Removes one of the street's synonyms (a shipped one cannot be removed; another street's is not found).
pub async fn remove(db: &Db, actor: &Actor, id: i64) -> Result<()> {
    let street = may_edit(actor)?;
    let mut tx = db.pool.begin().await?;
    let row = sqlx::query(
        "SELECT label, standard, synonym FROM import_vocab WHERE id = $1 AND street_id = $2",
    )
    .bind(id)
    .bind(street)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(Error::NotFound)?;
    let before = serde_json::json!({"字段": row.get::<String, _>(0), "标准值": row.get::<String, _>(1),
        "同义词": row.get::<String, _>(2)});
    sqlx::query("DELETE FROM import_vocab WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut *tx,
        actor,
        "delete",
        "import_vocab",
        Some(id),
        Some(&before),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
