//! The part of the tree an import lands in, held in memory: the grids it may write to, their estates,
//! buildings, units and dwellings, and their households. A row's place is found by name (spelling-tolerant,
//! see [`super::address`]). Units, dwellings and households that are missing are created; an estate or a
//! building that is not registered yet only when the user allows it (`create`), else the row is refused and
//! the missing names are listed for the dry run. A name that is a fragment of a registered estate's name
//! ("阳光" beside 阳光花园) is never a new estate: it is refused with the registered name as the suggestion.
//! New nodes and households are queued for the writer and counted for the dry run.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use sqlx::Row;

use super::address::{self, Place};
use crate::accounts::Actor;
use crate::db::ids::IdAlloc;
use crate::db::Db;
use crate::error::Result;
use crate::registry::households::Household;
use crate::registry::nodes::{Kind, Node};

/// A node of the tree as the importer needs it.
#[derive(Debug, Clone)]
pub struct NodeRef {
    pub id: i64,
    pub kind: Kind,
    pub parent_id: Option<i64>,
    pub name: String,
    pub path: String,
    pub street_id: i64,
    pub community_id: i64,
    pub grid_id: i64,
    pub estate_id: Option<i64>,
    pub building_id: Option<i64>,
    /// 小区 楼栋 单元 房屋 names joined, as `nodes::address_of` writes them.
    pub address: String,
}

/// What the import creates, for the writer and for the dry run's counts.
#[derive(Debug, Default)]
pub struct Created {
    pub nodes: Vec<NodeRef>,
    pub households: Vec<Household>,
    pub estates: usize,
    pub buildings: usize,
    pub units: usize,
    pub dwellings: usize,
    pub household_count: usize,
    /// Estate name → the names of its new buildings ("" for the estate itself when it is new), for the dry run.
    pub named: BTreeMap<String, BTreeSet<String>>,
}

#[derive(Default)]
struct GridPlaces {
    /// (parent id, name key) → child node.
    children: HashMap<(i64, String), NodeRef>,
    /// Every household of the grid, once; the maps below hold positions in it (a grid of 400,000
    /// households would otherwise be held three times over).
    all: Vec<Household>,
    /// (dwelling id, 户号) → household.
    households: HashMap<(i64, String), usize>,
    /// 户号 → household, for rows that give a 户号 but no address.
    by_number: HashMap<String, usize>,
    /// The first household of a dwelling, for rows that give an address but no 户号.
    first_at: HashMap<i64, usize>,
}

pub struct Places {
    grids: HashMap<i64, (NodeRef, GridPlaces)>,
    /// Grids of the target's community by name, with whether the actor may write there.
    grid_names: HashMap<String, (i64, bool)>,
    pub created: Created,
    /// Whether unregistered estates and buildings may be created.
    create: bool,
    /// Estate name → building names the file uses that are not registered (when `create` is off): the rows
    /// naming them were refused.
    pub missing: BTreeMap<String, BTreeSet<String>>,
}

fn node_ref(n: &Node, address: String) -> NodeRef {
    NodeRef {
        id: n.id,
        kind: n.kind(),
        parent_id: n.parent_id,
        name: n.name.clone(),
        path: n.path.clone(),
        street_id: n.street_id.unwrap_or(0),
        community_id: n.community_id.unwrap_or(0),
        grid_id: n.grid_id.unwrap_or(0),
        estate_id: n.estate_id,
        building_id: n.building_id,
        address,
    }
}

fn grid_key(name: &str) -> String {
    let k: String = name.chars().filter(|c| !c.is_whitespace()).collect();
    k.trim_end_matches("网格")
        .trim_start_matches('第')
        .to_string()
}

fn child_key(kind: Kind, name: &str) -> String {
    match kind {
        Kind::Estate => address::estate_key(name),
        Kind::Building => address::building_key(name),
        Kind::Unit => address::unit_key(name),
        _ => address::room_key(name),
    }
}

impl Places {
    /// Starts from the chosen grid (already checked to be in the actor's scope).
    pub async fn new(db: &Db, actor: &Actor, grid: &Node, create: bool) -> Result<Places> {
        let rows = sqlx::query(
            "SELECT id, name, street_id, community_id, grid_id FROM nodes WHERE kind = 'grid' AND archived = 0 \
             AND community_id = $1",
        )
        .bind(grid.community_id.unwrap_or(0))
        .fetch_all(&db.pool)
        .await?;
        let mut grid_names = HashMap::new();
        for r in rows {
            let (id, name): (i64, String) = (r.get(0), r.get(1));
            let inside = actor.scope.contains(r.get(2), r.get(3), r.get(4), None);
            grid_names.entry(grid_key(&name)).or_insert((id, inside));
        }
        let mut places = Places {
            grids: HashMap::new(),
            grid_names,
            created: Created::default(),
            create,
            missing: BTreeMap::new(),
        };
        places.load(db, grid).await?;
        Ok(places)
    }

    /// The grid a row goes to: the one named in its 所属网格 column, else the chosen one.
    pub async fn grid_for(
        &mut self,
        db: &Db,
        default: i64,
        named: &str,
    ) -> std::result::Result<i64, String> {
        if named.is_empty() {
            return Ok(default);
        }
        let key = grid_key(named);
        if self
            .grids
            .get(&default)
            .is_some_and(|(g, _)| grid_key(&g.name) == key)
        {
            return Ok(default);
        }
        match self.grid_names.get(&key) {
            None => Err(format!("本社区没有名为“{named}”的网格")),
            Some((_, false)) => Err(format!("网格“{named}”不在您的管辖范围内,不能导入到该网格")),
            Some((id, true)) => {
                let id = *id;
                if !self.grids.contains_key(&id) {
                    let node =
                        crate::registry::nodes::get(db, &crate::accounts::Actor::system(), id)
                            .await
                            .map_err(|_| format!("网格“{named}”不存在"))?;
                    self.load(db, &node).await.map_err(|e| e.to_string())?;
                }
                Ok(id)
            }
        }
    }

    async fn load(&mut self, db: &Db, grid: &Node) -> Result<()> {
        let mut gp = GridPlaces::default();
        let grid_ref = node_ref(grid, String::new());
        let sql = format!(
            "SELECT {} FROM nodes WHERE grid_id = $1 AND archived = 0 AND kind <> 'grid'",
            "id, kind, parent_id, name, code, path, street_id, community_id, grid_id, estate_id, building_id, archived"
        );
        let mut nodes: Vec<Node> = sqlx::query_as::<_, Node>(&sql)
            .bind(grid.id)
            .fetch_all(&db.pool)
            .await?;
        nodes.sort_by_key(|n| n.path.len());
        let mut addresses: HashMap<i64, String> = HashMap::new();
        for n in &nodes {
            let parent_addr = n
                .parent_id
                .and_then(|p| addresses.get(&p).cloned())
                .unwrap_or_default();
            let address = format!("{parent_addr}{}", n.name);
            addresses.insert(n.id, address.clone());
            let key = (n.parent_id.unwrap_or(0), child_key(n.kind(), &n.name));
            gp.children
                .entry(key)
                .or_insert_with(|| node_ref(n, address));
        }
        let rows = sqlx::query(
            "SELECT id, number, dwelling_id, street_id, community_id, grid_id, building_id, address, archived \
             FROM households WHERE grid_id = $1 AND archived = 0 ORDER BY id",
        )
        .bind(grid.id)
        .fetch_all(&db.pool)
        .await?;
        for r in rows {
            let h = Household {
                id: r.get(0),
                number: r.get(1),
                dwelling_id: r.get(2),
                street_id: r.get(3),
                community_id: r.get(4),
                grid_id: r.get(5),
                building_id: r.get(6),
                address: r.get(7),
                archived: r.get(8),
            };
            self.index_household(&mut gp, h);
        }
        self.grids.insert(grid.id, (grid_ref, gp));
        Ok(())
    }

    fn index_household(&self, gp: &mut GridPlaces, h: Household) -> usize {
        let i = gp.all.len();
        gp.first_at.entry(h.dwelling_id).or_insert(i);
        gp.by_number.entry(h.number.trim().to_string()).or_insert(i);
        gp.households
            .entry((h.dwelling_id, h.number.trim().to_string()))
            .or_insert(i);
        gp.all.push(h);
        i
    }

    /// Whether a row can be placed without creating anything it should not: used to check rows before
    /// anything is queued for them.
    pub fn check(
        &mut self,
        grid: i64,
        place: &Place,
        number: &str,
    ) -> std::result::Result<(), String> {
        if place.is_empty() {
            let known = self
                .grids
                .get(&grid)
                .is_some_and(|(_, gp)| !number.is_empty() && gp.by_number.contains_key(number));
            return if known {
                Ok(())
            } else if number.is_empty() {
                Err("缺少现住地址(小区、楼栋、门牌)和户号,无法确定所属户".into())
            } else {
                Err(format!(
                    "户号“{number}”在该网格中不存在,且没有填写现住地址(小区、楼栋、门牌),无法新建户"
                ))
            };
        }
        if place.estate.is_empty() {
            return Err("缺少现住小区".into());
        }
        if place.building.is_empty() {
            return Err("缺少楼栋".into());
        }
        if place.room.is_empty() {
            return Err("缺少门牌(房号)".into());
        }
        if [&place.estate, &place.building, &place.unit, &place.room]
            .iter()
            .any(|s| s.chars().count() > 100)
        {
            return Err("地址各部分不能超过100个字符".into());
        }
        self.check_registered(grid, place)
    }

    /// The estate and building a row names: registered (or created earlier in this run), or allowed to be
    /// created; a fragment of a registered estate's name is refused whatever the choice.
    fn check_registered(&mut self, grid: i64, place: &Place) -> std::result::Result<(), String> {
        let Some((grid_ref, gp)) = self.grids.get(&grid) else {
            return Ok(());
        };
        let key = child_key(Kind::Estate, &place.estate);
        let building = address::building_name(&place.building);
        let estate = match gp.children.get(&(grid_ref.id, key.clone())) {
            Some(e) => e,
            None => {
                let estates = || {
                    gp.children
                        .iter()
                        .filter(move |((parent, _), n)| {
                            *parent == grid_ref.id && n.kind == Kind::Estate
                        })
                        .map(|((_, k), n)| (k, n))
                };
                if let Some((_, n)) =
                    estates().find(|(k, _)| k.len() > key.len() && k.contains(&key))
                {
                    return Err(format!(
                        "小区“{}”是已登记小区“{}”名称的一部分,不会新建小区:是否为“{}”?请填写完整名称",
                        place.estate, n.name, n.name
                    ));
                }
                if self.create {
                    return Ok(());
                }
                let hint = estates()
                    .map(|(k, n)| (strsim::levenshtein(k, &key), n))
                    .filter(|(d, _)| *d <= 2 && *d < key.chars().count())
                    .min_by_key(|(d, _)| *d)
                    .map(|(_, n)| format!("(最接近的已登记小区:“{}”)", n.name))
                    .unwrap_or_default();
                self.missing
                    .entry(place.estate.trim().to_string())
                    .or_default()
                    .insert(building);
                return Err(format!(
                    "小区“{}”尚未登记{hint}。如需新建,请勾选“新建文件中尚未登记的小区和楼栋”后重新预检,或先在房屋管理中登记该小区",
                    place.estate
                ));
            }
        };
        let bkey = child_key(Kind::Building, &building);
        if self.create || gp.children.contains_key(&(estate.id, bkey)) {
            return Ok(());
        }
        let estate_name = estate.name.clone();
        self.missing
            .entry(estate_name.clone())
            .or_default()
            .insert(building.clone());
        Err(format!(
            "楼栋“{estate_name}{building}”尚未登记。如需新建,请勾选“新建文件中尚未登记的小区和楼栋”后重新预检,或先在房屋管理中登记该楼栋"
        ))
    }

    /// The household a row joins, creating the tree and the household when missing. [`Places::check`] must
    /// have passed.
    pub fn household(
        &mut self,
        ids: &mut IdAlloc,
        grid: i64,
        place: &Place,
        number: &str,
    ) -> Household {
        let (grid_ref, mut gp) = self.grids.remove(&grid).expect("grid loaded");
        let h = if place.is_empty() {
            gp.all[gp.by_number[number]].clone()
        } else {
            let estate = self.child(&mut gp, ids, &grid_ref, Kind::Estate, &place.estate);
            let building = self.child(
                &mut gp,
                ids,
                &estate,
                Kind::Building,
                &address::building_name(&place.building),
            );
            let parent = if place.unit.is_empty() {
                building
            } else {
                self.child(
                    &mut gp,
                    ids,
                    &building,
                    Kind::Unit,
                    &address::unit_name(&place.unit),
                )
            };
            let dwelling = self.child(&mut gp, ids, &parent, Kind::Dwelling, &place.room);
            let existing = if number.is_empty() {
                gp.first_at.get(&dwelling.id)
            } else {
                gp.households.get(&(dwelling.id, number.to_string()))
            }
            .map(|&i| gp.all[i].clone());
            match existing {
                Some(h) => h,
                None => {
                    let h = Household {
                        id: ids.take("households"),
                        number: if number.is_empty() {
                            dwelling.address.clone()
                        } else {
                            number.to_string()
                        },
                        dwelling_id: dwelling.id,
                        street_id: dwelling.street_id,
                        community_id: dwelling.community_id,
                        grid_id: dwelling.grid_id,
                        building_id: dwelling.building_id,
                        address: dwelling.address.clone(),
                        archived: 0,
                    };
                    self.created.household_count += 1;
                    self.created.households.push(h.clone());
                    let i = self.index_household(&mut gp, h.clone());
                    if !number.is_empty() {
                        gp.by_number.insert(number.to_string(), i);
                    }
                    h
                }
            }
        };
        self.grids.insert(grid, (grid_ref, gp));
        h
    }

    fn child(
        &mut self,
        gp: &mut GridPlaces,
        ids: &mut IdAlloc,
        parent: &NodeRef,
        kind: Kind,
        name: &str,
    ) -> NodeRef {
        let key = (parent.id, child_key(kind, name));
        if let Some(n) = gp.children.get(&key) {
            return n.clone();
        }
        let id = ids.take("nodes");
        let own = |k: Kind, inherited: Option<i64>| if kind == k { Some(id) } else { inherited };
        let n = NodeRef {
            id,
            kind,
            parent_id: Some(parent.id),
            name: name.to_string(),
            path: format!("{}{id}/", parent.path),
            street_id: parent.street_id,
            community_id: parent.community_id,
            grid_id: parent.grid_id,
            estate_id: own(Kind::Estate, parent.estate_id),
            building_id: own(Kind::Building, parent.building_id),
            address: format!("{}{name}", parent.address),
        };
        match kind {
            Kind::Estate => {
                self.created.estates += 1;
                self.created.named.entry(name.to_string()).or_default();
            }
            Kind::Building => {
                self.created.buildings += 1;
                let estate = parent.name.clone();
                self.created
                    .named
                    .entry(estate)
                    .or_default()
                    .insert(name.to_string());
            }
            Kind::Unit => self.created.units += 1,
            _ => self.created.dwellings += 1,
        }
        self.created.nodes.push(n.clone());
        gp.children.insert(key, n.clone());
        n
    }
}
