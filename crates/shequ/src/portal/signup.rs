//! Resident accounts: sign-up with a phone number, and the two ways an account is verified — a worker
//! matches the sign-up to a registry person with that phone inside the worker's scope ([`pending`],
//! [`verify`]), or the resident types the one-time 登记码 a worker printed for them ([`issue_code`]) together with
//! their name. Sign-ups and wrong codes count against the client address (the login throttle), so neither
//! accounts nor codes can be tried in bulk.

use chrono::Duration;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::accounts::{password, throttle, Actor, Role, Scope};
use crate::audit;
use crate::db::{self, Db};
use crate::error::{Error, Result};
use crate::registry::search_keys;

/// Sign-ups allowed from one address per hour before it is slowed down.
const FREE_SIGNUPS: i64 = 10;
/// Wrong codes allowed from one address before it is slowed down.
const FREE_CODE_TRIES: i64 = 5;
/// How long a printed code stays valid.
const CODE_DAYS: i64 = 30;
/// Letters and digits that cannot be misread on paper (no 0/O, 1/I/L).
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct SignUp {
    /// 手机号 (11 digits): the account's login name.
    pub phone: String,
    /// 姓名 as in the registry.
    pub name: String,
    pub password: String,
    /// 登记码 from a visit card: verifies the account at once.
    pub code: String,
}

/// The outcome of a sign-up.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SignedUp {
    pub user_id: i64,
    /// Linked to the registry now (with a code), or waiting for a worker.
    pub verified: bool,
}

fn code_hash(code: &str) -> String {
    let norm: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_uppercase();
    hex::encode(Sha256::digest(norm.as_bytes()))
}

fn check_phone(phone: &str) -> Result<String> {
    let p = phone.trim();
    if p.len() != 11 || !p.starts_with('1') || !p.chars().all(|c| c.is_ascii_digit()) {
        return Err(Error::invalid("手机号", "请填写11位手机号码"));
    }
    Ok(p.to_string())
}

fn anonymous(ip: &str) -> Actor {
    Actor {
        user_id: 0,
        username: format!("居民端注册 {}", ip.chars().take(64).collect::<String>()),
        display_name: String::new(),
        role: Role::Resident,
        scope: Scope::Nothing,
        lang: "zh".into(),
    }
}

/// Creates a resident account; with a valid code (and the name it was issued for) it is verified at once.
pub async fn signup(db: &Db, input: &SignUp, ip: &str) -> Result<SignedUp> {
    let key = format!("signup:{}", ip.chars().take(64).collect::<String>());
    let code_key = format!("code:{}", ip.chars().take(64).collect::<String>());
    if let Some(secs) = throttle::blocked(db, &[key.clone(), code_key.clone()]).await? {
        return Err(Error::Locked(format!(
            "操作过于频繁,请 {} 后再试",
            throttle::wait_text(secs)
        )));
    }
    let phone = check_phone(&input.phone)?;
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 50 {
        return Err(Error::invalid("姓名", "请填写姓名(不超过50个字符)"));
    }
    password::check_strength(&input.password).map_err(|m| Error::invalid("密码", m))?;
    // The code first: a wrong one changes nothing and counts against the address.
    let code = input.code.trim();
    let person = if code.is_empty() {
        None
    } else {
        let row = sqlx::query(
            "SELECT c.person_id, p.name FROM resident_codes c JOIN persons p ON p.id = c.person_id \
             WHERE c.code_hash = $1 AND c.used_at IS NULL AND c.expires_at > $2 AND p.archived = 0",
        )
        .bind(code_hash(code))
        .bind(db::now())
        .fetch_optional(&db.pool)
        .await?;
        match row {
            Some(r) if r.get::<String, _>(1) == name => Some(r.get::<i64, _>(0)),
            _ => {
                throttle::fail(db, &code_key, FREE_CODE_TRIES).await?;
                return Err(Error::invalid(
                    "登记码",
                    "登记码无效、已使用或已过期,或与姓名不符",
                ));
            }
        }
    };
    throttle::fail(db, &key, FREE_SIGNUPS).await?;
    let taken = sqlx::query("SELECT 1 FROM users WHERE username = $1")
        .bind(&phone)
        .fetch_optional(&db.pool)
        .await?;
    if taken.is_some() {
        return Err(Error::conflict("手机号", "该手机号已注册,请直接登录"));
    }
    if let Some(pid) = person {
        let linked = sqlx::query("SELECT 1 FROM resident_links WHERE person_id = $1")
            .bind(pid)
            .fetch_optional(&db.pool)
            .await?;
        if linked.is_some() {
            return Err(Error::conflict(
                "登记码",
                "此人已有居民端账号;如需更换手机号请联系社区",
            ));
        }
    }
    let hash = password::hash(&input.password)?;
    let now = db::now();
    let mut tx = db.begin().await?;
    let user_id: i64 = sqlx::query(
        "INSERT INTO users (username, display_name, password_hash, role, created_at) \
         VALUES ($1, $2, $3, 'resident', $4) RETURNING id",
    )
    .bind(&phone)
    .bind(name)
    .bind(hash)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?
    .get(0);
    let who = Actor {
        user_id,
        ..anonymous(ip)
    };
    audit::record(
        &mut *tx,
        &who,
        "resident_signup",
        "user",
        Some(user_id),
        None,
        Some(&json!({"phone": phone, "name": name, "with_code": person.is_some()})),
    )
    .await?;
    if let Some(pid) = person {
        let used = sqlx::query(
            "UPDATE resident_codes SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL",
        )
        .bind(&now)
        .bind(code_hash(code))
        .execute(&mut *tx)
        .await?;
        if used.rows_affected() != 1 {
            return Err(Error::conflict("登记码", "登记码已被使用"));
        }
        link(&mut tx, &who, user_id, pid, "code", None).await?;
    }
    tx.commit().await?;
    Ok(SignedUp {
        user_id,
        verified: person.is_some(),
    })
}

async fn link(
    tx: &mut db::Tx<'_>,
    actor: &Actor,
    user_id: i64,
    person_id: i64,
    method: &str,
    by: Option<i64>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO resident_links (user_id, person_id, method, verified_by, verified_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(user_id)
    .bind(person_id)
    .bind(method)
    .bind(by)
    .bind(db::now())
    .execute(&mut **tx)
    .await?;
    audit::record(
        &mut **tx,
        actor,
        "resident_verify",
        "user",
        Some(user_id),
        None,
        Some(&json!({"person_id": person_id, "method": method})),
    )
    .await
}

/// A new 登记码 for a person in the worker's scope, shown once (only its hash is kept). Earlier unused codes
/// of the person stop working.
pub async fn issue_code(db: &Db, actor: &Actor, person_id: i64) -> Result<String> {
    if !actor.role.can_write_registry() {
        return Err(Error::Forbidden("只有社区工作人员可以发放登记码".into()));
    }
    let sql = format!(
        "SELECT 1 FROM persons WHERE id = $1 AND archived = 0 AND {}",
        actor.scope.sql("")
    );
    sqlx::query(&sql)
        .bind(person_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(Error::NotFound)?;
    let code: String = {
        use rand::Rng;
        let mut rng = rand::thread_rng();
        (0..8)
            .map(|_| CODE_ALPHABET[rng.gen_range(0..CODE_ALPHABET.len())] as char)
            .collect()
    };
    let now = chrono::Utc::now().naive_utc();
    let fmt = |t: chrono::NaiveDateTime| t.format("%Y-%m-%d %H:%M:%S").to_string();
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE resident_codes SET expires_at = $1 WHERE person_id = $2 AND used_at IS NULL AND expires_at > $1",
    )
    .bind(fmt(now))
    .bind(person_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO resident_codes (code_hash, person_id, created_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(code_hash(&code))
    .bind(person_id)
    .bind(actor.user_id)
    .bind(fmt(now))
    .bind(fmt(now + Duration::days(CODE_DAYS)))
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        actor,
        "resident_code",
        "person",
        Some(person_id),
        None,
        Some(&json!({"expires_days": CODE_DAYS})),
    )
    .await?;
    tx.commit().await?;
    Ok(format!("{}-{}", &code[..4], &code[4..]))
}

/// A sign-up waiting for verification, with the registry persons of the worker's scope who have its phone.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Pending {
    pub user_id: i64,
    /// The name the resident typed.
    pub name: String,
    #[serde(serialize_with = "crate::privacy::ser::phone")]
    pub phone: Option<String>,
    pub signed_up_at: String,
    pub matches: Vec<Match>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Match {
    pub person_id: i64,
    pub name: String,
    /// 户号
    pub household_number: Option<String>,
    pub same_name: bool,
}

/// Sign-ups whose phone belongs to a person in the worker's scope and that no one verified yet.
pub async fn pending(db: &Db, actor: &Actor) -> Result<Vec<Pending>> {
    if !actor.role.can_write_registry() {
        return Err(Error::Forbidden("只有社区工作人员可以核实居民账号".into()));
    }
    let users = sqlx::query(
        "SELECT u.id, u.display_name, u.username, u.created_at FROM users u \
         WHERE u.role = 'resident' AND u.archived = 0 \
           AND NOT EXISTS (SELECT 1 FROM resident_links l WHERE l.user_id = u.id) \
         ORDER BY u.created_at DESC, u.id DESC LIMIT 500",
    )
    .fetch_all(&db.pool)
    .await?;
    let sql = format!(
        "SELECT p.id, p.name, h.number FROM persons p \
         LEFT JOIN households h ON h.id = p.household_id \
         WHERE p.phone_rev = $1 AND p.phone = $2 AND p.archived = 0 AND {} \
           AND NOT EXISTS (SELECT 1 FROM resident_links l WHERE l.person_id = p.id) \
         ORDER BY p.id LIMIT 10",
        actor.scope.sql("p")
    );
    let mut out = Vec::new();
    for u in users {
        let phone: String = u.get(2);
        let name: String = u.get(1);
        let rows = sqlx::query(&sql)
            .bind(search_keys::reverse(&phone))
            .bind(&phone)
            .fetch_all(&db.pool)
            .await?;
        if rows.is_empty() {
            continue;
        }
        let matches = rows
            .iter()
            .map(|r| Match {
                person_id: r.get(0),
                same_name: r.get::<String, _>(1) == name,
                name: r.get(1),
                household_number: r.get(2),
            })
            .collect();
        out.push(Pending {
            user_id: u.get(0),
            name,
            phone: Some(phone),
            signed_up_at: u.get(3),
            matches,
        });
    }
    Ok(out)
}

/// Links a waiting sign-up to a person of the worker's scope that has its phone.
pub async fn verify(db: &Db, actor: &Actor, user_id: i64, person_id: i64) -> Result<()> {
    let found = pending(db, actor).await?;
    let ok = found
        .iter()
        .find(|p| p.user_id == user_id)
        .is_some_and(|p| p.matches.iter().any(|m| m.person_id == person_id));
    if !ok {
        return Err(Error::NotFound);
    }
    let mut tx = db.begin().await?;
    link(
        &mut tx,
        actor,
        user_id,
        person_id,
        "worker",
        Some(actor.user_id),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Turns a waiting sign-up down (not this community's resident, or a stranger using their phone): the
/// account is archived.
pub async fn decline(db: &Db, actor: &Actor, user_id: i64) -> Result<()> {
    if !pending(db, actor)
        .await?
        .iter()
        .any(|p| p.user_id == user_id)
    {
        return Err(Error::NotFound);
    }
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE users SET archived = 1 WHERE id = $1 AND role = 'resident'")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut *tx,
        actor,
        "resident_decline",
        "user",
        Some(user_id),
        None,
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Verifies a waiting account with a 登记码 issued for the person of the account's name.
pub async fn redeem_code(db: &Db, actor: &Actor, code: &str, ip: &str) -> Result<()> {
    super::require_resident(actor)?;
    let code_key = format!("code:{}", ip.chars().take(64).collect::<String>());
    if let Some(secs) = throttle::blocked(db, std::slice::from_ref(&code_key)).await? {
        return Err(Error::Locked(format!(
            "操作过于频繁,请 {} 后再试",
            throttle::wait_text(secs)
        )));
    }
    if super::me(db, actor).await?.is_some() {
        return Err(Error::conflict("登记码", "您的账号已核实"));
    }
    let row = sqlx::query(
        "SELECT c.person_id FROM resident_codes c JOIN persons p ON p.id = c.person_id \
         JOIN users u ON u.id = $3 AND u.display_name = p.name \
         WHERE c.code_hash = $1 AND c.used_at IS NULL AND c.expires_at > $2 AND p.archived = 0 \
           AND NOT EXISTS (SELECT 1 FROM resident_links l WHERE l.person_id = p.id)",
    )
    .bind(code_hash(code))
    .bind(db::now())
    .bind(actor.user_id)
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else {
        throttle::fail(db, &code_key, FREE_CODE_TRIES).await?;
        return Err(Error::invalid(
            "登记码",
            "登记码无效、已使用或已过期,或与您注册的姓名不符",
        ));
    };
    let person: i64 = row.get(0);
    let mut tx = db.begin().await?;
    let used = sqlx::query(
        "UPDATE resident_codes SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL",
    )
    .bind(db::now())
    .bind(code_hash(code))
    .execute(&mut *tx)
    .await?;
    if used.rows_affected() != 1 {
        return Err(Error::conflict("登记码", "登记码已被使用"));
    }
    link(&mut tx, actor, actor.user_id, person, "code", None).await?;
    tx.commit().await?;
    Ok(())
}
