//! User accounts: creation, login with lock-out, and loading the [`Actor`] of a session.

use serde::Deserialize;
use sqlx::Row;

use super::{password, throttle, Actor, Role, Scope};
use crate::audit;
use crate::db::{self, Db};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
    pub street_id: Option<i64>,
    pub community_id: Option<i64>,
    #[serde(default)]
    pub grids: Vec<i64>,
    #[serde(default)]
    pub buildings: Vec<i64>,
}

async fn node_kind(db: &Db, id: i64) -> Result<Option<(String, Option<i64>)>> {
    let row = sqlx::query("SELECT kind, street_id FROM nodes WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|r| (r.get(0), r.get(1))))
}

/// Creates an account. `actor` is who creates it (the CLI uses [`Actor::system`]).
pub async fn create(db: &Db, actor: &Actor, u: &NewUser) -> Result<i64> {
    if !actor.role.is_admin() {
        return Err(Error::Forbidden("只有街道管理员可以创建账号".into()));
    }
    let username = u.username.trim();
    if username.is_empty()
        || username.len() > 64
        || !username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
    {
        return Err(Error::invalid(
            "用户名",
            "用户名只能包含字母、数字、下划线、点和减号,不超过64个字符",
        ));
    }
    password::check_strength(&u.password).map_err(|m| Error::invalid("密码", m))?;
    let street = u
        .street_id
        .ok_or_else(|| Error::invalid("街道", "必须指定所属街道"))?;
    match node_kind(db, street).await? {
        Some((k, _)) if k == "street" => {}
        _ => return Err(Error::invalid("街道", "所属街道不存在")),
    }
    if let Some(s) = actor.scope.street() {
        if s != street {
            return Err(Error::invalid("街道", "只能在本街道创建账号"));
        }
    }
    let needs_community = matches!(u.role, Role::CommunityHead | Role::SocialWorker);
    if needs_community {
        match (u.community_id, u.community_id.map(|c| node_kind(db, c))) {
            (Some(_), Some(f)) => match f.await? {
                Some((k, s)) if k == "community" && s == Some(street) => {}
                _ => return Err(Error::invalid("社区", "所属社区不存在或不在该街道")),
            },
            _ => return Err(Error::invalid("社区", "社区书记/主任和社工必须指定社区")),
        }
    }
    let (assigned, kind, field) = match u.role {
        Role::GridWorker => (&u.grids, "grid", "网格"),
        Role::BuildingLeader => (&u.buildings, "building", "楼栋"),
        _ => (&Vec::new(), "", ""),
    };
    if !kind.is_empty() && assigned.is_empty() {
        return Err(Error::invalid(
            field,
            format!("{}必须至少分配一个{}", u.role.label_zh(), field),
        ));
    }
    for id in assigned {
        match node_kind(db, *id).await? {
            Some((k, s)) if k == kind && s == Some(street) => {}
            _ => {
                return Err(Error::invalid(
                    field,
                    format!("{field} {id} 不存在或不在该街道"),
                ))
            }
        }
    }
    let exists = sqlx::query("SELECT 1 FROM users WHERE username = $1")
        .bind(username)
        .fetch_optional(&db.pool)
        .await?;
    if exists.is_some() {
        return Err(Error::conflict(
            "用户名",
            crate::db::constraints::DUPLICATE_USERNAME,
        ));
    }
    let hash = password::hash(&u.password)?;
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO users (username, display_name, password_hash, role, street_id, community_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(username)
    .bind(u.display_name.trim())
    .bind(hash)
    .bind(u.role.code())
    .bind(street)
    .bind(if needs_community { u.community_id } else { None })
    .bind(db::now())
    .fetch_one(&mut *tx)
    .await?
    .get(0);
    let table = if u.role == Role::GridWorker {
        "user_grids (user_id, grid_id)"
    } else {
        "user_buildings (user_id, building_id)"
    };
    for node in assigned {
        sqlx::query(&format!("INSERT INTO {table} VALUES ($1, $2)"))
            .bind(id)
            .bind(*node)
            .execute(&mut *tx)
            .await?;
    }
    let after = serde_json::json!({"username": username, "role": u.role.code(), "street_id": street,
        "community_id": u.community_id, "grids": u.grids, "buildings": u.buildings});
    audit::record(
        &mut *tx,
        actor,
        "create",
        "user",
        Some(id),
        None,
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Checks a password at the door. Every failure — a wrong password or a name that does not exist — gets the
/// same answer, after the same work (an argon2 check against a dummy hash for unknown names), and counts
/// against the client address and the typed name alike (see [`throttle`]). While either is blocked, every
/// attempt gets the same "too many attempts" answer without a password check.
pub async fn login(db: &Db, username: &str, pass: &str, ip: &str) -> Result<i64> {
    let name = username.trim();
    let keys = [throttle::user_key(name), throttle::ip_key(ip)];
    if let Some(secs) = throttle::blocked(db, &keys).await? {
        return Err(Error::Locked(format!(
            "登录尝试过于频繁,请 {} 后再试",
            throttle::wait_text(secs)
        )));
    }
    let row =
        sqlx::query("SELECT id, password_hash FROM users WHERE username = $1 AND archived = 0")
            .bind(name)
            .fetch_optional(&db.pool)
            .await?;
    let (id, ok) = match row {
        Some(row) => {
            let (id, hash): (i64, String) = (row.get(0), row.get(1));
            (Some(id), password::verify(pass, &hash))
        }
        None => {
            // The same argon2 work as a real check, so that timing does not tell which names exist.
            password::verify(pass, password::dummy_hash());
            (None, false)
        }
    };
    let who = Actor {
        user_id: id.unwrap_or(0),
        username: name.chars().take(64).collect(),
        display_name: String::new(),
        role: Role::Resident,
        scope: Scope::Nothing,
        lang: "zh".into(),
    };
    if let (Some(id), true) = (id, ok) {
        throttle::clear_user(db, name).await?;
        audit::record(&db.pool, &who, "login", "user", Some(id), None, None).await?;
        return Ok(id);
    }
    let by_user = throttle::fail(db, &keys[0], throttle::FREE_PER_USER).await?;
    let by_ip = throttle::fail(db, &keys[1], throttle::FREE_PER_IP).await?;
    let block = by_user.max(by_ip);
    audit::record(
        &db.pool,
        &who,
        "login_failed",
        "user",
        id,
        None,
        Some(&serde_json::json!({"ip": ip, "blocked_secs": block})),
    )
    .await?;
    if block > 0 {
        return Err(Error::Locked(format!(
            "用户名或密码错误。登录尝试过于频繁,请 {} 后再试",
            throttle::wait_text(block)
        )));
    }
    Err(Error::invalid("密码", "用户名或密码错误"))
}

/// The actor of a user id, with the scope built from their role and assignments.
pub async fn actor(db: &Db, user_id: i64) -> Result<Actor> {
    let row = sqlx::query("SELECT username, display_name, role, street_id, community_id, lang FROM users WHERE id = $1 AND archived = 0")
        .bind(user_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(Error::Unauthorized)?;
    let role = Role::from_code(&row.get::<String, _>(2)).ok_or(Error::Unauthorized)?;
    let street: Option<i64> = row.get(3);
    let community: Option<i64> = row.get(4);
    let ids = |sql: &'static str| async move {
        let rows = sqlx::query(sql).bind(user_id).fetch_all(&db.pool).await?;
        Ok::<Vec<i64>, Error>(rows.iter().map(|r| r.get::<i64, _>(0)).collect())
    };
    let scope = match (role, street, community) {
        (Role::StreetAdmin, Some(s), _) => Scope::Street(s),
        (Role::CommunityHead | Role::SocialWorker, Some(s), Some(c)) => Scope::Community {
            street: s,
            community: c,
        },
        (Role::GridWorker, Some(s), _) => Scope::Grids {
            street: s,
            grids: ids("SELECT grid_id FROM user_grids WHERE user_id = $1 ORDER BY grid_id")
                .await?,
        },
        (Role::BuildingLeader, Some(s), _) => Scope::Buildings {
            street: s,
            buildings: ids(
                "SELECT building_id FROM user_buildings WHERE user_id = $1 ORDER BY building_id",
            )
            .await?,
        },
        _ => Scope::Nothing,
    };
    Ok(Actor {
        user_id,
        username: row.get(0),
        display_name: row.get(1),
        role,
        scope,
        lang: row.get(5),
    })
}

pub async fn set_lang(db: &Db, user_id: i64, lang: &str) -> Result<()> {
    let lang = if lang == "en" { "en" } else { "zh" };
    sqlx::query("UPDATE users SET lang = $1 WHERE id = $2")
        .bind(lang)
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    super::sessions::forget_user(db, user_id);
    Ok(())
}

/// Every account's display name by id, from the list cache (a few seconds): list pages name case owners with
/// it instead of joining `users` on every row. Names are set when an account is made; an account newer than
/// the cached map is missing from it, and callers read the ids they miss.
pub async fn display_names(
    db: &Db,
) -> Result<std::sync::Arc<std::collections::HashMap<i64, String>>> {
    const KEY: &str = "user_display_names";
    if let Some(hit) = db.lists.get(KEY) {
        return Ok(hit);
    }
    let generation = db.lists.generation();
    let names: std::collections::HashMap<i64, String> =
        sqlx::query_as::<_, (i64, String)>("SELECT id, display_name FROM users")
            .fetch_all(&db.pool)
            .await?
            .into_iter()
            .collect();
    let names = std::sync::Arc::new(names);
    db.lists.put(KEY.to_string(), generation, names.clone());
    Ok(names)
}

/// The account an administrator may manage: in their street (the system manages every one). Others are
/// not found, like any record outside a scope.
async fn managed(db: &Db, actor: &Actor, user_id: i64) -> Result<(String, i64)> {
    if !actor.role.is_admin() {
        return Err(Error::Forbidden("只有街道管理员可以管理账号".into()));
    }
    let row = sqlx::query("SELECT username, street_id, archived FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(Error::NotFound)?;
    let street: Option<i64> = row.get(1);
    if let Some(s) = actor.scope.street() {
        if street != Some(s) {
            return Err(Error::NotFound);
        }
    }
    Ok((row.get(0), row.get(2)))
}

/// A user changes their own password: the current one is checked, the new one must meet the rule, and every
/// other session of theirs ends (`keep` is the session that asked). Audited without either password.
pub async fn change_password(
    db: &Db,
    actor: &Actor,
    current: &str,
    new: &str,
    keep: Option<&str>,
) -> Result<u64> {
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(actor.user_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(Error::Unauthorized)?;
    if !password::verify(current, &hash) {
        return Err(Error::invalid("当前密码", "当前密码不正确"));
    }
    password::check_strength(new).map_err(|m| Error::invalid("新密码", m))?;
    if new == current {
        return Err(Error::invalid("新密码", "新密码不能与当前密码相同"));
    }
    let hash = password::hash(new)?;
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(actor.user_id)
        .execute(&mut *tx)
        .await?;
    let ended = super::sessions::end_all_but(&mut tx, actor.user_id, keep).await?;
    audit::record(
        &mut *tx,
        actor,
        "change_password",
        "user",
        Some(actor.user_id),
        None,
        Some(&serde_json::json!({"sessions_ended": ended})),
    )
    .await?;
    tx.commit().await?;
    super::sessions::forget_user(db, actor.user_id);
    Ok(ended)
}

/// An administrator sets a new password for an account of their street: every session of the account
/// ends and its login throttle is cleared. Audited without the password.
pub async fn reset_password(db: &Db, actor: &Actor, user_id: i64, new: &str) -> Result<u64> {
    let (username, _) = managed(db, actor, user_id).await?;
    password::check_strength(new).map_err(|m| Error::invalid("密码", m))?;
    let hash = password::hash(new)?;
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    let ended = super::sessions::end_all_but(&mut tx, user_id, None).await?;
    audit::record(
        &mut *tx,
        actor,
        "reset_password",
        "user",
        Some(user_id),
        None,
        Some(&serde_json::json!({"sessions_ended": ended})),
    )
    .await?;
    tx.commit().await?;
    super::throttle::clear_user(db, &username).await?;
    super::sessions::forget_user(db, user_id);
    Ok(ended)
}

/// An administrator disables (`disabled`) or enables an account of their street. Disabling ends every
/// session of the account at once. An administrator cannot disable their own account.
pub async fn set_disabled(db: &Db, actor: &Actor, user_id: i64, disabled: bool) -> Result<u64> {
    let (_, was) = managed(db, actor, user_id).await?;
    if disabled && user_id == actor.user_id {
        return Err(Error::invalid("账号", "不能停用自己的账号"));
    }
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE users SET archived = $1 WHERE id = $2")
        .bind(disabled as i64)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    let ended = if disabled {
        super::sessions::end_all_but(&mut tx, user_id, None).await?
    } else {
        0
    };
    audit::record(
        &mut *tx,
        actor,
        if disabled { "disable" } else { "enable" },
        "user",
        Some(user_id),
        Some(&serde_json::json!({"archived": was})),
        Some(&serde_json::json!({"archived": disabled as i64, "sessions_ended": ended})),
    )
    .await?;
    tx.commit().await?;
    super::sessions::forget_user(db, user_id);
    Ok(ended)
}

/// An administrator lifts the login throttle of an account of their street (the owner can log in at once,
/// whoever kept failing with its name). Audited.
pub async fn unlock(db: &Db, actor: &Actor, user_id: i64) -> Result<()> {
    let (username, _) = managed(db, actor, user_id).await?;
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM login_throttle WHERE key = $1")
        .bind(super::throttle::user_key(&username))
        .execute(&mut *tx)
        .await?;
    audit::record(&mut *tx, actor, "unlock", "user", Some(user_id), None, None).await?;
    tx.commit().await?;
    Ok(())
}
