//! The rows an import writes, buffered per table and flushed in parent-before-child order.

use sqlx::AnyConnection;

use crate::db::bulk::{Table, V};
use crate::db::Dialect;
use crate::error::Result;

pub struct Tables {
    pub nodes: Table,
    pub households: Table,
    pub persons: Table,
    pub grams: Table,
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
            grams: Table::new("person_id_grams", &["gram", "street_id", "person_id"]),
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
        self.grams.flush(conn, d).await?;
        self.events.flush(conn, d).await?;
        self.periods.flush(conn, d).await?;
        self.tags.flush(conn, d).await?;
        self.audit.flush(conn, d).await?;
        Ok(())
    }

    /// Drops whatever is buffered (a refused all-or-nothing run stops writing).
    pub fn clear(&mut self) {
        *self = Tables::new();
    }
}

pub fn opt(s: &Option<String>) -> V {
    V::from(s.clone())
}
