//! The registry: the area tree (街道 → … → 房屋), households, persons, special-group tags, rentals, search
//! and population counts. Every function takes the [`Actor`](crate::accounts::Actor) and filters by its scope;
//! an id outside the scope behaves exactly like an id that does not exist.

pub mod history;
pub mod households;
pub mod idcard;
pub mod lookup;
pub mod mask;
pub mod natural;
pub mod nodes;
pub mod person_list;
pub mod persons;
pub mod pipl;
pub mod place;
pub mod plugin;
pub mod population;
pub mod rentals;
pub mod search;
pub mod search_keys;
pub mod stats;
pub mod tags;
pub mod tags_builtin;
pub mod tree_import;
pub mod validate;
