//! 人: registering, editing and archiving persons. The list pages live in [`super::person_list`] (re-exported
//! here), dated moves and the population count in [`super::population`], search in [`super::search`].

use serde::{Deserialize, Deserializer, Serialize};
use sqlx::Row;

use super::{households, idcard, population, search_keys, validate};
use crate::accounts::Actor;
use crate::audit;
use crate::db::{self, Db, Tx};
use crate::error::{Error, Result};

pub use super::person_list::{list, list_rows, ListRow, Start, LIST_ROW_COLS};

/// A person. ID number and phones serialize masked (see [`crate::privacy`]); [`get`] leaves health out for
/// roles that do not see sensitive data. Full values only through [`reveal`] or [`for_edit`], audited.
#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Person {
    pub id: i64,
    pub name: String,
    pub id_type: String,
    #[serde(serialize_with = "crate::privacy::ser::id_number")]
    pub id_number: Option<String>,
    pub birth_date: Option<String>,
    pub sex: Option<String>,
    #[serde(serialize_with = "crate::privacy::ser::phone")]
    pub phone: Option<String>,
    #[serde(serialize_with = "crate::privacy::ser::phone")]
    pub phone2: Option<String>,
    pub ethnicity: Option<String>,
    pub political_status: Option<String>,
    /// 婚姻状况
    pub marital_status: Option<String>,
    pub education: Option<String>,
    pub employment: Option<String>,
    /// Sensitive: only roles that see sensitive data receive it.
    pub health: Option<String>,
    pub hukou_type: String,
    pub hukou_address: Option<String>,
    pub residence_address: Option<String>,
    pub household_id: Option<i64>,
    pub relation: Option<String>,
    pub status: String,
    pub notes: Option<String>,
    pub street_id: i64,
    pub community_id: i64,
    pub grid_id: i64,
    pub building_id: Option<i64>,
    pub archived: i64,
    pub created_at: String,
    pub updated_at: String,
}

pub const COLS: &str = "id, name, id_type, id_number, birth_date, sex, phone, phone2, ethnicity, political_status, marital_status, education, \
    employment, health, hukou_type, hukou_address, residence_address, household_id, relation, status, notes, street_id, \
    community_id, grid_id, building_id, archived, created_at, updated_at";

/// [`COLS`] prefixed with a table alias, for joins.
pub fn qualified_cols(alias: &str) -> String {
    COLS.split(", ")
        .map(|c| format!("{alias}.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Person {
    /// The person as a role may see it: health removed unless the role sees sensitive data. (ID number and
    /// phones are masked whenever the person is serialized.)
    pub fn for_role(mut self, role: crate::accounts::Role) -> Person {
        if !role.sees_sensitive() {
            self.health = None;
        }
        self
    }

    /// Age in whole years on a date.
    pub fn age_on(&self, date: chrono::NaiveDate) -> Option<i32> {
        use chrono::Datelike;
        let b = chrono::NaiveDate::parse_from_str(self.birth_date.as_deref()?, "%Y-%m-%d").ok()?;
        let mut age = date.year() - b.year();
        if (date.month(), date.day()) < (b.month(), b.day()) {
            age -= 1;
        }
        Some(age)
    }
}

/// What a form or an API call sends. Every field is text as typed; [`validate_input`] turns it into values.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct PersonInput {
    pub name: String,
    /// 居民身份证 (default), 护照, 港澳居民来往内地通行证 …
    pub id_type: String,
    pub id_number: String,
    /// Only for documents other than the ID card; derived from the ID number otherwise.
    pub birth_date: String,
    pub sex: String,
    pub phone: String,
    pub phone2: String,
    pub ethnicity: String,
    pub political_status: String,
    /// 未婚, 已婚, 离婚, 丧偶 …
    pub marital_status: String,
    pub education: String,
    pub employment: String,
    pub health: String,
    /// 户籍 / 流动人口 / 人户分离
    pub hukou_type: String,
    pub hukou_address: String,
    pub residence_address: String,
    #[serde(deserialize_with = "lenient_id")]
    pub household_id: Option<i64>,
    /// 户主, 配偶, 子女 …
    pub relation: String,
    pub notes: String,
    /// 迁入日期 for a new person (default: today).
    pub move_in_date: String,
}

/// Accepts 12, "12" or "" (forms send text).
pub(crate) fn lenient_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum V {
        N(i64),
        S(String),
        Null,
    }
    Ok(match Option::<V>::deserialize(d)? {
        Some(V::N(n)) => Some(n),
        Some(V::S(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

/// Validated values, ready to store.
#[derive(Debug, Clone, Serialize)]
pub struct Valid {
    pub name: String,
    pub id_type: String,
    pub id_number: Option<String>,
    pub birth_date: Option<String>,
    pub sex: Option<String>,
    pub phone: Option<String>,
    pub phone2: Option<String>,
    pub ethnicity: Option<String>,
    pub political_status: Option<String>,
    /// 婚姻状况
    pub marital_status: Option<String>,
    pub education: Option<String>,
    pub employment: Option<String>,
    pub health: Option<String>,
    pub hukou_type: String,
    pub hukou_address: Option<String>,
    pub residence_address: Option<String>,
    pub household_id: i64,
    pub relation: Option<String>,
    pub notes: Option<String>,
}

pub fn validate_input(i: &PersonInput, today: chrono::NaiveDate) -> Result<Valid> {
    let name: String = i.name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(Error::invalid("姓名", "姓名不能为空"));
    }
    if name.chars().count() > 50 || name.chars().any(|c| c.is_control() || c.is_ascii_digit()) {
        return Err(Error::invalid(
            "姓名",
            "姓名不能含数字或控制字符,且不超过50个字符",
        ));
    }
    let id_type = validate::choice(
        "证件类型",
        if i.id_type.trim().is_empty() {
            "居民身份证"
        } else {
            &i.id_type
        },
        validate::ID_TYPES,
        true,
    )?
    .unwrap_or_default();
    let raw_id = idcard::normalize(&i.id_number);
    let (id_number, birth_date, sex) = if id_type == "居民身份证" {
        if raw_id.is_empty() {
            return Err(Error::invalid("身份证号", "身份证号不能为空"));
        }
        let info = idcard::parse(&raw_id, today).map_err(|m| Error::invalid("身份证号", m))?;
        let sex = if info.male { "男" } else { "女" };
        if let Some(given) = validate::choice("性别", &i.sex, validate::SEXES, false)? {
            if given != sex {
                return Err(Error::invalid(
                    "性别",
                    format!("性别“{given}”与身份证号不符(应为{sex})"),
                ));
            }
        }
        (Some(raw_id), Some(info.birth_date), Some(sex.to_string()))
    } else {
        let id = validate::text("证件号码", &raw_id, 40)?;
        let birth = validate::past_date("出生日期", &i.birth_date, today, false)?;
        (
            id,
            birth,
            validate::choice("性别", &i.sex, validate::SEXES, false)?,
        )
    };
    let hukou_type = validate::choice(
        "户籍类型",
        if i.hukou_type.trim().is_empty() {
            "户籍"
        } else {
            &i.hukou_type
        },
        validate::HUKOU_TYPES,
        true,
    )?
    .unwrap_or_default();
    let household_id = i
        .household_id
        .ok_or_else(|| Error::invalid("所属户", "必须选择所属户"))?;
    Ok(Valid {
        name,
        id_type,
        id_number,
        birth_date: birth_date.map(|d| d.to_string()),
        sex,
        phone: validate::phone("联系电话", &i.phone)?,
        phone2: validate::phone("备用电话", &i.phone2)?,
        ethnicity: validate::choice("民族", &i.ethnicity, validate::ETHNICITIES, false)?,
        political_status: validate::choice(
            "政治面貌",
            &i.political_status,
            validate::POLITICAL,
            false,
        )?,
        marital_status: validate::choice("婚姻状况", &i.marital_status, validate::MARITAL, false)?,
        education: validate::choice("文化程度", &i.education, validate::EDUCATION, false)?,
        employment: validate::choice("就业状况", &i.employment, validate::EMPLOYMENT, false)?,
        health: validate::choice("健康状况", &i.health, validate::HEALTH, false)?,
        hukou_type,
        hukou_address: validate::text("户籍地址", &i.hukou_address, 200)?,
        residence_address: validate::text("实际居住地", &i.residence_address, 200)?,
        household_id,
        relation: validate::choice("与户主关系", &i.relation, validate::RELATIONS, false)?,
        notes: validate::text("备注", &i.notes, 2000)?,
    })
}

/// A person inside the actor's scope, as the actor's role may see it ([`Person::for_role`]).
pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<Person> {
    Ok(stored(db, actor, id).await?.for_role(actor.role))
}

/// A person as a screen or an answer shows it: [`get`], and when the record holds health data the role may
/// see, the sensitive read is written to the audit log (one place for pages and API).
pub async fn view(db: &Db, actor: &Actor, id: i64) -> Result<Person> {
    let p = get(db, actor, id).await?;
    if p.health.is_some() && actor.role.sees_sensitive() {
        audit::record(
            &db.pool,
            actor,
            "read_sensitive",
            "person",
            Some(id),
            None,
            Some(&serde_json::json!({"fields": ["health"]})),
        )
        .await?;
    }
    Ok(p)
}

/// A person inside the actor's scope with every stored field, for writes (never shown as such).
async fn stored(db: &Db, actor: &Actor, id: i64) -> Result<Person> {
    let sql = format!(
        "SELECT {COLS} FROM persons WHERE id = $1 AND {}",
        actor.scope.sql("")
    );
    sqlx::query_as::<_, Person>(&sql)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(Error::NotFound)
}

pub(crate) async fn fetch(tx: &mut Tx<'_>, id: i64) -> Result<Person> {
    Ok(
        sqlx::query_as::<_, Person>(&format!("SELECT {COLS} FROM persons WHERE id = $1"))
            .bind(id)
            .fetch_one(&mut **tx)
            .await?,
    )
}

async fn household_for_write(db: &Db, actor: &Actor, id: i64) -> Result<households::Household> {
    let h = households::get(db, actor, id)
        .await
        .map_err(|_| Error::invalid("所属户", "所选户不存在或不在您的管辖范围内,不能迁入"))?;
    if h.archived != 0 {
        return Err(Error::invalid("所属户", "所选户已归档"));
    }
    Ok(h)
}

/// Refuses an ID number already registered in the street. Inside the actor's scope the message says so;
/// outside it, only that the number cannot be registered here (no oracle of who lives where, issue 16), and
/// the attempt is written to the audit log for the street administrator.
async fn check_duplicate(
    db: &Db,
    actor: &Actor,
    street: i64,
    id_number: &Option<String>,
    except: Option<i64>,
) -> Result<()> {
    let Some(id) = id_number else { return Ok(()) };
    let sql = format!(
        "SELECT id, CASE WHEN {} THEN 1 ELSE 0 END FROM persons WHERE street_id = $1 AND id_number = $2",
        actor.scope.sql("")
    );
    let row = sqlx::query(&sql)
        .bind(street)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    match row {
        Some(r) if Some(r.get::<i64, _>(0)) != except => {
            if r.get::<i64, _>(1) == 1 {
                return Err(duplicate());
            }
            audit::record(
                &db.pool,
                actor,
                "duplicate_elsewhere",
                "person",
                Some(r.get::<i64, _>(0)),
                None,
                Some(&serde_json::json!({"attempt": if except.is_some() { "update" } else { "create" }})),
            )
            .await?;
            Err(Error::conflict(
                "身份证号",
                crate::db::constraints::PERSON_ELSEWHERE,
            ))
        }
        _ => Ok(()),
    }
}

fn duplicate() -> Error {
    Error::conflict("身份证号", crate::db::constraints::DUPLICATE_PERSON)
}

/// Replaces a person's ID grams (kept with the person's street, see migration 0007).
pub(crate) async fn write_grams(
    tx: &mut Tx<'_>,
    person_id: i64,
    street_id: i64,
    id_number: Option<&str>,
) -> Result<()> {
    sqlx::query("DELETE FROM person_id_grams WHERE person_id = $1")
        .bind(person_id)
        .execute(&mut **tx)
        .await?;
    let Some(id) = id_number else { return Ok(()) };
    let grams = search_keys::id_grams(id);
    if grams.is_empty() {
        return Ok(());
    }
    let values: Vec<String> = (0..grams.len())
        .map(|i| format!("(${}, $2, $1)", i + 3))
        .collect();
    let sql = format!(
        "INSERT INTO person_id_grams (gram, street_id, person_id) VALUES {}",
        values.join(", ")
    );
    let mut q = sqlx::query(&sql).bind(person_id).bind(street_id);
    for g in grams {
        q = q.bind(g);
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

/// After persons matching `persons_where` (a condition on `persons`, binding `$1` at most) may have changed
/// street, moves their ID grams along so that street-scoped searches keep finding them.
pub(crate) async fn follow_street(
    tx: &mut Tx<'_>,
    persons_where: &str,
    bind: Option<String>,
) -> Result<()> {
    let sql = format!(
        "UPDATE person_id_grams SET street_id = (SELECT p.street_id FROM persons p WHERE p.id = person_id_grams.person_id) \
         WHERE person_id IN (SELECT id FROM persons WHERE {persons_where}) \
         AND street_id <> (SELECT p.street_id FROM persons p WHERE p.id = person_id_grams.person_id)"
    );
    let mut q = sqlx::query(&sql);
    if let Some(b) = bind {
        q = q.bind(b);
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

/// Registers a person in a household, with a 迁入 event on `move_in_date` (default today).
pub async fn create(db: &Db, actor: &Actor, input: &PersonInput) -> Result<Person> {
    actor.require_write()?;
    let today = db::today();
    let v = validate_input(input, today)?;
    let move_in =
        validate::past_date("迁入日期", &input.move_in_date, today, false)?.unwrap_or(today);
    if let Some(b) = v.birth_date.as_deref() {
        if move_in.to_string().as_str() < b {
            return Err(Error::invalid("迁入日期", "迁入日期不能早于出生日期"));
        }
    }
    let h = household_for_write(db, actor, v.household_id).await?;
    check_duplicate(db, actor, h.street_id, &v.id_number, None).await?;
    let (pinyin, initials) = search_keys::pinyin_keys(&v.name);
    let mut tx = db.begin().await?;
    let now = db::now();
    let id: i64 = sqlx::query(
        "INSERT INTO persons (name, id_type, id_number, birth_date, sex, phone, phone2, ethnicity, political_status, education, \
         employment, health, hukou_type, hukou_address, residence_address, household_id, relation, notes, name_pinyin, \
         name_initials, phone_rev, street_id, community_id, grid_id, building_id, created_at, updated_at, marital_status) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,$26,$27) RETURNING id",
    )
    .bind(&v.name)
    .bind(&v.id_type)
    .bind(&v.id_number)
    .bind(&v.birth_date)
    .bind(&v.sex)
    .bind(&v.phone)
    .bind(&v.phone2)
    .bind(&v.ethnicity)
    .bind(&v.political_status)
    .bind(&v.education)
    .bind(&v.employment)
    .bind(&v.health)
    .bind(&v.hukou_type)
    .bind(&v.hukou_address)
    .bind(v.residence_address.clone().or_else(|| Some(h.address.clone())))
    .bind(h.id)
    .bind(&v.relation)
    .bind(&v.notes)
    .bind(pinyin)
    .bind(initials)
    .bind(v.phone.as_deref().map(search_keys::reverse))
    .bind(h.street_id)
    .bind(h.community_id)
    .bind(h.grid_id)
    .bind(h.building_id)
    .bind(&now)
    .bind(&v.marital_status)
    .fetch_one(&mut *tx)
    .await
    ?
    .get(0);
    write_grams(&mut tx, id, h.street_id, v.id_number.as_deref()).await?;
    population::open_period(&mut tx, id, move_in, &h).await?;
    population::insert_event(
        &mut tx,
        id,
        population::EventKind::MoveIn,
        move_in,
        Some("登记"),
    )
    .await?;
    let person = fetch(&mut tx, id).await?;
    audit::record(
        &mut *tx,
        actor,
        "create",
        "person",
        Some(id),
        None,
        Some(&crate::privacy::stored_json(&person)?),
    )
    .await?;
    tx.commit().await?;
    Ok(person)
}

/// Edits a person. A change of household is a move: the residence period at the old place ends today.
pub async fn update(db: &Db, actor: &Actor, id: i64, input: &PersonInput) -> Result<Person> {
    update_with_reason(db, actor, id, input, None).await
}

/// [`update`]; with a reason (a correction the person asked for, [`super::pipl`]) the same transaction also
/// audits `pipl_correct` with the reason and the names of the fields changed.
pub async fn update_with_reason(
    db: &Db,
    actor: &Actor,
    id: i64,
    input: &PersonInput,
    reason: Option<&str>,
) -> Result<Person> {
    actor.require_write()?;
    let before = stored(db, actor, id).await?;
    if before.archived != 0 {
        return Err(Error::invalid("状态", "该人员已归档,不能修改"));
    }
    let mut input = input.clone();
    if !actor.role.sees_sensitive() {
        // A role that cannot see health cannot change it either: keep what is stored.
        input.health = before.health.clone().unwrap_or_default();
    }
    let v = validate_input(&input, db::today())?;
    let h = household_for_write(db, actor, v.household_id).await?;
    check_duplicate(db, actor, h.street_id, &v.id_number, Some(id)).await?;
    let mut tx = db.begin().await?;
    let after = write_update(&mut tx, &before, &v, &h).await?;
    let (b, a) = (
        crate::privacy::stored_json(&before)?,
        crate::privacy::stored_json(&after)?,
    );
    audit::record(
        &mut *tx,
        actor,
        "update",
        "person",
        Some(id),
        Some(&b),
        Some(&a),
    )
    .await?;
    if let Some(reason) = reason {
        let changed: Vec<&String> = a
            .as_object()
            .map(|m| {
                m.keys()
                    .filter(|k| *k != "updated_at" && b.get(k.as_str()) != m.get(k.as_str()))
                    .collect()
            })
            .unwrap_or_default();
        audit::record(
            &mut *tx,
            actor,
            "pipl_correct",
            "person",
            Some(id),
            None,
            Some(&serde_json::json!({"reason": reason, "fields": changed})),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(after)
}

/// Writes validated values over a stored person inside the caller's transaction: search keys, grams, tag
/// scope and — when the household changes for someone living there — the residence periods. Returns the
/// person as stored after.
pub(crate) async fn write_update(
    tx: &mut Tx<'_>,
    before: &Person,
    v: &Valid,
    h: &households::Household,
) -> Result<Person> {
    let id = before.id;
    let (pinyin, initials) = search_keys::pinyin_keys(&v.name);
    sqlx::query(
        "UPDATE persons SET name=$1, id_type=$2, id_number=$3, birth_date=$4, sex=$5, phone=$6, phone2=$7, ethnicity=$8, \
         political_status=$9, education=$10, employment=$11, health=$12, hukou_type=$13, hukou_address=$14, \
         residence_address=$15, household_id=$16, relation=$17, notes=$18, name_pinyin=$19, name_initials=$20, phone_rev=$21, \
         street_id=$22, community_id=$23, grid_id=$24, building_id=$25, updated_at=$26, marital_status=$28 WHERE id = $27",
    )
    .bind(&v.name)
    .bind(&v.id_type)
    .bind(&v.id_number)
    .bind(&v.birth_date)
    .bind(&v.sex)
    .bind(&v.phone)
    .bind(&v.phone2)
    .bind(&v.ethnicity)
    .bind(&v.political_status)
    .bind(&v.education)
    .bind(&v.employment)
    .bind(&v.health)
    .bind(&v.hukou_type)
    .bind(&v.hukou_address)
    .bind(&v.residence_address)
    .bind(h.id)
    .bind(&v.relation)
    .bind(&v.notes)
    .bind(pinyin)
    .bind(initials)
    .bind(v.phone.as_deref().map(search_keys::reverse))
    .bind(h.street_id)
    .bind(h.community_id)
    .bind(h.grid_id)
    .bind(h.building_id)
    .bind(db::now())
    .bind(id)
    .bind(&v.marital_status)
    .execute(&mut **tx)
    .await
    ?;
    if before.id_number != v.id_number || before.street_id != h.street_id {
        write_grams(tx, id, h.street_id, v.id_number.as_deref()).await?;
    }
    if before.household_id != Some(h.id) {
        sqlx::query("UPDATE person_tags SET street_id = $1, community_id = $2, grid_id = $3 WHERE person_id = $4")
            .bind(h.street_id)
            .bind(h.community_id)
            .bind(h.grid_id)
            .bind(id)
            .execute(&mut **tx)
            .await?;
        if before.status == "在住" {
            population::relocate(tx, id, db::today(), h).await?;
        }
    }
    fetch(tx, id).await
}

/// Archives a person record (never deleted). Used for records entered by mistake; people who leave are
/// recorded with a 迁出 event instead.
pub async fn archive(db: &Db, actor: &Actor, id: i64) -> Result<()> {
    archive_with_reason(db, actor, id, None).await
}

/// [`archive`]; with a reason (the person asked for it, [`super::pipl`]) also audited `pipl_archive`.
pub async fn archive_with_reason(
    db: &Db,
    actor: &Actor,
    id: i64,
    reason: Option<&str>,
) -> Result<()> {
    actor.require_write()?;
    let p = get(db, actor, id).await?;
    let mut tx = db.begin().await?;
    audit::archive_row(&mut tx, actor, "persons", "person", id, p.archived).await?;
    if let Some(reason) = reason {
        audit::record(
            &mut *tx,
            actor,
            "pipl_archive",
            "person",
            Some(id),
            None,
            Some(&serde_json::json!({"reason": reason})),
        )
        .await?;
    }
    sqlx::query(
        "UPDATE residence_periods SET to_date = $2 WHERE person_id = $1 AND to_date IS NULL",
    )
    .bind(id)
    .bind(db::today().to_string())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Records that the actor revealed one person's full ID number and phones, and returns the person with them.
pub async fn reveal(db: &Db, actor: &Actor, id: i64) -> Result<crate::privacy::Revealed<Person>> {
    let p = get(db, actor, id).await?;
    crate::privacy::reveal(db, actor, "person", id, "reveal", p).await
}

/// The person with its stored values for the edit form (the user may unmask anyway; audited as an unmask).
pub async fn for_edit(db: &Db, actor: &Actor, id: i64) -> Result<crate::privacy::Revealed<Person>> {
    actor.require_write()?;
    let p = get(db, actor, id).await?;
    crate::privacy::reveal(db, actor, "person", id, "edit", p).await
}

/// Members of a household in scope.
pub async fn in_household(db: &Db, actor: &Actor, household_id: i64) -> Result<Vec<Person>> {
    let sql = format!(
        "SELECT {COLS} FROM persons WHERE household_id = $1 AND archived = 0 AND {} ORDER BY id",
        actor.scope.sql("")
    );
    Ok(sqlx::query_as::<_, Person>(&sql)
        .bind(household_id)
        .fetch_all(&db.pool)
        .await?
        .into_iter()
        .map(|p| p.for_role(actor.role))
        .collect())
}

/// Live residents in scope.
pub async fn count(db: &Db, actor: &Actor) -> Result<i64> {
    let sql = format!(
        "SELECT COUNT(*) FROM persons WHERE archived = 0 AND status = '在住' AND {}",
        actor.scope.sql("")
    );
    Ok(sqlx::query(&sql).fetch_one(&db.pool).await?.get(0))
}
