//! The rows an import writes, buffered per table and flushed in parent-before-child order, and the rows
//! every record brings along (its audit entry, a person's events and special groups).

use chrono::NaiveDate;
use serde_json::json;
use sqlx::AnyConnection;

use crate::accounts::Actor;
use crate::db::bulk::{Table, V};
use crate::db::Dialect;
use crate::error::Result;
use crate::registry::persons::Person;
use crate::registry::tags::TagType;

/// Who writes, and when: what every audit entry and created record of one import carries.
#[derive(Clone, Debug)]
pub struct Who {
    user_id: Option<i64>,
    username: String,
    pub now: String,
}

impl Who {
    pub fn new(actor: &Actor, now: String) -> Who {
        Who {
            user_id: (actor.user_id != 0).then_some(actor.user_id),
            username: actor.username.clone(),
            now,
        }
    }
}

pub struct Tables {
    pub nodes: Table,
    pub households: Table,
    pub persons: Table,
    /// The people created, whose ID grams the writer derives once they are written.
    pub new_people: Vec<i64>,
    pub events: Table,
    pub periods: Table,
    pub tags: Table,
    pub audit: Table,
}

impl Tables {
    pub fn new() -> Tables {
        Tables {
            nodes: Table::new(
                "nodes",
                &[
                    "id",
                    "kind",
                    "parent_id",
                    "name",
                    "path",
                    "street_id",
                    "community_id",
                    "grid_id",
                    "estate_id",
                    "building_id",
                    "created_at",
                    "updated_at",
                ],
            ),
            households: Table::new(
                "households",
                &[
                    "id",
                    "number",
                    "dwelling_id",
                    "street_id",
                    "community_id",
                    "grid_id",
                    "building_id",
                    "address",
                    "created_at",
                    "updated_at",
                ],
            ),
            persons: Table::new(
                "persons",
                &[
                    "id",
                    "name",
                    "id_type",
                    "id_number",
                    "birth_date",
                    "sex",
                    "phone",
                    "phone2",
                    "ethnicity",
                    "political_status",
                    "marital_status",
                    "education",
                    "employment",
                    "health",
                    "hukou_type",
                    "hukou_address",
                    "residence_address",
                    "household_id",
                    "relation",
                    "status",
                    "notes",
                    "name_pinyin",
                    "name_initials",
                    "phone_rev",
                    "street_id",
                    "community_id",
                    "grid_id",
                    "building_id",
                    "created_at",
                    "updated_at",
                ],
            ),
            new_people: Vec::new(),
            events: Table::new(
                "person_events",
                &["person_id", "kind", "event_date", "note", "created_at"],
            ),
            periods: Table::new(
                "residence_periods",
                &[
                    "person_id",
                    "from_date",
                    "to_date",
                    "street_id",
                    "community_id",
                    "grid_id",
                    "building_id",
                ],
            ),
            tags: Table::new(
                "person_tags",
                &[
                    "person_id",
                    "tag_type_id",
                    "fields",
                    "since",
                    "street_id",
                    "community_id",
                    "grid_id",
                    "created_at",
                ],
            ),
            audit: Table::new(
                "audit_log",
                &[
                    "at",
                    "user_id",
                    "username",
                    "action",
                    "entity",
                    "entity_id",
                    "before_json",
                    "after_json",
                    "hash",
                ],
            ),
        }
    }

    /// The places and households first (people reference them), then people, then what hangs off people.
    pub async fn flush_places(&mut self, conn: &mut AnyConnection, d: Dialect) -> Result<()> {
        self.nodes.flush(conn, d).await?;
        self.households.flush(conn, d).await?;
        Ok(())
    }

    pub async fn flush_people(&mut self, conn: &mut AnyConnection, d: Dialect) -> Result<()> {
        self.persons.flush(conn, d).await?;
        self.events.flush(conn, d).await?;
        self.periods.flush(conn, d).await?;
        self.tags.flush(conn, d).await?;
        crate::audit::chain_rows(conn, &mut self.audit).await?;
        self.audit.flush(conn, d).await?;
        Ok(())
    }

    /// Drops whatever is buffered (a refused all-or-nothing run stops writing).
    pub fn clear(&mut self) {
        *self = Tables::new();
    }
}

impl Tables {
    pub fn event(&mut self, who: &Who, person: i64, kind: &str, date: NaiveDate, note: &str) {
        self.events.push(vec![
            V::I(person),
            V::from(kind),
            V::S(date.to_string()),
            V::from(note),
            V::S(who.now.clone()),
        ]);
    }

    /// A special group of a person, with its audit entry.
    pub fn tag(&mut self, who: &Who, p: &Person, t: &TagType) {
        self.tags.push(vec![
            V::I(p.id),
            V::I(t.id),
            V::from("{}"),
            V::NullS,
            V::I(p.street_id),
            V::I(p.community_id),
            V::I(p.grid_id),
            V::S(who.now.clone()),
        ]);
        let after = json!({"person_id": p.id, "tag": t.name, "tag_type_id": t.id, "fields": {}})
            .to_string();
        self.audit(who, "import", "person_tag", p.id, None, Some(after));
    }

    pub fn audit(
        &mut self,
        who: &Who,
        action: &str,
        entity: &str,
        id: i64,
        before: Option<String>,
        after: Option<String>,
    ) {
        self.audit.push(vec![
            V::S(who.now.clone()),
            V::from(who.user_id),
            V::S(who.username.clone()),
            V::from(action),
            V::from(entity),
            V::I(id),
            V::from(before),
            V::from(after),
            // Filled in by `audit::chain_rows` when the rows are written.
            V::NullS,
        ]);
    }
}

pub fn opt(s: &Option<String>) -> V {
    V::from(s.clone())
}
