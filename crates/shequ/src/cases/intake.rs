//! 上报: a new case from any source, located at a node of the area tree (grid, estate, building, unit or
//! dwelling) inside the actor's scope; the scope columns are copied from that node.

use chrono::Duration;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use super::categories;
use super::queries::{self, Case};
use super::{fmt_ts, now_utc, text, State, SOURCES};
use crate::accounts::{Actor, Role};
use crate::audit;
use crate::db::{Db, Tx};
use crate::error::{Error, Result};
use crate::registry::nodes::{self, Kind};

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct PartyInput {
    /// A registered person (must be inside the user's scope), or none for a free name.
    pub person_id: Option<i64>,
    pub name: String,
    /// e.g. 当事人 / 申请人 / 被申请人 (default 当事人)
    pub role: String,
    pub phone: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewCase {
    pub category_id: i64,
    /// 来访 / 电话 / 居民端 / 网格巡查 / 入户走访 / 设备报警 / 上级交办
    pub source: String,
    pub title: String,
    pub description: String,
    /// The grid, estate, building, unit or dwelling where it happens.
    pub location_id: i64,
    pub address: String,
    /// The reporting resident when registered.
    pub reporter_person_id: Option<i64>,
    pub reporter_name: String,
    pub reporter_phone: String,
    /// 群体上访
    pub group_petition: bool,
    /// 重复上访
    pub repeat_petition: bool,
    /// An earlier case this one continues.
    pub linked_case_id: Option<i64>,
    pub parties: Vec<PartyInput>,
}

/// A new case that passed every check, ready to be written by [`insert`].
pub struct Prepared {
    category: categories::Category,
    source: String,
    title: String,
    description: String,
    address: String,
    location: nodes::Node,
    street: i64,
    community: i64,
    grid: i64,
    reporter_person_id: Option<i64>,
    reporter_name: String,
    reporter_phone: String,
    group_petition: bool,
    repeat_petition: bool,
    linked_case_id: Option<i64>,
    parties: Vec<(Option<i64>, String, String, String)>,
    /// The working-day calendar the deadlines are counted on.
    calendar: std::sync::Arc<crate::calendar::Calendar>,
}

/// Records a new case in state 上报 and returns it.
pub async fn create(db: &Db, actor: &Actor, input: &NewCase) -> Result<Case> {
    let prepared = prepare(db, actor, input).await?;
    let mut tx = db.begin().await?;
    let id = insert(&mut tx, actor, &prepared).await?;
    let case = queries::get_tx(&mut tx, actor, id).await?;
    tx.commit().await?;
    Ok(case)
}

/// Checks a new case (category, source, text lengths, location and persons inside the actor's scope).
pub async fn prepare(db: &Db, actor: &Actor, input: &NewCase) -> Result<Prepared> {
    // A resident reports only from the portal (crate::portal), which locates the case at their home.
    if actor.role == Role::Resident && input.source.trim() != "居民端" {
        return Err(Error::Forbidden("请通过居民端上报".into()));
    }
    let category = categories::get(db, input.category_id)
        .await
        .map_err(|_| Error::invalid("分类", "请选择民情分类"))?;
    let source = input.source.trim();
    if !SOURCES.contains(&source) {
        return Err(Error::invalid(
            "来源",
            format!("来源应为:{}", SOURCES.join("、")),
        ));
    }
    let title = text("标题", &input.title, 100)?;
    if title.is_empty() {
        return Err(Error::invalid("标题", "标题不能为空"));
    }
    let description = text("描述", &input.description, 5000)?;
    let address = text("地址", &input.address, 200)?;
    let reporter_name = text("反映人", &input.reporter_name, 50)?;
    let reporter_phone = text("联系电话", &input.reporter_phone, 30)?;
    let location = nodes::get(db, actor, input.location_id)
        .await
        .map_err(|_| Error::invalid("地点", "地点不存在或不在您的管辖范围内"))?;
    if matches!(location.kind(), Kind::Street | Kind::Community) {
        return Err(Error::invalid(
            "地点",
            "请选择网格、小区、楼栋或房屋作为地点",
        ));
    }
    let (Some(street), Some(community), Some(grid)) =
        (location.street_id, location.community_id, location.grid_id)
    else {
        return Err(Error::invalid("地点", "地点不在任何网格内"));
    };
    let scoped_person = |field: &'static str, id: i64| async move {
        let sql = format!(
            "SELECT name, phone FROM persons WHERE id = $1 AND {}",
            actor.scope.sql("")
        );
        sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&db.pool)
            .await?
            .map(|r| (r.get::<String, _>(0), r.get::<Option<String>, _>(1)))
            .ok_or_else(|| Error::invalid(field, "人员不存在或不在您的管辖范围内"))
    };
    let (reporter_name, reporter_phone) = match input.reporter_person_id {
        Some(pid) => {
            let (name, phone) = scoped_person("反映人", pid).await?;
            let phone = if reporter_phone.is_empty() {
                phone.unwrap_or_default()
            } else {
                reporter_phone
            };
            (name, phone)
        }
        None => (reporter_name, reporter_phone),
    };
    if let Some(linked) = input.linked_case_id {
        queries::get(db, actor, linked)
            .await
            .map_err(|_| Error::invalid("关联案件", "关联案件不存在或不在您的管辖范围内"))?;
    }
    let mut parties = vec![];
    for (i, p) in input.parties.iter().enumerate() {
        let field = "当事人";
        let (name, phone) = match p.person_id {
            Some(pid) => {
                let (name, phone) = scoped_person(field, pid).await?;
                (name, phone.unwrap_or_default())
            }
            None => {
                let name = text(field, &p.name, 50)?;
                if name.is_empty() {
                    return Err(Error::invalid(
                        field,
                        format!("第{}位当事人缺少姓名", i + 1),
                    ));
                }
                (name, text("联系电话", &p.phone, 30)?)
            }
        };
        let role = text("当事人身份", &p.role, 20)?;
        parties.push((
            p.person_id,
            name,
            if role.is_empty() {
                "当事人".to_string()
            } else {
                role
            },
            phone,
        ));
    }

    Ok(Prepared {
        calendar: crate::calendar::store::load(db).await?,
        category,
        source: source.to_string(),
        title,
        description,
        address,
        location,
        street,
        community,
        grid,
        reporter_person_id: input.reporter_person_id,
        reporter_name,
        reporter_phone,
        group_petition: input.group_petition,
        repeat_petition: input.repeat_petition,
        linked_case_id: input.linked_case_id,
        parties,
    })
}

/// Writes a prepared case inside the caller's transaction (with its parties, trail and audit entry) and
/// returns its id.
pub async fn insert(tx: &mut Tx<'_>, actor: &Actor, p: &Prepared) -> Result<i64> {
    let Prepared {
        category,
        source,
        title,
        description,
        address,
        location,
        street,
        community,
        grid,
        reporter_person_id,
        reporter_name,
        reporter_phone,
        group_petition,
        repeat_petition,
        linked_case_id,
        parties,
        calendar,
    } = p;
    let (street, community, grid) = (*street, *community, *grid);
    let source = source.as_str();
    let now = now_utc();
    let at = fmt_ts(now);
    let (warn, due) =
        super::deadlines::stage_times(now, category.limit(category.accept_hours), calendar);
    let overall = fmt_ts(category.total_limit().times(now, calendar).1);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO cases (number, category_id, source, title, description, location_node_id, dwelling_id, \
         street_id, community_id, grid_id, building_id, address, reporter_person_id, reporter_name, reporter_phone, \
         state, group_petition, repeat_petition, linked_case_id, stage_started_at, stage_warn_at, stage_due_at, \
         due_at, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, \
         $22, $23, $24, $25, $25) RETURNING id",
    )
    .bind(format!("tmp-{}", crate::accounts::sessions::random_token()))
    .bind(category.id)
    .bind(source)
    .bind(title)
    .bind(description)
    .bind(location.id)
    .bind((location.kind() == Kind::Dwelling).then_some(location.id))
    .bind(street)
    .bind(community)
    .bind(grid)
    .bind(location.building_id)
    .bind(address)
    .bind(*reporter_person_id)
    .bind(non_empty(reporter_name))
    .bind(non_empty(reporter_phone))
    .bind(State::Reported.code())
    .bind(*group_petition as i64)
    .bind(*repeat_petition as i64)
    .bind(*linked_case_id)
    .bind(&at)
    .bind(warn)
    .bind(due)
    .bind(&overall)
    .bind(if actor.user_id == 0 {
        None
    } else {
        Some(actor.user_id)
    })
    .bind(&at)
    .fetch_one(&mut **tx)
    .await?;
    super::counts::added(tx, street, community, grid).await?;
    // 民情编号: MQ + date (China time) + the id, unique because the id is.
    let number = format!("MQ{}{:06}", (now + Duration::hours(8)).format("%Y%m%d"), id);
    sqlx::query("UPDATE cases SET number = $1 WHERE id = $2")
        .bind(&number)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    for (person_id, name, role, phone) in parties.iter() {
        sqlx::query(
            "INSERT INTO case_parties (case_id, person_id, name, role, phone, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(*person_id)
        .bind(name)
        .bind(role)
        .bind(non_empty(phone))
        .bind(&at)
        .execute(&mut **tx)
        .await?;
    }
    event(
        tx,
        actor,
        id,
        "create",
        None,
        Some(State::Reported),
        None,
        None,
        Some(&format!("{source}:{title}")),
        &at,
    )
    .await?;
    let after = json!({"number": number, "category_id": category.id, "source": source, "title": title,
        "location_id": location.id, "grid_id": grid, "reporter_person_id": reporter_person_id,
        "group_petition": group_petition, "repeat_petition": repeat_petition,
        "linked_case_id": linked_case_id, "parties": parties.len()});
    audit::record(
        &mut **tx,
        actor,
        "create",
        "case",
        Some(id),
        None,
        Some(&after),
    )
    .await?;
    Ok(id)
}

pub(crate) fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

/// Appends one row to a case's trail.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn event(
    tx: &mut Tx<'_>,
    actor: &Actor,
    case_id: i64,
    kind: &str,
    from: Option<State>,
    to: Option<State>,
    to_user: Option<i64>,
    to_name: Option<&str>,
    note: Option<&str>,
    at: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO case_events (case_id, kind, from_state, to_state, user_id, who, to_user_id, to_name, note, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(case_id)
    .bind(kind)
    .bind(from.map(|s| s.code().to_string()))
    .bind(to.map(|s| s.code().to_string()))
    .bind(if actor.user_id == 0 {
        None
    } else {
        Some(actor.user_id)
    })
    .bind(if actor.display_name.is_empty() {
        actor.username.clone()
    } else {
        actor.display_name.clone()
    })
    .bind(to_user)
    .bind(to_name.map(String::from))
    .bind(note.filter(|n| !n.is_empty()).map(String::from))
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
