//! User accounts: creation, login with lock-out, and loading the [`Actor`] of a session.

use serde::Deserialize;
use sqlx::Row;

use super::{password, Actor, Role, Scope};
use crate::audit;
use crate::db::{self, Db};
use crate::error::{Error, Result};

/// Five failed logins lock an account for fifteen minutes.
pub const MAX_FAILED: i64 = 5;
pub const LOCK_MINUTES: i64 = 15;

#[derive(Debug, Clone, Deserialize)]
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

/// Checks a password, counting failures and locking the account after [`MAX_FAILED`] of them.
pub async fn login(db: &Db, username: &str, pass: &str) -> Result<i64> {
    let row = sqlx::query("SELECT id, password_hash, failed_logins, locked_until FROM users WHERE username = $1 AND archived = 0")
        .bind(username.trim())
        .fetch_optional(&db.pool)
        .await?;
    let bad = || Error::invalid("密码", "用户名或密码错误");
    let Some(row) = row else {
        // Spend the same time as a real check so that timing does not reveal which usernames exist.
        static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let dummy = DUMMY.get_or_init(|| password::hash("not a password").unwrap_or_default());
        password::verify(pass, dummy);
        return Err(bad());
    };
    let (id, hash, failed, locked): (i64, String, i64, Option<String>) =
        (row.get(0), row.get(1), row.get(2), row.get(3));
    let now = db::now();
    if let Some(until) = locked.filter(|u| *u > now) {
        return Err(Error::Locked(format!(
            "登录失败次数过多,账号已锁定至 {} (UTC),请稍后再试",
            until
        )));
    }
    let who = Actor {
        user_id: id,
        username: username.trim().to_string(),
        display_name: String::new(),
        role: Role::Resident,
        scope: Scope::Nothing,
        lang: "zh".into(),
    };
    if password::verify(pass, &hash) {
        sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
            .bind(id)
            .execute(&db.pool)
            .await?;
        audit::record(&db.pool, &who, "login", "user", Some(id), None, None).await?;
        return Ok(id);
    }
    let failed = failed + 1;
    if failed >= MAX_FAILED {
        let until = (chrono::Utc::now() + chrono::Duration::minutes(LOCK_MINUTES))
            .format("%Y-%m-%d %H:%M:%S")
            .to_string();
        sqlx::query("UPDATE users SET failed_logins = 0, locked_until = $1 WHERE id = $2")
            .bind(&until)
            .bind(id)
            .execute(&db.pool)
            .await?;
        audit::record(
            &db.pool,
            &who,
            "lock",
            "user",
            Some(id),
            None,
            Some(&serde_json::json!({"locked_until": until})),
        )
        .await?;
        return Err(Error::Locked(format!(
            "连续{MAX_FAILED}次密码错误,账号已锁定{LOCK_MINUTES}分钟"
        )));
    }
    sqlx::query("UPDATE users SET failed_logins = $1 WHERE id = $2")
        .bind(failed)
        .bind(id)
        .execute(&db.pool)
        .await?;
    audit::record(&db.pool, &who, "login_failed", "user", Some(id), None, None).await?;
    Err(bad())
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
