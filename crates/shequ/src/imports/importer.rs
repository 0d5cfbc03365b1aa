//! One import in progress: checks each row, decides create / update / unchanged / error, places it, and queues
//! what to write. Rows arrive in chunks; each chunk's ID numbers are looked up in one query, and (when
//! writing) the chunk's rows go to the writer task as one batch (what is written for a row is in `writes`,
//! the transaction in `writer`).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;

use chrono::NaiveDate;
use sheetimport::{Field, Problem, Row, Severity};
use sqlx::Row as _;

use super::convert::{self, Extra};
use super::places::Places;
use super::tables::{Tables, Who};
use super::writer::Job;
use super::{Counts, Mode, Progress, MAX_PROBLEMS};
use crate::accounts::Actor;
use crate::db::ids::IdAlloc;
use crate::db::{self, Db, Dialect};
use crate::error::{Error, Result};
use crate::registry::households::Household;
use crate::registry::nodes::Node;
use crate::registry::persons::{self, Person, PersonInput, Valid};
use crate::registry::tags::TagType;
use crate::registry::{tags, validate};

/// A row that passed the checks that need no database.
pub(super) struct Checked {
    pub(super) row: Row,
    pub(super) valid: Valid,
    pub(super) extra: Extra,
    pub(super) move_in: NaiveDate,
    /// (迁出 or 死亡 date, status after it)
    pub(super) end: Option<Ending>,
}

pub(super) struct Update {
    pub(super) before: Person,
    pub(super) valid: Valid,
    pub(super) household: Household,
    pub(super) new_tags: Vec<TagType>,
}

pub struct Importer<'a> {
    pub(super) db: &'a Db,
    pub(super) actor: &'a Actor,
    pub(super) mode: Mode,
    /// False in a dry run, and from the first bad row of an all-or-nothing run.
    pub writing: bool,
    pub(super) target: Node,
    pub places: Places,
    pub(super) ids: IdAlloc,
    pub(super) seen: super::seen::SeenIds,
    pub(super) tag_types: HashMap<String, TagType>,
    pub(super) today: NaiveDate,
    pub(super) who: Who,
    pub counts: Counts,
    pub problems: Vec<Problem>,
    pub(super) health_warned: bool,
    pub(super) tables: Tables,
    pub(super) updates: Vec<Update>,
    pub(super) progress: &'a Progress,
    /// Whether a big SQLite import has set indexes aside (see `big`).
    pub(super) big: super::big::BigWrite,
    /// Where checked chunks go to be written (see `writer`); none in a dry run.
    pub(super) jobs: Option<tokio::sync::mpsc::Sender<Job>>,
}

/// How a row's stay ends: the date, the date's column and the event kind (迁出 or 死亡).
pub(super) type Ending = (NaiveDate, &'static str, &'static str);

pub(super) fn problem(
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
        // A cell can be long (up to sheetimport::limits::MAX_ROW_CHARS); 200,000 problems are kept.
        value: sheetimport::limits::clip(value, sheetimport::limits::MAX_PROBLEM_VALUE_CHARS),
        message,
        severity,
        code,
    }
}

/// A validation error as a row problem, with the column it is about.
pub(super) fn from_error(row: &Row, e: Error) -> Problem {
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
            seen: Default::default(),
            tag_types,
            today: db::today(),
            who: Who::new(actor, db::now()),
            counts: Counts::default(),
            problems: Vec::new(),
            health_warned: false,
            tables: Tables::new(),
            updates: Vec::new(),
            progress,
            big: super::big::BigWrite::new(),
            jobs: None,
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

    pub(super) fn bad_row(&mut self, p: Problem) {
        self.push_problem(p);
        self.counts.error_rows += 1;
        if self.mode == Mode::AllOrNothing && self.writing {
            // Nothing of this run will be written: keep checking, for a complete report.
            self.writing = false;
            self.tables.clear();
            self.updates.clear();
        }
    }

    /// Checks, places and (when writing) hands one chunk of rows to the writer.
    pub async fn chunk(&mut self, items: Vec<(Row, Vec<Problem>)>) -> Result<()> {
        if self.writing && self.db.dialect == Dialect::Postgres {
            // Ids from the tables' sequences, on any connection (the writer has the transaction); SQLite's
            // continue from what the writer read when it took the write lock.
            let mut conn = self.db.pool.acquire().await?;
            let n = items.len();
            self.ids.ensure(Some(&mut *conn), "persons", n).await?;
            self.ids.ensure(Some(&mut *conn), "households", n).await?;
            self.ids.ensure(Some(&mut *conn), "nodes", 4 * n).await?;
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
            if let Some(jobs) = self.jobs.clone() {
                let big = self.turns_big().await?;
                let batch = self.batch();
                self.big.sent += batch.tables.persons.len() as i64;
                let stopped = || Error::Other(anyhow::anyhow!("写入数据库的任务已停止"));
                if big {
                    jobs.send(Job::GoBig).await.map_err(|_| stopped())?;
                }
                jobs.send(Job::Batch(Box::new(batch)))
                    .await
                    .map_err(|_| stopped())?;
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
            if let Some(first) = self.seen.first_row(id) {
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
            self.seen.insert(id, row.row);
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
    pub(super) fn tags_for(&mut self, row: &Row, names: &[String]) -> Vec<TagType> {
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

    pub(super) async fn grid_of(&mut self, c: &Checked) -> Option<i64> {
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

    pub(super) fn place_check(&mut self, c: &Checked, grid: i64) -> bool {
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
