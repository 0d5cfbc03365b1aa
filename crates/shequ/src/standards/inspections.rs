//! A community's self-inspection (自查) of a standard for a year: a score (0 … the item's points) and a note
//! per item, evidence per item — links to records in shequ (an activity, a meeting, a ledger by its code,
//! chosen from lists and shown by their titles) and uploaded files (bounded like case attachments) — and the
//! totals: the whole and per section.

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use super::{Item, Standard};
use crate::accounts::Actor;
use crate::audit;
use crate::cases::attachments::{self, Upload};
use crate::db::{self, Db};
use crate::error::{Error, Result};
use crate::governance::{community_for, require_committee, text};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Evidence {
    pub id: i64,
    pub item_id: i64,
    /// activity / meeting / ledger / file
    pub kind: String,
    pub kind_label: String,
    /// The record's title (or the file's name).
    pub label: String,
    /// For a file: where to fetch it.
    pub href: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ItemScore {
    pub item: Item,
    /// None while the item is not yet checked.
    pub score: Option<i64>,
    pub note: String,
    /// Checked and below its points.
    pub gap: bool,
    pub evidence: Vec<Evidence>,
    pub rectification: Option<super::rectify::Rectification>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SectionScore {
    pub section: String,
    pub points: i64,
    pub score: i64,
    pub checked: i64,
    pub items: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Inspection {
    pub id: i64,
    pub standard_id: i64,
    pub standard_title: String,
    pub community_id: i64,
    pub community_name: String,
    pub year: i64,
    pub total_points: i64,
    pub total_score: i64,
    pub checked: i64,
    pub items_met: i64,
    pub gaps: i64,
    pub sections: Vec<SectionScore>,
    pub items: Vec<ItemScore>,
    pub created_at: String,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewInspection {
    pub standard_id: i64,
    /// The community (a street administrator names it; community staff inspect their own).
    pub community_id: Option<i64>,
    pub year: i64,
}

/// Starts a community's self-inspection of a standard for a year (one per standard, community and year).
pub async fn create(db: &Db, actor: &Actor, n: &NewInspection) -> Result<Inspection> {
    let (street, community) = community_for(db, actor, n.community_id).await?;
    let standard: Standard = super::get(db, actor, n.standard_id)
        .await
        .map_err(|_| Error::invalid("标准", "请选择本街道的达标标准"))?;
    if !(2000..=2100).contains(&n.year) {
        return Err(Error::invalid("年度", "年度应为2000至2100"));
    }
    let dup = sqlx::query(
        "SELECT id FROM inspections WHERE standard_id = $1 AND community_id = $2 AND year = $3",
    )
    .bind(standard.id)
    .bind(community)
    .bind(n.year)
    .fetch_optional(&db.pool)
    .await?;
    if dup.is_some() {
        return Err(Error::conflict(
            "年度",
            "该社区本年度已开始对照这一标准自查",
        ));
    }
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO inspections (standard_id, street_id, community_id, year, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(standard.id)
    .bind(street)
    .bind(community)
    .bind(n.year)
    .bind(actor.user_id)
    .bind(db::now())
    .fetch_one(&mut *tx)
    .await?
    .get(0);
    audit::record(
        &mut *tx,
        actor,
        "create",
        "inspection",
        Some(id),
        None,
        Some(&json!({"standard_id": standard.id, "community_id": community, "year": n.year})),
    )
    .await?;
    tx.commit().await?;
    get(db, actor, id).await
}

/// The scope-checked row of an inspection: (standard, street, community).
pub(crate) async fn head(db: &Db, actor: &Actor, id: i64) -> Result<(i64, i64, i64)> {
    let sql = format!(
        "SELECT s.standard_id, s.street_id, s.community_id FROM inspections s WHERE s.id = $1 AND {}",
        actor.scope.sql("s")
    );
    let r = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(Error::NotFound)?;
    Ok((r.get(0), r.get(1), r.get(2)))
}

/// One inspection in the actor's scope, with every item's score, evidence and rectification and the totals.
pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<Inspection> {
    head(db, actor, id).await?;
    load(db, id).await
}

pub(crate) async fn load(db: &Db, id: i64) -> Result<Inspection> {
    let r = sqlx::query(
        "SELECT s.standard_id, t.title, s.community_id, c.name, s.year, s.created_at FROM inspections s \
         JOIN standards t ON t.id = s.standard_id JOIN nodes c ON c.id = s.community_id WHERE s.id = $1",
    )
    .bind(id)
    .fetch_one(&db.pool)
    .await?;
    let standard_id: i64 = r.get(0);
    let items = super::items(db, standard_id).await?;
    let scores =
        sqlx::query("SELECT item_id, score, note FROM inspection_scores WHERE inspection_id = $1")
            .bind(id)
            .fetch_all(&db.pool)
            .await?;
    let evidence = evidence_of(db, id).await?;
    let rects = super::rectify::of_inspection(db, id).await?;
    let mut out_items = Vec::new();
    let mut sections: Vec<SectionScore> = Vec::new();
    for item in items {
        let s = scores.iter().find(|s| s.get::<i64, _>(0) == item.id);
        let score: Option<i64> = s.map(|s| s.get(1));
        let note: String = s.map(|s| s.get(2)).unwrap_or_default();
        let sec = match sections.iter_mut().position(|x| x.section == item.section) {
            Some(i) => &mut sections[i],
            None => {
                sections.push(SectionScore {
                    section: item.section.clone(),
                    points: 0,
                    score: 0,
                    checked: 0,
                    items: 0,
                });
                sections.last_mut().expect("pushed")
            }
        };
        sec.points += item.points;
        sec.items += 1;
        if let Some(v) = score {
            sec.score += v;
            sec.checked += 1;
        }
        out_items.push(ItemScore {
            gap: score.is_some_and(|v| v < item.points),
            evidence: evidence
                .iter()
                .filter(|e| e.item_id == item.id)
                .cloned()
                .collect(),
            rectification: rects.iter().find(|x| x.item_id == item.id).cloned(),
            item,
            score,
            note,
        });
    }
    Ok(Inspection {
        id,
        standard_id,
        standard_title: r.get(1),
        community_id: r.get(2),
        community_name: r.get(3),
        year: r.get(4),
        created_at: r.get(5),
        total_points: sections.iter().map(|s| s.points).sum(),
        total_score: sections.iter().map(|s| s.score).sum(),
        checked: sections.iter().map(|s| s.checked).sum(),
        items_met: out_items
            .iter()
            .filter(|i| i.score.is_some_and(|v| v >= i.item.points))
            .count() as i64,
        gaps: out_items.iter().filter(|i| i.gap).count() as i64,
        sections,
        items: out_items,
    })
}

/// The inspections in the actor's scope, newest first.
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<Inspection>> {
    let sql = format!(
        "SELECT s.id FROM inspections s WHERE {} ORDER BY s.year DESC, s.id DESC LIMIT 200",
        actor.scope.sql("s")
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

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ScoreInput {
    pub item_id: i64,
    pub score: i64,
    pub note: String,
}

/// Scores items (0 … their points), each with a note; all or nothing.
pub async fn score(db: &Db, actor: &Actor, id: i64, scores: &[ScoreInput]) -> Result<Inspection> {
    require_committee(actor)?;
    let (standard, _, _) = head(db, actor, id).await?;
    let items = super::items(db, standard).await?;
    let mut checked = Vec::new();
    for s in scores {
        let item = items
            .iter()
            .find(|i| i.id == s.item_id)
            .ok_or_else(|| Error::invalid("项目", "项目不属于这一标准"))?;
        if !(0..=item.points).contains(&s.score) {
            return Err(Error::invalid(
                "得分",
                format!("第{}项的得分应为0至{}分", item.number, item.points),
            ));
        }
        checked.push((item.id, s.score, text("说明", &s.note, 1000)?));
    }
    let now = db::now();
    let mut tx = db.begin().await?;
    for (item, score, note) in &checked {
        sqlx::query("DELETE FROM inspection_scores WHERE inspection_id = $1 AND item_id = $2")
            .bind(id)
            .bind(item)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO inspection_scores (inspection_id, item_id, score, note, checked_by, checked_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(item)
        .bind(score)
        .bind(note)
        .bind(actor.user_id)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
    }
    audit::record(
        &mut *tx,
        actor,
        "score",
        "inspection",
        Some(id),
        None,
        Some(&json!({"scores": checked.iter().map(|(i, s, _)| json!({"item_id": i, "score": s})).collect::<Vec<_>>()})),
    )
    .await?;
    tx.commit().await?;
    load(db, id).await
}

pub const EVIDENCE_KINDS: [(&str, &str); 4] = [
    ("activity", "活动"),
    ("meeting", "会议"),
    ("ledger", "台账"),
    ("file", "文件"),
];

fn kind_label(k: &str) -> String {
    EVIDENCE_KINDS
        .iter()
        .find(|(c, _)| *c == k)
        .map(|(_, l)| l.to_string())
        .unwrap_or_default()
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct EvidenceLink {
    pub item_id: i64,
    /// activity / meeting / ledger
    pub kind: String,
    /// An activity's or a meeting's id (chosen from the lists of the community's records).
    pub ref_id: Option<i64>,
    /// A ledger's code (governance.meetings …).
    pub ref_code: String,
}

async fn item_of(db: &Db, standard: i64, item: i64) -> Result<()> {
    sqlx::query("SELECT 1 FROM standard_items WHERE id = $1 AND standard_id = $2")
        .bind(item)
        .bind(standard)
        .fetch_optional(&db.pool)
        .await?
        .map(|_| ())
        .ok_or_else(|| Error::invalid("项目", "项目不属于这一标准"))
}

/// Links a record of the community as evidence of an item.
pub async fn link(db: &Db, actor: &Actor, id: i64, l: &EvidenceLink) -> Result<Evidence> {
    require_committee(actor)?;
    let (standard, street, community) = head(db, actor, id).await?;
    item_of(db, standard, l.item_id).await?;
    let (ref_id, ref_code) = match l.kind.as_str() {
        "activity" | "meeting" => {
            let table = if l.kind == "activity" {
                "activities"
            } else {
                "meetings"
            };
            let rid = l
                .ref_id
                .ok_or_else(|| Error::invalid("佐证", "请选择活动或会议"))?;
            let ok = sqlx::query(&format!(
                "SELECT 1 FROM {table} WHERE id = $1 AND community_id = $2"
            ))
            .bind(rid)
            .bind(community)
            .fetch_optional(&db.pool)
            .await?;
            if ok.is_none() {
                return Err(Error::invalid("佐证", "所选记录不在本社区"));
            }
            (Some(rid), None)
        }
        "ledger" => {
            let code = l.ref_code.trim();
            crate::reports::catalog::catalog()
                .ledger(code)
                .map_err(|_| Error::invalid("佐证", "请选择台账"))?;
            (None, Some(code.to_string()))
        }
        _ => return Err(Error::invalid("佐证", "佐证应为活动、会议或台账")),
    };
    let mut tx = db.begin().await?;
    let eid: i64 = sqlx::query(
        "INSERT INTO inspection_evidence (inspection_id, item_id, street_id, community_id, kind, ref_id, ref_code, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(id)
    .bind(l.item_id)
    .bind(street)
    .bind(community)
    .bind(&l.kind)
    .bind(ref_id)
    .bind(&ref_code)
    .bind(actor.user_id)
    .bind(db::now())
    .fetch_one(&mut *tx)
    .await?
    .get(0);
    audit::record(
        &mut *tx,
        actor,
        "create",
        "inspection_evidence",
        Some(eid),
        None,
        Some(&json!({"inspection_id": id, "item_id": l.item_id, "kind": l.kind, "ref_id": ref_id, "ref_code": ref_code})),
    )
    .await?;
    tx.commit().await?;
    evidence_of(db, id)
        .await?
        .into_iter()
        .find(|e| e.id == eid)
        .ok_or(Error::NotFound)
}

/// Uploads a file as evidence of an item (size and type checked like case attachments).
pub async fn upload(db: &Db, actor: &Actor, id: i64, item: i64, u: &Upload) -> Result<Evidence> {
    require_committee(actor)?;
    let (standard, street, community) = head(db, actor, id).await?;
    item_of(db, standard, item).await?;
    let content_type = attachments::check("佐证材料", u)?;
    let mut filename = text("文件名", &u.filename, 200)?;
    filename.retain(|c| !c.is_control() && c != '"' && c != '/' && c != '\\');
    if filename.is_empty() {
        filename = "佐证材料".into();
    }
    use sha2::Digest;
    let sha = hex::encode(sha2::Sha256::digest(&u.bytes));
    let mut tx = db.begin().await?;
    let eid: i64 = sqlx::query(
        "INSERT INTO inspection_evidence (inspection_id, item_id, street_id, community_id, kind, filename, content_type, size, sha256, data, created_by, created_at) \
         VALUES ($1, $2, $3, $4, 'file', $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(id)
    .bind(item)
    .bind(street)
    .bind(community)
    .bind(&filename)
    .bind(&content_type)
    .bind(u.bytes.len() as i64)
    .bind(&sha)
    .bind(u.bytes.clone())
    .bind(actor.user_id)
    .bind(db::now())
    .fetch_one(&mut *tx)
    .await?
    .get(0);
    audit::record(
        &mut *tx,
        actor,
        "create",
        "inspection_evidence",
        Some(eid),
        None,
        Some(
            &json!({"inspection_id": id, "item_id": item, "kind": "file", "filename": filename,
            "content_type": content_type, "size": u.bytes.len(), "sha256": sha}),
        ),
    )
    .await?;
    tx.commit().await?;
    evidence_of(db, id)
        .await?
        .into_iter()
        .find(|e| e.id == eid)
        .ok_or(Error::NotFound)
}

/// An evidence file in the actor's scope, as an attachment to serve.
pub async fn file(db: &Db, actor: &Actor, eid: i64) -> Result<(attachments::Attachment, Vec<u8>)> {
    let sql = format!(
        "SELECT e.id, e.inspection_id, e.filename, e.content_type, e.size, e.sha256, e.created_at, e.data \
         FROM inspection_evidence e WHERE e.id = $1 AND e.kind = 'file' AND {}",
        actor.scope.sql("e")
    );
    let r = sqlx::query(&sql)
        .bind(eid)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(Error::NotFound)?;
    Ok((
        attachments::Attachment {
            id: r.get(0),
            owner_kind: "inspection".into(),
            owner_id: r.get(1),
            purpose: "file".into(),
            filename: r.get(2),
            content_type: r.get(3),
            size: r.get(4),
            sha256: r.get(5),
            created_at: r.get(6),
        },
        r.get(7),
    ))
}

async fn evidence_of(db: &Db, id: i64) -> Result<Vec<Evidence>> {
    let rows = sqlx::query(
        "SELECT e.id, e.item_id, e.kind, e.filename, a.title, m.title, e.ref_code FROM inspection_evidence e \
         LEFT JOIN activities a ON e.kind = 'activity' AND a.id = e.ref_id \
         LEFT JOIN meetings m ON e.kind = 'meeting' AND m.id = e.ref_id \
         WHERE e.inspection_id = $1 ORDER BY e.id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    let cat = crate::reports::catalog::catalog();
    Ok(rows
        .iter()
        .map(|r| {
            let id: i64 = r.get(0);
            let kind: String = r.get(2);
            let label = match kind.as_str() {
                "file" => r.get::<String, _>(3),
                "activity" => r.get::<Option<String>, _>(4).unwrap_or_default(),
                "meeting" => r.get::<Option<String>, _>(5).unwrap_or_default(),
                _ => r
                    .get::<Option<String>, _>(6)
                    .and_then(|c| cat.ledger(&c).ok().map(|l| l.title().to_string()))
                    .unwrap_or_default(),
            };
            Evidence {
                id,
                item_id: r.get(1),
                kind_label: kind_label(&kind),
                href: (kind == "file").then(|| format!("/standards/files/{id}")),
                kind,
                label,
            }
        })
        .collect())
}

/// The records a community may link as evidence: activities and meetings (id, title with its date), and the
/// ledgers of the catalogue (code, title).
pub async fn choices(
    db: &Db,
    actor: &Actor,
    id: i64,
) -> Result<(
    Vec<(i64, String)>,
    Vec<(i64, String)>,
    Vec<(String, String)>,
)> {
    let (_, _, community) = head(db, actor, id).await?;
    let pick = |sql: &'static str| async move {
        Ok::<_, Error>(
            sqlx::query(sql)
                .bind(community)
                .fetch_all(&db.pool)
                .await?
                .iter()
                .map(|r| {
                    (
                        r.get::<i64, _>(0),
                        format!("{} {}", r.get::<String, _>(2), r.get::<String, _>(1)),
                    )
                })
                .collect::<Vec<_>>(),
        )
    };
    let activities = pick("SELECT id, title, starts_on FROM activities WHERE community_id = $1 ORDER BY starts_on DESC, id DESC LIMIT 200").await?;
    let meetings = pick("SELECT id, title, held_on FROM meetings WHERE community_id = $1 ORDER BY held_on DESC, id DESC LIMIT 200").await?;
    let ledgers = crate::reports::catalog::catalog()
        .ledgers
        .iter()
        .map(|l| (l.code().to_string(), l.title().to_string()))
        .collect();
    Ok((activities, meetings, ledgers))
}
