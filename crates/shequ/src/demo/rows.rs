//! Turns generated households into table rows: households, persons with their search keys,
//! events and residence periods, special-group tags and rentals with their tenants. Ids are assigned here.

use std::collections::HashMap;

use chrono::Duration;
use rand::rngs::StdRng;
use rand::Rng;
use sqlx::AnyConnection;

use super::bulk::{Table, V};
use super::groups;
use super::names;
use super::people::{between, Household, Left};
use super::tree::{Place, NODE_COLS};
use super::{date, REF, STAMP};
use crate::db::Dialect;
use crate::registry::search_keys;

/// The next id of each table.
#[derive(Clone, Copy, Debug, Default)]
pub struct Ids {
    pub node: i64,
    pub household: i64,
    pub person: i64,
    pub event: i64,
    pub period: i64,
    pub tag: i64,
    pub rental: i64,
}

/// Row buffers of every table the demo writes, flushed once per community inside one transaction.
pub struct Out {
    pub nodes: Table,
    pub households: Table,
    pub persons: Table,
    pub events: Table,
    pub periods: Table,
    pub tags: Table,
    pub rentals: Table,
    pub tenants: Table,
}

impl Out {
    pub fn new() -> Out {
        Out {
            nodes: Table::new("nodes", NODE_COLS),
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
                    "education",
                    "employment",
                    "health",
                    "hukou_type",
                    "hukou_address",
                    "residence_address",
                    "household_id",
                    "relation",
                    "status",
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
            events: Table::new(
                "person_events",
                &[
                    "id",
                    "person_id",
                    "kind",
                    "event_date",
                    "note",
                    "created_at",
                ],
            ),
            periods: Table::new(
                "residence_periods",
                &[
                    "id",
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
                    "id",
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
            rentals: Table::new(
                "rentals",
                &[
                    "id",
                    "dwelling_id",
                    "landlord_name",
                    "landlord_phone",
                    "agreement_signed",
                    "agreement_expires",
                    "notes",
                    "street_id",
                    "community_id",
                    "grid_id",
                    "building_id",
                    "created_at",
                    "updated_at",
                ],
            ),
            tenants: Table::new("rental_tenants", &["rental_id", "person_id"]),
        }
    }

    /// Writes everything buffered, parents before children.
    pub async fn flush(
        &mut self,
        conn: &mut AnyConnection,
        dialect: Dialect,
    ) -> anyhow::Result<()> {
        self.nodes.flush(conn, dialect).await?;
        self.households.flush(conn, dialect).await?;
        self.persons.flush(conn, dialect).await?;
        self.events.flush(conn, dialect).await?;
        self.periods.flush(conn, dialect).await?;
        self.tags.flush(conn, dialect).await?;
        self.rentals.flush(conn, dialect).await?;
        self.tenants.flush(conn, dialect).await?;
        Ok(())
    }

    /// Buffers one household living at `place`, with its members, tags and (maybe) rental.
    #[allow(clippy::too_many_arguments)]
    pub fn household(
        &mut self,
        rng: &mut StdRng,
        ids: &mut Ids,
        place: &Place,
        number: String,
        mut h: Household,
        community: &str,
        tag_types: &HashMap<String, i64>,
    ) {
        let hid = ids.household;
        ids.household += 1;
        self.households.push(vec![
            V::I(hid),
            number.into(),
            V::I(place.dwelling_id),
            V::I(place.street_id),
            V::I(place.community_id),
            V::I(place.grid_id),
            V::I(place.building_id),
            place.address.as_str().into(),
            STAMP.into(),
            STAMP.into(),
        ]);
        let living = h.members.iter().filter(|m| m.left.is_none()).count();
        let dibao = groups::dibao(rng, &h);
        let mut living_ids = Vec::new();
        let members = std::mem::take(&mut h.members);
        for mut p in members {
            let pid = ids.person;
            ids.person += 1;
            let tags = if p.left.is_none() {
                living_ids.push(pid);
                groups::tags(rng, &h, &mut p, living, dibao, community)
            } else {
                Vec::new()
            };
            let (pinyin, initials) = search_keys::pinyin_keys(&p.name);
            let status = match p.left {
                None => "在住",
                Some((_, Left::MovedOut)) => "迁出",
                Some((_, Left::Died)) => "死亡",
            };
            let phone_rev = p.phone.as_deref().map(search_keys::reverse);
            self.persons.push(vec![
                V::I(pid),
                p.name.into(),
                "居民身份证".into(),
                p.id_number.into(),
                p.birth.to_string().into(),
                if p.male { "男" } else { "女" }.into(),
                p.phone.into(),
                p.phone2.into(),
                p.ethnicity.into(),
                p.political.into(),
                p.education.into(),
                p.employment.into(),
                p.health.into(),
                h.hukou_type.into(),
                p.hukou_address.into(),
                place.address.as_str().into(),
                V::I(hid),
                p.relation.into(),
                status.into(),
                pinyin.into(),
                initials.into(),
                phone_rev.into(),
                V::I(place.street_id),
                V::I(place.community_id),
                V::I(place.grid_id),
                V::I(place.building_id),
                STAMP.into(),
                STAMP.into(),
            ]);
            let note = (p.move_in == p.birth).then(|| "出生".to_string());
            self.event(ids, pid, "move_in", p.move_in.to_string(), note);
            let to_date = p.left.map(|(d, how)| {
                let (kind, note) = match how {
                    Left::MovedOut => ("move_out", "迁往外地"),
                    Left::Died => ("death", "病故"),
                };
                self.event(ids, pid, kind, d.to_string(), Some(note.into()));
                d.to_string()
            });
            self.periods.push(vec![
                V::I(ids.period),
                V::I(pid),
                p.move_in.to_string().into(),
                to_date.into(),
                V::I(place.street_id),
                V::I(place.community_id),
                V::I(place.grid_id),
                V::I(place.building_id),
            ]);
            ids.period += 1;
            for t in tags {
                let Some(type_id) = tag_types.get(t.code) else {
                    continue;
                };
                self.tags.push(vec![
                    V::I(ids.tag),
                    V::I(pid),
                    V::I(*type_id),
                    t.fields_json().into(),
                    t.since.to_string().into(),
                    V::I(place.street_id),
                    V::I(place.community_id),
                    V::I(place.grid_id),
                    STAMP.into(),
                ]);
                ids.tag += 1;
            }
        }
        let rented = rng.gen_bool(if h.hukou_type == "流动人口" {
            0.45
        } else {
            0.03
        });
        if rented && !living_ids.is_empty() {
            self.rental(rng, ids, place, &living_ids);
        }
    }

    fn event(&mut self, ids: &mut Ids, pid: i64, kind: &str, d: String, note: Option<String>) {
        self.events.push(vec![
            V::I(ids.event),
            V::I(pid),
            kind.into(),
            d.into(),
            note.into(),
            STAMP.into(),
        ]);
        ids.event += 1;
    }

    fn rental(&mut self, rng: &mut StdRng, ids: &mut Ids, place: &Place, tenants: &[i64]) {
        let rid = ids.rental;
        ids.rental += 1;
        let (signed, expires) = if rng.gen_bool(0.85) {
            // Signed in the two years before the data date; some have expired since.
            let s = between(rng, date(2024, 7, 1), REF);
            let years: i64 = names::weighted(rng, &[(1, 45), (2, 40), (3, 15)]);
            let e = s + Duration::days(365 * years) - Duration::days(1);
            (Some(s.to_string()), Some(e.to_string()))
        } else {
            (None, None)
        };
        let rent = rng.gen_range(8..=35) * 100;
        let male = rng.gen_bool(0.55);
        let landlord = names::person(rng, male);
        self.rentals.push(vec![
            V::I(rid),
            V::I(place.dwelling_id),
            landlord.into(),
            Some(names::mobile(rng)).into(),
            signed.into(),
            expires.into(),
            Some(format!("月租金{rent}元")).into(),
            V::I(place.street_id),
            V::I(place.community_id),
            V::I(place.grid_id),
            V::I(place.building_id),
            STAMP.into(),
            STAMP.into(),
        ]);
        for t in tenants {
            self.tenants.push(vec![V::I(rid), V::I(*t)]);
        }
    }
}
