//! What an import writes for each row, once it is checked: a new person with their place, household, ID
//! grams (derived from the written rows), 迁入 (and 迁出/死亡) events, residence period, special groups and audit entry, or an update of a
//! person already registered; the chunk's batch for the writer, and how the writer writes it (parents
//! before children, then the updates).

use std::collections::HashSet;
use std::sync::atomic::Ordering;

use serde_json::json;
use sheetimport::{Field, Severity};

use super::convert;
use super::importer::{from_error, problem, Checked, Importer, Update};
use super::tables::{opt, Tables};
use super::writer::{Batch, Writer};
use crate::db::bulk::V;
use crate::error::Result;
use crate::registry::households::Household;
use crate::registry::persons::{self, Person, Valid};
use crate::registry::search_keys;
use crate::registry::tags::TagType;

impl Importer<'_> {
    pub(super) async fn plan_create(&mut self, c: Checked) {
        let Some(grid) = self.grid_of(&c).await else {
            return;
        };
        if !self.place_check(&c, grid) {
            return;
        }
        let new_tags = self.tags_for(&c.row, &c.extra.tags, c.valid.birth_date.as_deref());
        let h = self
            .places
            .household(&mut self.ids, grid, &c.extra.place, &c.extra.household_no);
        self.counts.created += 1;
        self.counts.tags += new_tags.len() as u64;
        if !self.writing {
            return;
        }
        let v = c.valid;
        let id = self.ids.take("persons");
        let status = c.end.map(|e| e.1).unwrap_or("在住");
        let (pinyin, initials) = search_keys::pinyin_keys(&v.name);
        let person = Person {
            id,
            name: v.name,
            id_type: v.id_type,
            id_number: v.id_number,
            birth_date: v.birth_date,
            sex: v.sex,
            phone: v.phone,
            phone2: v.phone2,
            ethnicity: v.ethnicity,
            political_status: v.political_status,
            marital_status: v.marital_status,
            education: v.education,
            employment: v.employment,
            health: v.health,
            hukou_type: v.hukou_type,
            hukou_address: v.hukou_address,
            residence_address: v.residence_address.or_else(|| Some(h.address.clone())),
            household_id: Some(h.id),
            relation: v.relation,
            status: status.to_string(),
            notes: v.notes,
            street_id: h.street_id,
            community_id: h.community_id,
            grid_id: h.grid_id,
            building_id: h.building_id,
            archived: 0,
            created_at: self.who.now.clone(),
            updated_at: self.who.now.clone(),
        };
        let p = &person;
        self.tables.persons.push(vec![
            V::I(id),
            V::S(p.name.clone()),
            V::S(p.id_type.clone()),
            opt(&p.id_number),
            opt(&p.birth_date),
            opt(&p.sex),
            opt(&p.phone),
            opt(&p.phone2),
            opt(&p.ethnicity),
            opt(&p.political_status),
            opt(&p.marital_status),
            opt(&p.education),
            opt(&p.employment),
            opt(&p.health),
            V::S(p.hukou_type.clone()),
            opt(&p.hukou_address),
            opt(&p.residence_address),
            V::I(h.id),
            opt(&p.relation),
            V::S(p.status.clone()),
            opt(&p.notes),
            V::S(pinyin),
            V::S(initials),
            V::from(p.phone.as_deref().map(search_keys::reverse)),
            V::I(h.street_id),
            V::I(h.community_id),
            V::I(h.grid_id),
            V::from(h.building_id),
            V::S(self.who.now.clone()),
            V::S(self.who.now.clone()),
        ]);
        self.tables.new_people.push(id);
        let note = if c.move_in_known {
            "导入"
        } else {
            crate::registry::population::MOVE_IN_UNKNOWN
        };
        self.tables.event(&self.who, id, "move_in", c.move_in, note);
        if let Some((date, _, kind)) = c.end {
            let note = if kind == "move_out" && !c.extra.move_to.is_empty() {
                format!("导入;迁往:{}", c.extra.move_to)
            } else {
                "导入".to_string()
            };
            self.tables.event(&self.who, id, kind, date, &note);
        }
        self.tables.periods.push(vec![
            V::I(id),
            V::S(c.move_in.to_string()),
            V::from(c.end.map(|e| e.0.to_string())),
            V::I(h.street_id),
            V::I(h.community_id),
            V::I(h.grid_id),
            V::from(h.building_id),
        ]);
        for t in &new_tags {
            self.tables.tag(&self.who, &person, t);
        }
        let after = created_json(&person);
        self.tables
            .audit(&self.who, "import", "person", id, None, Some(after));
    }

    pub(super) async fn plan_update(&mut self, c: Checked, before: Person, have: &HashSet<i64>) {
        let inside = self.actor.scope.contains(
            Some(before.street_id),
            Some(before.community_id),
            Some(before.grid_id),
            before.building_id,
        );
        let id_col = Some(c.row.label(Field::IdNumber));
        let id_text = c.valid.id_number.clone().unwrap_or_default();
        if !inside {
            let p = problem(
                &c.row,
                id_col,
                &id_text,
                "该证件号码已登记在本街道其他网格,不在您的管辖范围内,不能导入或修改".into(),
                "out_of_scope",
                Severity::Error,
            );
            return self.bad_row(p);
        }
        if before.archived != 0 {
            let p = problem(
                &c.row,
                id_col,
                &id_text,
                "该证件号码对应的人员记录已归档,请先在人员页面核实".into(),
                "archived",
                Severity::Error,
            );
            return self.bad_row(p);
        }
        let mut input = convert::from_person(&before);
        // The notices were given when the row was checked.
        let _ = convert::overlay(&mut input, &c.row, self.actor.role.sees_sensitive());
        let _ = convert::vocabularies(&mut input, &self.vocab);
        let moves = !c.extra.place.is_empty() || !c.extra.household_no.is_empty();
        let mut grid = before.grid_id;
        if moves {
            let Some(g) = self.grid_of(&c).await else {
                return;
            };
            if !self.place_check(&c, g) {
                return;
            }
            grid = g;
        }
        if c.end.is_some() && before.status == "在住" {
            self.push_problem(problem(
                &c.row,
                None,
                "",
                "已登记人员的迁出、死亡请在人员页面办理,本次导入不更改其状态".into(),
                "status_kept",
                Severity::Warning,
            ));
        }
        let new_tags: Vec<TagType> = self
            .tags_for(&c.row, &c.extra.tags, c.valid.birth_date.as_deref())
            .into_iter()
            .filter(|t| !have.contains(&t.id))
            .collect();
        let household = if moves {
            self.places
                .household(&mut self.ids, grid, &c.extra.place, &c.extra.household_no)
        } else {
            Household {
                id: before.household_id.unwrap_or(0),
                number: String::new(),
                dwelling_id: 0,
                street_id: before.street_id,
                community_id: before.community_id,
                grid_id: before.grid_id,
                building_id: before.building_id,
                address: before.residence_address.clone().unwrap_or_default(),
                archived: 0,
            }
        };
        if Some(household.id) != before.household_id && c.row.get(Field::Residence).is_empty() {
            input.residence_address = household.address.clone();
        }
        let valid = match persons::validate_input(&input, self.today) {
            Ok(v) => v,
            Err(e) => return self.bad_row(from_error(&c.row, e)),
        };
        if !differs(&before, &valid, household.id) && new_tags.is_empty() {
            self.counts.unchanged += 1;
            return;
        }
        self.counts.updated += 1;
        self.counts.tags += new_tags.len() as u64;
        if self.writing {
            self.updates.push(Update {
                before,
                valid,
                household,
                new_tags,
            });
        }
    }

    /// What the chunk queued, for the writer: new places (as rows), new people, updates.
    pub(super) fn batch(&mut self) -> Batch {
        for n in std::mem::take(&mut self.places.created.nodes) {
            self.tables.nodes.push(vec![
                V::I(n.id),
                V::from(n.kind.code()),
                V::from(n.parent_id),
                V::S(n.name.clone()),
                V::S(n.path.clone()),
                V::I(n.street_id),
                V::I(n.community_id),
                V::I(n.grid_id),
                V::from(n.estate_id),
                V::from(n.building_id),
                V::S(self.who.now.clone()),
                V::S(self.who.now.clone()),
            ]);
            let after = json!({"kind": n.kind.code(), "name": n.name, "parent_id": n.parent_id})
                .to_string();
            self.tables
                .audit(&self.who, "import", "node", n.id, None, Some(after));
        }
        for h in std::mem::take(&mut self.places.created.households) {
            self.tables.households.push(vec![
                V::I(h.id),
                V::S(h.number.clone()),
                V::I(h.dwelling_id),
                V::I(h.street_id),
                V::I(h.community_id),
                V::I(h.grid_id),
                V::from(h.building_id),
                V::S(h.address.clone()),
                V::S(self.who.now.clone()),
                V::S(self.who.now.clone()),
            ]);
            let after =
                json!({"number": h.number, "dwelling_id": h.dwelling_id, "address": h.address})
                    .to_string();
            self.tables
                .audit(&self.who, "import", "household", h.id, None, Some(after));
        }
        Batch {
            tables: std::mem::replace(&mut self.tables, Tables::new()),
            updates: std::mem::take(&mut self.updates),
        }
    }
}

impl Writer {
    /// Writes a batch: places, new people, then the updates one by one (with their special groups and
    /// audit entries).
    pub(super) async fn write(&mut self, mut b: Batch) -> Result<()> {
        let d = self.dialect;
        b.tables.flush_places(&mut self.tx, d).await?;
        b.tables.flush_people(&mut self.tx, d).await?;
        if self.deferred.is_none() && !b.tables.new_people.is_empty() {
            // The new people's ID grams, derived from their rows (a big import leaves them to its end).
            let ids: Vec<String> = b.tables.new_people.iter().map(i64::to_string).collect();
            let sql =
                search_keys::id_grams_insert_sql(&format!("p.id IN ({})", ids.join(",")), d, false);
            sqlx::query(&sql)
                .persistent(false)
                .execute(&mut *self.tx)
                .await?;
        }
        // A batch's tables are new: what they wrote is this batch's people.
        let mut written = b.tables.persons.written as u64;
        for u in b.updates {
            let after =
                persons::write_update(&mut self.tx, &u.before, &u.valid, &u.household).await?;
            for t in &u.new_tags {
                b.tables.tag(&self.who, &after, t);
            }
            let (before, after) = (
                serde_json::to_string(&u.before)?,
                serde_json::to_string(&after)?,
            );
            let id = u.before.id;
            b.tables.audit(
                &self.who,
                "import_update",
                "person",
                id,
                Some(before),
                Some(after),
            );
            written += 1;
        }
        b.tables.flush_people(&mut self.tx, d).await?;
        self.progress.written.fetch_add(written, Ordering::Relaxed);
        Ok(())
    }
}

/// Whether validated values differ from what is stored.
fn differs(p: &Person, v: &Valid, household: i64) -> bool {
    p.name != v.name
        || p.id_type != v.id_type
        || p.id_number != v.id_number
        || p.birth_date != v.birth_date
        || p.sex != v.sex
        || p.phone != v.phone
        || p.phone2 != v.phone2
        || p.ethnicity != v.ethnicity
        || p.political_status != v.political_status
        || p.marital_status != v.marital_status
        || p.education != v.education
        || p.employment != v.employment
        || p.health != v.health
        || p.hukou_type != v.hukou_type
        || p.hukou_address != v.hukou_address
        || p.residence_address != v.residence_address
        || p.relation != v.relation
        || p.notes != v.notes
        || p.household_id != Some(household)
}

/// A created person as the audit log keeps it: the fields that have a value (a million imported people
/// would otherwise write a million copies of the same empty fields).
fn created_json(p: &Person) -> String {
    match crate::privacy::stored_json(p) {
        Ok(serde_json::Value::Object(mut m)) => {
            m.retain(|_, v| !(v.is_null() || v.as_str() == Some("")));
            serde_json::Value::Object(m).to_string()
        }
        _ => String::new(),
    }
}
