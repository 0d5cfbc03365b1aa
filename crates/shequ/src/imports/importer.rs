//! One import in progress: checks each row, decides create / update / unchanged / error, places it, and queues
//! what to write. Rows arrive in chunks; each chunk's ID numbers are looked up in one query, and (when
//! writing) its rows are flushed in a few multi-row statements inside the run's transaction.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;

use chrono::NaiveDate;
use serde_json::json;
use sheetimport::{Field, Problem, Row, Severity};
use sqlx::Row as _;

use super::convert::{self, Extra};
use super::places::Places;
use super::tables::{opt, Tables};
use super::{Counts, Mode, Progress, MAX_PROBLEMS};
use crate::accounts::Actor;
use crate::db::bulk::V;
use crate::db::ids::IdAlloc;
use crate::db::{self, Db, Tx};
use crate::error::{Error, Result};
use crate::registry::households::Household;
use crate::registry::nodes::Node;
use crate::registry::persons::{self, Person, PersonInput, Valid};
use crate::registry::tags::TagType;
use crate::registry::{search_keys, tags, validate};

/// A row that passed the checks that need no database.
struct Checked {
    row: Row,
    valid: Valid,
    extra: Extra,
    move_in: NaiveDate,
    /// (迁出 or 死亡 date, status after it)
    end: Option<(NaiveDate, &'static str, &'static str)>,
}

struct Update {
    before: Person,
    valid: Valid,
    household: Household,
    new_tags: Vec<TagType>,
}

pub struct Importer<'a> {
    db: &'a Db,
    actor: &'a Actor,
    mode: Mode,
    /// False in a dry run, and from the first bad row of an all-or-nothing run.
    pub writing: bool,
    target: Node,
    pub places: Places,
    ids: IdAlloc,
    seen: HashMap<String, usize>,
    tag_types: HashMap<String, TagType>,
    today: NaiveDate,
    now: String,
    pub counts: Counts,
    pub problems: Vec<Problem>,
    health_warned: bool,
    tables: Tables,
    updates: Vec<Update>,
    progress: &'a Progress,
}

/// How a row's stay ends: the date, the date's column and the event kind (迁出 or 死亡).
type Ending = (NaiveDate, &'static str, &'static str);

fn problem(
    row: &Row,
    column: Option<String>,
    value: &str,
    message: String,
    code: &'static str,
    severity: Severity,
) -> Problem {
    Problem {
        sheet: row.sheet.clone(),
        row: row.row,
        column,
        value: value.to_string(),
        message,
        severity,
        code,
    }
}

/// A validation error as a row problem, with the column it is about.
fn from_error(row: &Row, e: Error) -> Problem {
    let (field, message) = match e {
        Error::Invalid { field, message } | Error::Conflict { field, message } => {
            (Some(field), message)
        }
        other => (None, other.to_string()),
    };
    let f = field.as_deref().and_then(convert::field_for_label);
    problem(
        row,
        field.map(|label| f.map(|f| f.header_zh().to_string()).unwrap_or(label)),
        f.map(|f| row.get(f)).unwrap_or(""),
        message,
        "invalid",
        Severity::Error,
    )
}

impl<'a> Importer<'a> {
    pub async fn new(
        db: &'a Db,
        actor: &'a Actor,
        target: Node,
        mode: Mode,
        writing: bool,
        progress: &'a Progress,
    ) -> Result<Importer<'a>> {
        let places = Places::new(db, actor, &target).await?;
        let tag_types = tags::types(db, actor)
            .await?
            .into_iter()
            .map(|t| (t.name.clone(), t))
            .collect();
        Ok(Importer {
            db,
            actor,
            mode,
            writing,
            target,
            places,
            ids: IdAlloc::new(if writing { Some(db.dialect) } else { None }),
            seen: HashMap::new(),
            tag_types,
            today: db::today(),
            now: db::now(),
            counts: Counts::default(),
            problems: Vec::new(),
            health_warned: false,
            tables: Tables::new(),
            updates: Vec::new(),
            progress,
        })
    }

    pub fn count_problem(&mut self, p: &Problem) {
        match p.severity {
            Severity::Error => self.counts.errors += 1,
            Severity::Warning => self.counts.warnings += 1,
        }
    }

    pub fn push_problem(&mut self, p: Problem) {
        self.count_problem(&p);
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(p);
        }
    }

    fn bad_row(&mut self, p: Problem) {
        self.push_problem(p);
        self.counts.error_rows += 1;
        if self.mode == Mode::AllOrNothing && self.writing {
            // Nothing of this run will be written: keep checking, for a complete report.
            self.writing = false;
            self.tables.clear();
            self.updates.clear();
        }
    }

    /// Checks, places and (when writing) writes one chunk of rows.
    pub async fn chunk(
        &mut self,
        items: Vec<(Row, Vec<Problem>)>,
        mut tx: Option<&mut Tx<'static>>,
    ) -> Result<()> {
        if self.writing {
            if let Some(tx) = tx.as_deref_mut() {
                let n = items.len();
                self.ids.ensure(Some(&mut **tx), "persons", n).await?;
                self.ids.ensure(Some(&mut **tx), "households", n).await?;
                self.ids.ensure(Some(&mut **tx), "nodes", 4 * n).await?;
            }
        }
        let mut checked = Vec::with_capacity(items.len());
        for (row, problems) in items {
            self.counts.rows += 1;
            if let Some(c) = self.check(row, problems) {
                checked.push(c);
            }
        }
        self.progress
            .checked
            .store(self.counts.rows, Ordering::Relaxed);
        let existing = self.existing(&checked).await?;
        let existing_tags = self.existing_tags(&existing).await?;
        for c in checked {
            let found = c
                .valid
                .id_number
                .as_ref()
                .and_then(|id| existing.get(id))
                .cloned();
            match found {
                Some(p) => {
                    let have = existing_tags.get(&p.id).cloned().unwrap_or_default();
                    self.plan_update(c, p, &have).await
                }
                None => self.plan_create(c).await,
            }
        }
        if self.writing {
            if let Some(tx) = tx {
                self.flush(tx).await?;
            }
        } else {
            // Nothing will be written: what would be created only needs counting.
            self.places.created.nodes.clear();
            self.places.created.households.clear();
        }
        Ok(())
    }

    /// The checks that need no database: the form's rules, dates, duplicates inside the file.
    fn check(&mut self, row: Row, problems: Vec<Problem>) -> Option<Checked> {
        let bad = problems.iter().any(|p| p.severity == Severity::Error);
        let mut problems = problems.into_iter();
        if bad {
            let first_error = problems
                .by_ref()
                .find(|p| p.severity == Severity::Error)
                .expect("has error");
            for p in problems {
                self.push_problem(p);
            }
            self.bad_row(first_error);
            return None;
        }
        for p in problems {
            self.push_problem(p);
        }
        let sensitive = self.actor.role.sees_sensitive();
        if !sensitive && !row.get(Field::Health).is_empty() && !self.health_warned {
            self.health_warned = true;
            self.push_problem(problem(
                &row,
                Some(Field::Health.header_zh().into()),
                "",
                "您的角色不能登记健康状况,该列不会导入".into(),
                "health_hidden",
                Severity::Warning,
            ));
        }
        let mut input = PersonInput::default();
        convert::overlay(&mut input, &row, sensitive);
        input.household_id = Some(0);
        let valid = match persons::validate_input(&input, self.today) {
            Ok(v) => v,
            Err(e) => {
                let p = from_error(&row, e);
                self.bad_row(p);
                return None;
            }
        };
        if valid.id_type == "居民身份证" {
            if let Some(msg) = convert::birth_mismatch(&row, valid.birth_date.as_deref()) {
                let p = problem(
                    &row,
                    Some("出生日期".into()),
                    row.get(Field::BirthDate),
                    msg,
                    "birth_mismatch",
                    Severity::Error,
                );
                self.bad_row(p);
                return None;
            }
        }
        let extra = convert::extra(&row);
        let dates = (|| -> Result<(NaiveDate, Option<Ending>)> {
            let move_in = validate::past_date("迁入日期", &extra.move_in, self.today, false)?
                .unwrap_or(self.today);
            let out = validate::past_date("迁出日期", &extra.move_out, self.today, false)?;
            let death = validate::past_date("死亡日期", &extra.death, self.today, false)?;
            if valid
                .birth_date
                .as_deref()
                .is_some_and(|b| move_in.to_string().as_str() < b)
            {
                return Err(Error::invalid("迁入日期", "迁入日期不能早于出生日期"));
            }
            let end = match (death, out) {
                (Some(d), _) => Some((d, "死亡", "death")),
                (None, Some(o)) => Some((o, "迁出", "move_out")),
                _ => None,
            };
            if let Some((d, label, _)) = end {
                if d < move_in {
                    return Err(Error::invalid(
                        if label == "死亡" {
                            "死亡日期"
                        } else {
                            "迁出日期"
                        },
                        format!("{label}日期不能早于迁入日期{move_in}"),
                    ));
                }
            }
            Ok((move_in, end))
        })();
        let (move_in, end) = match dates {
            Ok(d) => d,
            Err(e) => {
                let p = from_error(&row, e);
                self.bad_row(p);
                return None;
            }
        };
        if let Some(id) = &valid.id_number {
            if let Some(first) = self.seen.get(id) {
                let msg = format!("证件号码与第{first}行重复,同一人只能出现一次");
                let p = problem(
                    &row,
                    Some(Field::IdNumber.header_zh().into()),
                    id,
                    msg,
                    "duplicate_in_file",
                    Severity::Error,
                );
                self.bad_row(p);
                return None;
            }
            self.seen.insert(id.clone(), row.row);
        }
        Some(Checked {
            row,
            valid,
            extra,
            move_in,
            end,
        })
    }

    /// People of the target street already registered with the chunk's ID numbers.
    async fn existing(&self, checked: &[Checked]) -> Result<HashMap<String, Person>> {
        let ids: Vec<&String> = checked
            .iter()
            .filter_map(|c| c.valid.id_number.as_ref())
            .collect();
        let mut out = HashMap::new();
        for part in ids.chunks(500) {
            let marks: Vec<String> = (0..part.len()).map(|i| format!("${}", i + 2)).collect();
            let sql = format!(
                "SELECT {} FROM persons WHERE street_id = $1 AND id_number IN ({})",
                persons::COLS,
                marks.join(",")
            );
            let mut q = sqlx::query_as::<_, Person>(&sql).bind(self.target.street_id.unwrap_or(0));
            for id in part {
                q = q.bind(id.as_str());
            }
            for p in q.fetch_all(&self.db.pool).await? {
                out.insert(p.id_number.clone().unwrap_or_default(), p);
            }
        }
        Ok(out)
    }

    async fn existing_tags(
        &self,
        people: &HashMap<String, Person>,
    ) -> Result<HashMap<i64, HashSet<i64>>> {
        let ids: Vec<String> = people.values().map(|p| p.id.to_string()).collect();
        let mut out: HashMap<i64, HashSet<i64>> = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let rows = sqlx::query(&format!(
            "SELECT person_id, tag_type_id FROM person_tags WHERE archived = 0 AND person_id IN ({})",
            ids.join(",")
        ))
        .fetch_all(&self.db.pool)
        .await?;
        for r in rows {
            out.entry(r.get(0)).or_default().insert(r.get(1));
        }
        Ok(out)
    }

    /// The special groups a row names that the user may record; the others are reported.
    fn tags_for(&mut self, row: &Row, names: &[String]) -> Vec<TagType> {
        let mut out = Vec::new();
        for name in names {
            match self.tag_types.get(name.trim()).cloned() {
                None => {
                    let msg = format!("重点类别“{name}”不存在或您无权登记,该类别未导入");
                    self.push_problem(problem(
                        row,
                        Some(Field::Tags.header_zh().into()),
                        name,
                        msg,
                        "unknown_tag",
                        Severity::Warning,
                    ));
                }
                Some(t) => {
                    if t.fields.iter().any(|f| f.required) {
                        let msg = format!(
                            "“{}”有必填信息(如{}),请导入后在人员页面补充",
                            t.name,
                            t.fields
                                .iter()
                                .filter(|f| f.required)
                                .map(|f| f.label.as_str())
                                .collect::<Vec<_>>()
                                .join("、")
                        );
                        self.push_problem(problem(
                            row,
                            Some(Field::Tags.header_zh().into()),
                            name,
                            msg,
                            "tag_fields",
                            Severity::Warning,
                        ));
                    }
                    if !out.iter().any(|o: &TagType| o.id == t.id) {
                        out.push(t);
                    }
                }
            }
        }
        out
    }

    async fn grid_of(&mut self, c: &Checked) -> Option<i64> {
        match self
            .places
            .grid_for(self.db, self.target.id, &c.extra.grid_name)
            .await
        {
            Ok(g) => Some(g),
            Err(msg) => {
                let p = problem(
                    &c.row,
                    Some(Field::Grid.header_zh().into()),
                    &c.extra.grid_name,
                    msg,
                    "grid",
                    Severity::Error,
                );
                self.bad_row(p);
                None
            }
        }
    }

    fn place_check(&mut self, c: &Checked, grid: i64) -> bool {
        match self
            .places
            .check(grid, &c.extra.place, &c.extra.household_no)
        {
            Ok(()) => true,
            Err(msg) => {
                let value = [
                    &c.extra.place.estate,
                    &c.extra.place.building,
                    &c.extra.place.unit,
                    &c.extra.place.room,
                ]
                .iter()
                .map(|s| s.as_str())
                .collect::<String>();
                let p = problem(
                    &c.row,
                    Some("现住地址".into()),
                    &value,
                    msg,
                    "place",
                    Severity::Error,
                );
                self.bad_row(p);
                false
            }
        }
    }

    async fn plan_create(&mut self, c: Checked) {
        let Some(grid) = self.grid_of(&c).await else {
            return;
        };
        if !self.place_check(&c, grid) {
            return;
        }
        let new_tags = self.tags_for(&c.row, &c.extra.tags);
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
            created_at: self.now.clone(),
            updated_at: self.now.clone(),
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
            V::S(self.now.clone()),
            V::S(self.now.clone()),
        ]);
        if let Some(n) = &p.id_number {
            for g in search_keys::id_grams(n) {
                self.tables
                    .grams
                    .push(vec![V::S(g), V::I(h.street_id), V::I(id)]);
            }
        }
        self.event(id, "move_in", c.move_in, "导入");
        if let Some((date, _, kind)) = c.end {
            self.event(id, kind, date, "导入");
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
            self.tag(&person, t);
        }
        self.audit("import", "person", id, None, Some(created_json(&person)));
    }

    async fn plan_update(&mut self, c: Checked, before: Person, have: &HashSet<i64>) {
        let inside = self.actor.scope.contains(
            Some(before.street_id),
            Some(before.community_id),
            Some(before.grid_id),
            before.building_id,
        );
        let id_col = Some(Field::IdNumber.header_zh().to_string());
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
        convert::overlay(&mut input, &c.row, self.actor.role.sees_sensitive());
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
            .tags_for(&c.row, &c.extra.tags)
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

    fn event(&mut self, person: i64, kind: &str, date: NaiveDate, note: &str) {
        self.tables.events.push(vec![
            V::I(person),
            V::from(kind),
            V::S(date.to_string()),
            V::from(note),
            V::S(self.now.clone()),
        ]);
    }

    fn tag(&mut self, p: &Person, t: &TagType) {
        self.tables.tags.push(vec![
            V::I(p.id),
            V::I(t.id),
            V::from("{}"),
            V::NullS,
            V::I(p.street_id),
            V::I(p.community_id),
            V::I(p.grid_id),
            V::S(self.now.clone()),
        ]);
        let after = json!({"person_id": p.id, "tag": t.name, "tag_type_id": t.id, "fields": {}})
            .to_string();
        self.audit("import", "person_tag", p.id, None, Some(after));
    }

    fn audit(
        &mut self,
        action: &str,
        entity: &str,
        id: i64,
        before: Option<String>,
        after: Option<String>,
    ) {
        let user = if self.actor.user_id == 0 {
            V::NullI
        } else {
            V::I(self.actor.user_id)
        };
        self.tables.audit.push(vec![
            V::S(self.now.clone()),
            user,
            V::S(self.actor.username.clone()),
            V::from(action),
            V::from(entity),
            V::I(id),
            V::from(before),
            V::from(after),
        ]);
    }

    /// Writes what the chunk queued: new places, new people, then updates one by one.
    async fn flush(&mut self, tx: &mut Tx<'static>) -> Result<()> {
        let d = self.db.dialect;
        let created = std::mem::take(&mut self.places.created.nodes);
        for n in &created {
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
                V::S(self.now.clone()),
                V::S(self.now.clone()),
            ]);
            let after = json!({"kind": n.kind.code(), "name": n.name, "parent_id": n.parent_id})
                .to_string();
            self.audit("import", "node", n.id, None, Some(after));
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
                V::S(self.now.clone()),
                V::S(self.now.clone()),
            ]);
            let after =
                json!({"number": h.number, "dwelling_id": h.dwelling_id, "address": h.address})
                    .to_string();
            self.audit("import", "household", h.id, None, Some(after));
        }
        self.tables.flush_places(tx, d).await?;
        let written_new = self.tables.persons.written;
        self.tables.flush_people(tx, d).await?;
        let mut written = (self.tables.persons.written - written_new) as u64;
        for u in std::mem::take(&mut self.updates) {
            let after = persons::write_update(tx, &u.before, &u.valid, &u.household).await?;
            for t in &u.new_tags {
                self.tag(&after, t);
            }
            let (b, a) = (
                serde_json::to_string(&u.before)?,
                serde_json::to_string(&after)?,
            );
            self.audit("import_update", "person", after.id, Some(b), Some(a));
            written += 1;
        }
        self.tables.flush_people(tx, d).await?;
        self.progress.written.fetch_add(written, Ordering::Relaxed);
        Ok(())
    }

    pub fn counts_with_places(&self) -> Counts {
        let c = &self.places.created;
        Counts {
            estates: c.estates as u64,
            buildings: c.buildings as u64,
            units: c.units as u64,
            dwellings: c.dwellings as u64,
            households: c.household_count as u64,
            ..self.counts.clone()
        }
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
    match serde_json::to_value(p) {
        Ok(serde_json::Value::Object(mut m)) => {
            m.retain(|_, v| !(v.is_null() || v.as_str() == Some("")));
            serde_json::Value::Object(m).to_string()
        }
        _ => String::new(),
    }
}
