//! 账号管理: the street administrator's list of the street's staff accounts — role, where each works (community,
//! grids or buildings by name), disabled or not, whether logins are held back by the throttle and until when,
//! the last login — for the account page where accounts are created, reset, disabled, enabled and unlocked
//! (the writes are in `users`). Residents' accounts are counted, not listed (they are verified at
//! /residents/pending).

use serde::Serialize;
use sqlx::Row;

use super::{throttle, Actor, Role};
use crate::db::Db;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// 街道管理员, 网格员 …
    pub role_label: String,
    /// Where the account works: 和平街道 / 幸福社区 / 第一网格、第二网格 / 1号楼.
    pub works_in: String,
    pub disabled: bool,
    /// Logins under this name are held back until this time (Beijing time), after repeated failures.
    pub blocked_until: Option<String>,
    /// The latest login still on record (Beijing time).
    pub last_login: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Accounts {
    pub staff: Vec<Account>,
    /// Resident portal accounts of the street.
    pub residents: i64,
}

/// The staff accounts of the administrator's street, by role then name.
pub async fn list(db: &Db, actor: &Actor) -> Result<Accounts> {
    if !actor.role.is_admin() {
        return Err(Error::Forbidden("只有街道管理员可以管理账号".into()));
    }
    let street = actor.scope.street();
    let filter = match street {
        Some(_) => "u.street_id = $1",
        None => "$1 = $1",
    };
    let rows = sqlx::query(&format!(
        "SELECT u.id, u.username, u.display_name, u.role, u.archived, \
         COALESCE(c.name, s.name, ''), \
         (SELECT MAX(x.created_at) FROM sessions x WHERE x.user_id = u.id) \
         FROM users u LEFT JOIN nodes c ON c.id = u.community_id LEFT JOIN nodes s ON s.id = u.street_id \
         WHERE {filter} AND u.role <> 'resident' ORDER BY u.username"
    ))
    .bind(street.unwrap_or(0))
    .fetch_all(&db.pool)
    .await?;
    let mut staff = Vec::new();
    for r in rows {
        let id: i64 = r.get(0);
        let username: String = r.get(1);
        let role = Role::from_code(&r.get::<String, _>(3)).unwrap_or(Role::BuildingLeader);
        let works_in = match role {
            Role::GridWorker => names(db, "user_grids", "grid_id", id).await?,
            Role::BuildingLeader => buildings_of(db, id).await?,
            _ => r.get(5),
        };
        let blocked_until = throttle::blocked(db, &[throttle::user_key(&username)])
            .await?
            .map(|secs| {
                let until = chrono::Utc::now().naive_utc() + chrono::Duration::seconds(secs);
                crate::reports::catalog::beijing_time(
                    &until.format("%Y-%m-%d %H:%M:%S").to_string(),
                )
            });
        staff.push(Account {
            id,
            username,
            display_name: r.get(2),
            role,
            role_label: role.label_zh().to_string(),
            works_in,
            disabled: r.get::<i64, _>(4) != 0,
            blocked_until,
            last_login: r
                .get::<Option<String>, _>(6)
                .map(|t| crate::reports::catalog::beijing_time(&t)),
        });
    }
    let order = |r: Role| Role::ALL.iter().position(|x| *x == r).unwrap_or(9);
    staff.sort_by(|a, b| {
        order(a.role)
            .cmp(&order(b.role))
            .then_with(|| crate::registry::natural::cmp(&a.works_in, &b.works_in))
            .then_with(|| a.username.cmp(&b.username))
    });
    let residents: i64 = sqlx::query(&format!(
        "SELECT COUNT(*) FROM users u WHERE {filter} AND u.role = 'resident'"
    ))
    .bind(street.unwrap_or(0))
    .fetch_one(&db.pool)
    .await?
    .get(0);
    Ok(Accounts { staff, residents })
}

/// The names of an account's grids or buildings, in natural order, joined by 、.
async fn names(db: &Db, table: &str, column: &str, user: i64) -> Result<String> {
    let mut names: Vec<String> = sqlx::query(&format!(
        "SELECT n.name FROM {table} t JOIN nodes n ON n.id = t.{column} WHERE t.user_id = $1"
    ))
    .bind(user)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| r.get(0))
    .collect();
    names.sort_by(|a, b| crate::registry::natural::cmp(a, b));
    Ok(names.join("、"))
}

/// An account's buildings as 小区 + 楼栋 (a bare "1号楼" says nothing).
async fn buildings_of(db: &Db, user: i64) -> Result<String> {
    let mut names: Vec<String> = sqlx::query(
        "SELECT COALESCE(p.name, '') || n.name FROM user_buildings t JOIN nodes n ON n.id = t.building_id \
         LEFT JOIN nodes p ON p.id = n.parent_id WHERE t.user_id = $1",
    )
    .bind(user)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| r.get(0))
    .collect();
    names.sort_by(|a, b| crate::registry::natural::cmp(a, b));
    Ok(names.join("、"))
}

/// A place an account can be given: its id and a label that says where it is.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Place {
    pub id: i64,
    pub label: String,
}

/// The communities, grids and buildings of the administrator's street, labelled with their path, for the
/// new-account form.
pub async fn places(db: &Db, actor: &Actor) -> Result<(Vec<Place>, Vec<Place>, Vec<Place>)> {
    if !actor.role.is_admin() {
        return Err(Error::Forbidden("只有街道管理员可以管理账号".into()));
    }
    let of = |kind: &'static str, sql: &'static str| async move {
        let street = actor.scope.street();
        let filter = if street.is_some() {
            "n.street_id = $2"
        } else {
            "$2 = $2"
        };
        let mut list: Vec<Place> = sqlx::query(&format!(
            "SELECT n.id, {sql} FROM nodes n LEFT JOIN nodes p ON p.id = n.parent_id \
             LEFT JOIN nodes c ON c.id = n.community_id \
             WHERE n.kind = $1 AND n.archived = 0 AND {filter}"
        ))
        .bind(kind)
        .bind(street.unwrap_or(0))
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| Place {
            id: r.get(0),
            label: r.get(1),
        })
        .collect();
        list.sort_by(|a, b| crate::registry::natural::cmp(&a.label, &b.label));
        Ok::<_, Error>(list)
    };
    Ok((
        of("community", "n.name").await?,
        of("grid", "COALESCE(c.name, '') || ' › ' || n.name").await?,
        of(
            "building",
            "COALESCE(c.name, '') || ' › ' || COALESCE(p.name, '') || ' ' || n.name",
        )
        .await?,
    ))
}
