//! The area tree. A node knows its ancestors at every scoped level (a node's own level column holds its own
//! id), and its path `/1/5/9/`, so that scope checks are one comparison and a move is one prefix update.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::accounts::{Actor, Role};
use crate::audit;
use crate::db::{self, Db, Tx};
use crate::error::{Error, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Street,
    Community,
    Grid,
    Estate,
    Building,
    Unit,
    Dwelling,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::Street,
        Kind::Community,
        Kind::Grid,
        Kind::Estate,
        Kind::Building,
        Kind::Unit,
        Kind::Dwelling,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Kind::Street => "street",
            Kind::Community => "community",
            Kind::Grid => "grid",
            Kind::Estate => "estate",
            Kind::Building => "building",
            Kind::Unit => "unit",
            Kind::Dwelling => "dwelling",
        }
    }

    pub fn from_code(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Kind::Street => "街道",
            Kind::Community => "社区",
            Kind::Grid => "网格",
            Kind::Estate => "小区",
            Kind::Building => "楼栋",
            Kind::Unit => "单元",
            Kind::Dwelling => "房屋",
        }
    }

    /// The kinds a node of this kind may hang under.
    pub fn parents(self) -> &'static [Kind] {
        match self {
            Kind::Street => &[],
            Kind::Community => &[Kind::Street],
            Kind::Grid => &[Kind::Community],
            Kind::Estate => &[Kind::Grid],
            Kind::Building => &[Kind::Estate],
            Kind::Unit => &[Kind::Building],
            Kind::Dwelling => &[Kind::Unit, Kind::Building],
        }
    }

    /// The kinds that may be created under this one.
    pub fn children(self) -> Vec<Kind> {
        Kind::ALL
            .into_iter()
            .filter(|k| k.parents().contains(&self))
            .collect()
    }

    /// The denormalised column that holds the id of the ancestor of this kind, if this level is scoped.
    fn column(self) -> Option<&'static str> {
        match self {
            Kind::Street => Some("street_id"),
            Kind::Community => Some("community_id"),
            Kind::Grid => Some("grid_id"),
            Kind::Estate => Some("estate_id"),
            Kind::Building => Some("building_id"),
            Kind::Unit | Kind::Dwelling => None,
        }
    }

    /// Who may create, edit, move or archive nodes of this kind.
    fn editable_by(self, role: Role) -> bool {
        match self {
            Kind::Street | Kind::Community => role == Role::StreetAdmin,
            Kind::Grid => matches!(role, Role::StreetAdmin | Role::CommunityHead),
            _ => role.can_write_registry(),
        }
    }
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Node {
    pub id: i64,
    pub kind: String,
    pub parent_id: Option<i64>,
    pub name: String,
    pub code: Option<String>,
    pub path: String,
    pub street_id: Option<i64>,
    pub community_id: Option<i64>,
    pub grid_id: Option<i64>,
    pub estate_id: Option<i64>,
    pub building_id: Option<i64>,
    pub archived: i64,
}

impl Node {
    pub fn kind(&self) -> Kind {
        Kind::from_code(&self.kind).unwrap_or(Kind::Dwelling)
    }
    pub fn label(&self) -> &'static str {
        self.kind().label_zh()
    }
}

const COLS: &str = "id, kind, parent_id, name, code, path, street_id, community_id, grid_id, estate_id, building_id, archived";

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NodeInput {
    pub name: String,
    #[serde(default)]
    pub code: Option<String>,
}

fn check_input(input: &NodeInput, kind: Kind) -> Result<(String, Option<String>)> {
    let name = input.name.trim();
    if name.is_empty() {
        return Err(Error::invalid(
            "名称",
            format!("{}名称不能为空", kind.label_zh()),
        ));
    }
    if name.chars().count() > 100 {
        return Err(Error::invalid("名称", "名称不能超过100个字符"));
    }
    let code = input
        .code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(String::from);
    Ok((name.to_string(), code))
}

/// A node inside the actor's scope, or NotFound.
pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<Node> {
    let sql = format!(
        "SELECT {COLS} FROM nodes WHERE id = $1 AND {}",
        actor.scope.sql("")
    );
    sqlx::query_as::<_, Node>(&sql)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(Error::NotFound)
}

/// The nodes at the top of the actor's part of the tree.
pub async fn roots(db: &Db, actor: &Actor) -> Result<Vec<Node>> {
    let sql = match actor.scope.root_ids() {
        None => format!("SELECT {COLS} FROM nodes WHERE parent_id IS NULL ORDER BY id"),
        Some(ids) if ids.is_empty() => return Ok(vec![]),
        Some(ids) => format!(
            "SELECT {COLS} FROM nodes WHERE id IN ({}) ORDER BY id",
            ids.iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(",")
        ),
    };
    Ok(sqlx::query_as::<_, Node>(&sql).fetch_all(&db.pool).await?)
}

pub async fn children(
    db: &Db,
    actor: &Actor,
    id: i64,
    include_archived: bool,
) -> Result<Vec<Node>> {
    get(db, actor, id).await?;
    let sql = format!(
        "SELECT {COLS} FROM nodes WHERE parent_id = $1 AND {} {} ORDER BY archived, name, id",
        actor.scope.sql(""),
        if include_archived {
            ""
        } else {
            "AND archived = 0"
        }
    );
    let mut rows = sqlx::query_as::<_, Node>(&sql)
        .bind(id)
        .fetch_all(&db.pool)
        .await?;
    // Live first, each part in natural order (第一, 第二 … 第十一; 1号楼, 2号楼 … 10号楼).
    rows.sort_by(|a, b| {
        a.archived
            .cmp(&b.archived)
            .then_with(|| super::natural::cmp(&a.name, &b.name))
    });
    Ok(rows)
}

/// The chain from the top of the tree down to the node (for breadcrumbs), not filtered by scope: the
/// names of one's own ancestors are not secret.
pub async fn ancestors(db: &Db, node: &Node) -> Result<Vec<Node>> {
    let ids: Vec<&str> = node.path.split('/').filter(|s| !s.is_empty()).collect();
    let sql = format!(
        "SELECT {COLS} FROM nodes WHERE id IN ({}) ORDER BY path",
        ids.join(",")
    );
    Ok(sqlx::query_as::<_, Node>(&sql).fetch_all(&db.pool).await?)
}

/// Creates a node under `parent` (None: a new street, for the CLI and street administrators' setup).
pub async fn create(
    db: &Db,
    actor: &Actor,
    parent: Option<i64>,
    kind: Kind,
    input: &NodeInput,
) -> Result<Node> {
    let (name, code) = check_input(input, kind)?;
    if !kind.editable_by(actor.role) {
        return Err(Error::Forbidden(format!(
            "您的角色不能新建{}",
            kind.label_zh()
        )));
    }
    let parent = match parent {
        Some(pid) => Some(
            get(db, actor, pid)
                .await
                .map_err(|_| Error::invalid("上级", "上级节点不存在或不在您的管辖范围内"))?,
        ),
        None if kind == Kind::Street && actor.scope == crate::accounts::Scope::All => None,
        None => {
            return Err(Error::invalid(
                "上级",
                format!("{}必须有上级节点", kind.label_zh()),
            ))
        }
    };
    if let Some(p) = &parent {
        if !kind.parents().contains(&p.kind()) {
            return Err(Error::invalid(
                "上级",
                format!("{}不能建在{}下", kind.label_zh(), p.label()),
            ));
        }
        if p.archived != 0 {
            return Err(Error::invalid("上级", "上级节点已归档"));
        }
    }
    let mut tx = db.begin().await?;
    let now = db::now();
    let id: i64 = sqlx::query(
        "INSERT INTO nodes (kind, parent_id, name, code, path, street_id, community_id, grid_id, estate_id, building_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, '', $5, $6, $7, $8, $9, $10, $10) RETURNING id",
    )
    .bind(kind.code())
    .bind(parent.as_ref().map(|p| p.id))
    .bind(&name)
    .bind(&code)
    .bind(parent.as_ref().and_then(|p| p.street_id))
    .bind(parent.as_ref().and_then(|p| p.community_id))
    .bind(parent.as_ref().and_then(|p| p.grid_id))
    .bind(parent.as_ref().and_then(|p| p.estate_id))
    .bind(parent.as_ref().and_then(|p| p.building_id))
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?
    .get(0);
    let path = format!(
        "{}{id}/",
        parent.as_ref().map(|p| p.path.as_str()).unwrap_or("/")
    );
    let own = kind
        .column()
        .map(|c| format!(", {c} = $3"))
        .unwrap_or_default();
    sqlx::query(&format!("UPDATE nodes SET path = $1 {own} WHERE id = $2"))
        .bind(&path)
        .bind(id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let node = fetch(&mut tx, id).await?;
    audit::record(
        &mut *tx,
        actor,
        "create",
        "node",
        Some(id),
        None,
        Some(&serde_json::to_value(&node)?),
    )
    .await?;
    tx.commit().await?;
    db.lists.clear();
    Ok(node)
}

async fn fetch(tx: &mut Tx<'_>, id: i64) -> Result<Node> {
    Ok(
        sqlx::query_as::<_, Node>(&format!("SELECT {COLS} FROM nodes WHERE id = $1"))
            .bind(id)
            .fetch_one(&mut **tx)
            .await?,
    )
}

pub async fn update(db: &Db, actor: &Actor, id: i64, input: &NodeInput) -> Result<Node> {
    let before = get(db, actor, id).await?;
    let (name, code) = check_input(input, before.kind())?;
    if !before.kind().editable_by(actor.role) {
        return Err(Error::Forbidden(format!(
            "您的角色不能修改{}",
            before.label()
        )));
    }
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE nodes SET name = $1, code = $2, updated_at = $3 WHERE id = $4")
        .bind(&name)
        .bind(&code)
        .bind(db::now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let after = fetch(&mut tx, id).await?;
    audit::record(
        &mut *tx,
        actor,
        "update",
        "node",
        Some(id),
        Some(&serde_json::to_value(&before)?),
        Some(&serde_json::to_value(&after)?),
    )
    .await?;
    tx.commit().await?;
    db.lists.clear();
    Ok(after)
}

/// Moves a node (with everything under it) to a new parent inside the actor's scope.
pub async fn move_to(db: &Db, actor: &Actor, id: i64, new_parent: i64) -> Result<Node> {
    let node = get(db, actor, id).await?;
    let kind = node.kind();
    if !kind.editable_by(actor.role) || kind == Kind::Street {
        return Err(Error::Forbidden(format!(
            "您的角色不能移动{}",
            node.label()
        )));
    }
    let parent = get(db, actor, new_parent)
        .await
        .map_err(|_| Error::invalid("新上级", "目标节点不存在或不在您的管辖范围内,不能迁入"))?;
    if !kind.parents().contains(&parent.kind()) {
        return Err(Error::invalid(
            "新上级",
            format!("{}不能移到{}下", kind.label_zh(), parent.label()),
        ));
    }
    if parent.path.starts_with(&node.path) {
        return Err(Error::invalid("新上级", "不能移到自己或自己的下级节点下"));
    }
    if parent.archived != 0 {
        return Err(Error::invalid("新上级", "目标节点已归档"));
    }
    let new_path = format!("{}{}/", parent.path, node.id);
    // Levels above the moved node take the new parent's ancestors; its own level and below stay.
    let pos = |k: Kind| Kind::ALL.iter().position(|x| *x == k).unwrap_or(0);
    let above: Vec<(&str, Option<i64>)> = [
        (Kind::Street, parent.street_id),
        (Kind::Community, parent.community_id),
        (Kind::Grid, parent.grid_id),
        (Kind::Estate, parent.estate_id),
        (Kind::Building, parent.building_id),
    ]
    .into_iter()
    .filter(|(k, _)| pos(*k) < pos(kind))
    .filter_map(|(k, v)| k.column().map(|c| (c, v)))
    .collect();
    let set_ids = |skip_estate: bool| {
        above
            .iter()
            .filter(|(c, _)| !(skip_estate && *c == "estate_id"))
            .map(|(c, v)| {
                format!(
                    "{c} = {}",
                    v.map(|v| v.to_string()).unwrap_or("NULL".into())
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut tx = db.begin().await?;
    let prefix_len = node.path.len() as i64;
    let subtree = "SELECT id FROM nodes WHERE path LIKE $1";
    sqlx::query(&format!(
        "UPDATE nodes SET path = $2 || substr(path, CAST($3 AS INTEGER)), {}, updated_at = $4 WHERE path LIKE $1",
        set_ids(false)
    ))
    .bind(format!("{}%", node.path))
    .bind(&new_path)
    .bind(prefix_len + 1)
    .bind(db::now())
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE nodes SET parent_id = $1 WHERE id = $2")
        .bind(parent.id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    // Every scoped table's rows under the moved subtree that follow a move take the new scope (the subtree
    // now has the new path); see db::scoped for which rows follow.
    let moved = crate::db::scoped::follow_move(&mut tx, &format!("{new_path}%")).await?;
    tracing::debug!(?moved, "node move");
    if set_ids(true).contains("street_id") {
        let hh =
            format!("household_id IN (SELECT id FROM households WHERE dwelling_id IN ({subtree}))");
        super::persons::follow_street(&mut tx, &hh, Some(format!("{new_path}%"))).await?;
    }
    let after = fetch(&mut tx, id).await?;
    audit::record(
        &mut *tx,
        actor,
        "move",
        "node",
        Some(id),
        Some(&serde_json::to_value(&node)?),
        Some(&serde_json::to_value(&after)?),
    )
    .await?;
    tx.commit().await?;
    db.lists.clear();
    Ok(after)
}

/// Archives a node (never deletes). Refused while something live hangs under it.
pub async fn archive(db: &Db, actor: &Actor, id: i64) -> Result<Node> {
    let node = get(db, actor, id).await?;
    if !node.kind().editable_by(actor.role) {
        return Err(Error::Forbidden(format!(
            "您的角色不能归档{}",
            node.label()
        )));
    }
    let live_children: i64 =
        sqlx::query("SELECT COUNT(*) FROM nodes WHERE parent_id = $1 AND archived = 0")
            .bind(id)
            .fetch_one(&db.pool)
            .await?
            .get(0);
    if live_children > 0 {
        return Err(Error::invalid(
            "归档",
            format!(
                "该{}下还有{}个未归档的下级节点,请先归档或移走",
                node.label(),
                live_children
            ),
        ));
    }
    let live_households: i64 =
        sqlx::query("SELECT COUNT(*) FROM households WHERE dwelling_id = $1 AND archived = 0")
            .bind(id)
            .fetch_one(&db.pool)
            .await?
            .get(0);
    if live_households > 0 {
        return Err(Error::invalid(
            "归档",
            format!("该房屋还有{}户未归档,请先处理", live_households),
        ));
    }
    let mut tx = db.begin().await?;
    audit::archive_row(&mut tx, actor, "nodes", "node", id, node.archived).await?;
    // Devices installed at the place retire with it.
    crate::devices::retire_at(&mut tx, actor, id).await?;
    tx.commit().await?;
    db.lists.clear();
    Ok(Node {
        archived: 1,
        ..node
    })
}

/// Live nodes of the actor's scope that match `cond` (SQL on `nodes` without alias), as (id, name) in
/// tree order: the choices of a form or filter.
pub async fn choices(db: &Db, actor: &Actor, cond: &str) -> Result<Vec<(i64, String)>> {
    let mut rows: Vec<(i64, String, String)> = sqlx::query_as(&format!(
        "SELECT id, name, path FROM nodes WHERE {cond} AND archived = 0 AND {} ORDER BY path",
        actor.scope.sql("")
    ))
    .fetch_all(&db.pool)
    .await?;
    // Grouped under their parent (in tree order), each group in natural order of names.
    let parent = |path: &str| -> String {
        let t = path.trim_end_matches('/');
        t[..t.rfind('/').unwrap_or(0)].to_string()
    };
    rows.sort_by(|a, b| {
        parent(&a.2)
            .cmp(&parent(&b.2))
            .then_with(|| super::natural::cmp(&a.1, &b.1))
    });
    Ok(rows.into_iter().map(|(id, name, _)| (id, name)).collect())
}

/// The live buildings of a grid in the actor's scope as (id, "小区 楼栋"), in natural order (锦绣花园 1号楼,
/// 锦绣花园 2号楼 … 锦绣花园 10号楼).
pub async fn buildings_in_grid(db: &Db, actor: &Actor, grid: i64) -> Result<Vec<(i64, String)>> {
    let sql = format!(
        "SELECT b.id, e.name, b.name FROM nodes b JOIN nodes e ON e.id = b.parent_id \
         WHERE b.kind = 'building' AND b.archived = 0 AND b.grid_id = $1 AND {}",
        actor.scope.sql("b")
    );
    let mut rows: Vec<(i64, String, String)> =
        sqlx::query_as(&sql).bind(grid).fetch_all(&db.pool).await?;
    rows.sort_by(|a, b| super::natural::cmp_path(&[&a.1, &a.2], &[&b.1, &b.2]));
    Ok(rows
        .into_iter()
        .map(|(id, estate, building)| (id, format!("{estate} {building}")))
        .collect())
}

/// A node with the names of its ancestors below the street: "幸福社区 › 第一网格 › 锦绣花园 › 1号楼".
#[derive(Clone, Debug, Serialize)]
pub struct Labelled {
    pub id: i64,
    pub label: String,
    #[serde(skip)]
    names: Vec<String>,
}

/// The labels of nodes by their full paths, in natural order of the paths. One query for the names of
/// all their ancestors (the names of places above one's own are not secret; see [`ancestors`]).
pub async fn labelled(db: &Db, nodes: &[Node]) -> Result<Vec<Labelled>> {
    let mut ids: Vec<i64> = nodes
        .iter()
        .flat_map(|n| n.path.split('/').filter_map(|s| s.parse::<i64>().ok()))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let mut names = std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        let list: Vec<String> = chunk.iter().map(|i| i.to_string()).collect();
        let rows: Vec<(i64, String, String)> = sqlx::query_as(&format!(
            "SELECT id, kind, name FROM nodes WHERE id IN ({})",
            list.join(",")
        ))
        .fetch_all(&db.pool)
        .await?;
        for (id, kind, name) in rows {
            names.insert(id, (kind, name));
        }
    }
    let mut out: Vec<Labelled> = nodes
        .iter()
        .map(|n| {
            let chain: Vec<String> = n
                .path
                .split('/')
                .filter_map(|s| s.parse::<i64>().ok())
                .filter_map(|id| names.get(&id))
                .filter(|(kind, _)| kind != "street")
                .map(|(_, name)| name.clone())
                .collect();
            Labelled {
                id: n.id,
                label: chain.join(" › "),
                names: chain,
            }
        })
        .collect();
    out.sort_by(|a, b| super::natural::cmp_path(&a.names, &b.names));
    Ok(out)
}

/// Where a node can be moved: live nodes of the kinds that may hold it, in the actor's scope, except its
/// current parent, labelled by their full paths (not dozens of identical "1号楼").
pub async fn move_targets(db: &Db, actor: &Actor, node: &Node) -> Result<Vec<Labelled>> {
    let kinds: Vec<String> = node
        .kind()
        .parents()
        .iter()
        .map(|k| format!("'{}'", k.code()))
        .collect();
    if kinds.is_empty() {
        return Ok(vec![]);
    }
    let sql = format!(
        "SELECT {COLS} FROM nodes WHERE kind IN ({}) AND archived = 0 AND id <> $1 AND {} ORDER BY path LIMIT 1000",
        kinds.join(","),
        actor.scope.sql("")
    );
    let rows = sqlx::query_as::<_, Node>(&sql)
        .bind(node.parent_id.unwrap_or(0))
        .fetch_all(&db.pool)
        .await?;
    labelled(db, &rows).await
}

/// The grids of the actor's scope (id, name) in tree order, for filters and forms. Kept for a few seconds
/// in the list cache, which every node write here clears.
pub async fn grids_in_scope(db: &Db, actor: &Actor) -> Result<Vec<(i64, String)>> {
    Ok(grids_in_scope_shared(db, actor).await?.as_ref().clone())
}

/// [`grids_in_scope`] as the cache holds it, for readers that need not own it.
pub async fn grids_in_scope_shared(
    db: &Db,
    actor: &Actor,
) -> Result<std::sync::Arc<Vec<(i64, String)>>> {
    let key = format!("grids:{}", actor.scope.sql(""));
    if let Some(hit) = db.lists.get::<Vec<(i64, String)>>(&key) {
        return Ok(hit);
    }
    let generation = db.lists.generation();
    let grids = std::sync::Arc::new(choices(db, actor, "kind = 'grid'").await?);
    db.lists.put(key, generation, grids.clone());
    Ok(grids)
}

/// Counts of live nodes of a kind in the actor's scope.
pub async fn count(db: &Db, actor: &Actor, kind: Kind) -> Result<i64> {
    let sql = format!(
        "SELECT COUNT(*) FROM nodes WHERE kind = $1 AND archived = 0 AND {}",
        actor.scope.sql("")
    );
    Ok(sqlx::query(&sql)
        .bind(kind.code())
        .fetch_one(&db.pool)
        .await?
        .get(0))
}

/// A readable address for a dwelling: 小区 楼栋 单元 房屋.
pub async fn address_of(db: &Db, dwelling: &Node) -> Result<String> {
    let chain = ancestors(db, dwelling).await?;
    Ok(chain
        .iter()
        .filter(|n| {
            matches!(
                n.kind(),
                Kind::Estate | Kind::Building | Kind::Unit | Kind::Dwelling
            )
        })
        .map(|n| n.name.as_str())
        .collect::<Vec<_>>()
        .join(""))
}

/// The code of a node (a community's code names its public board), not filtered by scope.
pub async fn code_of(db: &Db, id: i64) -> Result<Option<String>> {
    Ok(sqlx::query("SELECT code FROM nodes WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .and_then(|r| r.get::<Option<String>, _>(0)))
}
