//! Scope: the part of the area tree a user may see. Every table that holds people or places carries
//! `street_id`, `community_id`, `grid_id` (and usually `building_id`), so a scope is one SQL condition.
//! Ids are our own integers, never user input, so they are written into the SQL as literals.

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Everything (the CLI only).
    All,
    Street(i64),
    Community {
        street: i64,
        community: i64,
    },
    Grids {
        street: i64,
        grids: Vec<i64>,
    },
    Buildings {
        street: i64,
        buildings: Vec<i64>,
    },
    /// An account with no area: sees nothing.
    Nothing,
}

fn list(ids: &[i64]) -> String {
    if ids.is_empty() {
        return "NULL".into();
    }
    ids.iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

impl Scope {
    /// A condition on a row of a scoped table, e.g. `p.grid_id IN (3,4)`. `alias` may be empty.
    pub fn sql(&self, alias: &str) -> String {
        let a = if alias.is_empty() {
            String::new()
        } else {
            format!("{alias}.")
        };
        match self {
            Scope::All => "1=1".into(),
            Scope::Street(s) => format!("{a}street_id = {s}"),
            Scope::Community { community, .. } => format!("{a}community_id = {community}"),
            Scope::Grids { grids, .. } => format!("{a}grid_id IN ({})", list(grids)),
            Scope::Buildings { buildings, .. } => {
                format!("{a}building_id IN ({})", list(buildings))
            }
            Scope::Nothing => "1=0".into(),
        }
    }

    /// The same condition for queries driven by a search key. The key indexes are led by the street
    /// (`(street_id, name)` …, migration 0007), so a street or community scope names its street for the range
    /// scan, and the community is written `+community_id`, which SQLite's planner does not take for an index
    /// (PostgreSQL reads it as the same value): a community is a twelfth of a street, quick to filter within
    /// the key's range. Grids and buildings are small enough that their own index, filtered by key, is best.
    pub fn sql_for_search(&self, alias: &str) -> String {
        let a = if alias.is_empty() {
            String::new()
        } else {
            format!("{alias}.")
        };
        match self {
            Scope::Street(s) => format!("{a}street_id = {s}"),
            Scope::Community { street, community } => {
                format!("{a}street_id = {street} AND +{a}community_id = {community}")
            }
            other => other.sql(alias),
        }
    }

    /// The street this scope lies in (ID numbers are unique per street).
    pub fn street(&self) -> Option<i64> {
        match self {
            Scope::All | Scope::Nothing => None,
            Scope::Street(s) => Some(*s),
            Scope::Community { street, .. }
            | Scope::Grids { street, .. }
            | Scope::Buildings { street, .. } => Some(*street),
        }
    }

    /// Whether a place with these ancestor ids lies inside the scope.
    pub fn contains(
        &self,
        street: Option<i64>,
        community: Option<i64>,
        grid: Option<i64>,
        building: Option<i64>,
    ) -> bool {
        match self {
            Scope::All => true,
            Scope::Street(s) => street == Some(*s),
            Scope::Community { community: c, .. } => community == Some(*c),
            Scope::Grids { grids, .. } => grid.is_some_and(|g| grids.contains(&g)),
            Scope::Buildings { buildings, .. } => building.is_some_and(|b| buildings.contains(&b)),
            Scope::Nothing => false,
        }
    }

    /// Ids of the nodes at the top of this scope's part of the tree.
    pub fn root_ids(&self) -> Option<Vec<i64>> {
        match self {
            Scope::All => None,
            Scope::Street(s) => Some(vec![*s]),
            Scope::Community { community, .. } => Some(vec![*community]),
            Scope::Grids { grids, .. } => Some(grids.clone()),
            Scope::Buildings { buildings, .. } => Some(buildings.clone()),
            Scope::Nothing => Some(vec![]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions() {
        assert_eq!(
            Scope::Grids {
                street: 1,
                grids: vec![3, 4]
            }
            .sql("p"),
            "p.grid_id IN (3,4)"
        );
        assert_eq!(
            Scope::Grids {
                street: 1,
                grids: vec![]
            }
            .sql(""),
            "grid_id IN (NULL)"
        );
        assert!(Scope::Community {
            street: 1,
            community: 2
        }
        .contains(Some(1), Some(2), Some(9), None));
        assert!(!Scope::Grids {
            street: 1,
            grids: vec![3]
        }
        .contains(Some(1), Some(2), Some(4), None));
    }
}
