//! The area tree of the demo: street → community → grid → estate (小区) → building (N号楼) → unit (N单元) →
//! dwelling (room 101 …). Nodes go straight into the `nodes` buffer with their path and ancestor ids; a
//! grid returns its occupied dwellings ("places") for the households.

use std::collections::HashSet;

use rand::rngs::StdRng;
use rand::Rng;

use super::bulk::{Table, V};
use super::names;
use super::STAMP;

pub const NODE_COLS: &[&str] = &[
    "id",
    "kind",
    "parent_id",
    "name",
    "code",
    "path",
    "street_id",
    "community_id",
    "grid_id",
    "estate_id",
    "building_id",
    "created_at",
    "updated_at",
];

/// Where a node hangs: its path and the ids of its ancestors at the scoped levels.
#[derive(Clone, Debug, Default)]
pub struct Anc {
    pub id: Option<i64>,
    pub path: String,
    pub street: Option<i64>,
    pub community: Option<i64>,
    pub grid: Option<i64>,
    pub estate: Option<i64>,
    pub building: Option<i64>,
}

impl Anc {
    pub fn root() -> Anc {
        Anc {
            path: "/".into(),
            ..Anc::default()
        }
    }
}

/// Writes one node under `parent` and returns what its own children need to know.
pub fn node(
    nodes: &mut Table,
    next: &mut i64,
    parent: &Anc,
    kind: &'static str,
    name: String,
    code: Option<String>,
) -> Anc {
    let id = *next;
    *next += 1;
    let mut a = parent.clone();
    a.id = Some(id);
    a.path = format!("{}{id}/", parent.path);
    match kind {
        "street" => a.street = Some(id),
        "community" => a.community = Some(id),
        "grid" => a.grid = Some(id),
        "estate" => a.estate = Some(id),
        "building" => a.building = Some(id),
        _ => {}
    }
    nodes.push(vec![
        V::I(id),
        kind.into(),
        parent.id.into(),
        name.into(),
        code.into(),
        a.path.clone().into(),
        a.street.into(),
        a.community.into(),
        a.grid.into(),
        a.estate.into(),
        a.building.into(),
        STAMP.into(),
        STAMP.into(),
    ]);
    a
}

/// An occupied dwelling, ready for a household.
#[derive(Clone, Debug)]
pub struct Place {
    pub dwelling_id: i64,
    pub street_id: i64,
    pub community_id: i64,
    pub grid_id: i64,
    pub building_id: i64,
    /// e.g. 锦绣花园3号楼2单元401
    pub address: String,
}

/// Builds the estates, buildings, units and dwellings of one grid so that about `households` dwellings are
/// occupied (about 9 in 10 dwellings are), and returns the occupied ones in order.
pub fn grid(
    rng: &mut StdRng,
    nodes: &mut Table,
    next: &mut i64,
    grid: &Anc,
    households: usize,
    used_estates: &mut HashSet<String>,
) -> Vec<Place> {
    let needed = (households as f64 / 0.9).ceil() as usize;
    let estate_count = if needed > 150 && rng.gen_bool(0.6) {
        2
    } else {
        1
    };
    let mut estates: Vec<(Anc, String, usize)> = Vec::new();
    let mut dwellings: Vec<(i64, i64, String)> = Vec::new();
    let mut b = 0usize;
    while dwellings.len() < needed {
        let e = b % estate_count;
        if e == estates.len() {
            let name = names::estate(rng, used_estates);
            let anc = node(nodes, next, grid, "estate", name.clone(), None);
            estates.push((anc, name, 0));
        }
        b += 1;
        let (estate, estate_name, count) = &mut estates[e];
        *count += 1;
        let bname = format!("{}号楼", count);
        let building = node(nodes, next, estate, "building", bname.clone(), None);
        let building_id = building.building.unwrap_or(0);
        let (floors, units, per_floor) = if rng.gen_bool(0.8) {
            (
                [5, 6, 6, 6, 7][rng.gen_range(0..5)],
                rng.gen_range(2..=4),
                2,
            )
        } else {
            (
                rng.gen_range(11..=18),
                rng.gen_range(1..=2),
                rng.gen_range(2..=4),
            )
        };
        for u in 1..=units {
            let uname = format!("{u}单元");
            let unit = node(nodes, next, &building, "unit", uname.clone(), None);
            for f in 1..=floors {
                for r in 1..=per_floor {
                    let room = format!("{}{:02}", f, r);
                    let d = node(nodes, next, &unit, "dwelling", room.clone(), None);
                    let address = format!("{estate_name}{bname}{uname}{room}");
                    dwellings.push((d.id.unwrap_or(0), building_id, address));
                }
            }
        }
    }
    let p = (households as f64 / dwellings.len() as f64).min(1.0);
    dwellings
        .into_iter()
        .filter(|_| rng.gen_bool(p))
        .map(|(dwelling_id, building_id, address)| Place {
            dwelling_id,
            street_id: grid.street.unwrap_or(0),
            community_id: grid.community.unwrap_or(0),
            grid_id: grid.grid.unwrap_or(0),
            building_id,
            address,
        })
        .collect()
}
