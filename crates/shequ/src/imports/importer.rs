//! One import in progress: checks each row, decides create / update / unchanged / error, places it, and queues
//! what to write. Rows arrive in chunks; each chunk's ID numbers are looked up in one query, and (when
//! writing) the chunk's rows go to the writer task as one batch (what is written for a row is in `writes`,
//! the transaction in `writer`).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;

use chrono::NaiveDate;
use sheetimport::{codes, Field, Problem, Row, Severity};
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
    /// Whether the row gave its 迁入日期 (else `move_in` is where the stay is recorded from, not a fact).
    pub(super) move_in_known: bool,
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
    /// The street's synonyms (shipped and its own, see `synonyms`).
    pub(super) vocab: super::synonyms::StreetVocab,
}

/// How a row's stay ends: the date, the date's column and the event kind (迁出 or 死亡).
pub(super) type Ending = (NaiveDate, &'static str, &'static str);

/// 状态 as people write it: 在住, 迁出 or 死亡.
fn status_of(typed: &str) -> Option<&'static str> {
    match typed {
        "在住" | "正常" | "在册" | "现住" => Some("在住"),
        "迁出" | "已迁出" => Some("迁出"),
        "死亡" | "已死亡" | "去世" | "亡故" => Some("死亡"),
        _ => None,
    }
}

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
        field.map(|label| f.map(|f| row.label(f)).unwrap_or(label)),
        f.map(|f| row.get(f)).unwrap_or(""),
        message,
        "invalid",
        Severity::Error,
    )
}

/// The form's rules, every one: a field that fails is reported, set aside and the rest checked again, so that
/// a row with a bad ID and a bad phone shows both. A field `sheetimport` could not read is not reported again.
/// Returns the valid input when nothing failed.
fn form_rules(
    row: &Row,
    input: &mut PersonInput,
    today: NaiveDate,
    errors: &mut Vec<Problem>,
) -> Option<Valid> {
    let mut failed: Vec<String> = Vec::new();
    for _ in 0..24 {
        match persons::validate_input(input, today) {
            Ok(v) => return (failed.is_empty() && errors.is_empty()).then_some(v),
            Err(e) => {
                let label = match &e {
                    Error::Invalid { field, .. } | Error::Conflict { field, .. } => field.clone(),
                    _ => String::new(),
                };
                if failed.contains(&label) || !set_aside(input, &label) {
                    if !failed.contains(&label) {
                        errors.push(from_error(row, e));
                    }
                    return None;
                }
                let sheet_field = convert::field_for_label(&label);
                if !sheet_field.is_some_and(|f| row.invalid.contains(&f)) {
                    errors.push(from_error(row, e));
                }
                failed.push(label);
            }
        }
    }
    None
}

/// A valid GB 11643 number (the standard's own example) standing in for a bad one while the rest of the row
/// is checked; never stored (the row is refused).
const STAND_IN_ID: &str = "11010519491231002X";

/// Replaces a failed field by a value the form accepts, so that the next fields are checked too.
fn set_aside(i: &mut PersonInput, label: &str) -> bool {
    match label {
        "姓名" => i.name = "甲".into(),
        "证件类型" => i.id_type = "其他".into(),
        "身份证号" => {
            i.id_number = STAND_IN_ID.into();
            i.sex.clear();
        }
        "证件号码" => i.id_number = "0".into(),
        "性别" => i.sex.clear(),
        "出生日期" => i.birth_date.clear(),
        "户籍类型" => i.hukou_type.clear(),
        "联系电话" => i.phone.clear(),
        "备用电话" => i.phone2.clear(),
        "民族" => i.ethnicity.clear(),
        "政治面貌" => i.political_status.clear(),
        "婚姻状况" => i.marital_status.clear(),
        "文化程度" => i.education.clear(),
        "就业状况" => i.employment.clear(),
        "健康状况" => i.health.clear(),
        "户籍地址" => i.hukou_address.clear(),
        "实际居住地" => i.residence_address.clear(),
        "与户主关系" => i.relation.clear(),
        "备注" => i.notes.clear(),
        _ => return false,
    }
    true
}

impl<'a> Importer<'a> {
    pub async fn new(
        db: &'a Db,
        actor: &'a Actor,
        target: Node,
        mode: Mode,
        writing: bool,
        create_places: bool,
        progress: &'a Progress,
    ) -> Result<Importer<'a>> {
        let places = Places::new(db, actor, &target, create_places).await?;
        let vocab = super::synonyms::load(db, target.street_id).await?;
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
            vocab,
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

    /// The checks that need no database: the form's rules, dates, duplicates inside the file. Every bad cell
    /// of a row is reported (not only the first); a row with any error is not imported.
    fn check(&mut self, row: Row, problems: Vec<Problem>) -> Option<Checked> {
        let mut errors: Vec<Problem> = Vec::new();
        for p in problems {
            if p.severity == Severity::Error {
                errors.push(p);
            } else {
                self.push_problem(p);
            }
        }
        let sensitive = self.actor.role.sees_sensitive();
        if !sensitive && !row.get(Field::Health).is_empty() && !self.health_warned {
            self.health_warned = true;
            self.push_problem(problem(
                &row,
                Some(row.label(Field::Health)),
                "",
                "您的角色不能登记健康状况,该列不会导入".into(),
                "health_hidden",
                Severity::Warning,
            ));
        }
        let mut input = PersonInput::default();
        let mut notices = convert::overlay(&mut input, &row, sensitive);
        notices.extend(convert::vocabularies(&mut input, &self.vocab));
        let mut extra = convert::extra(&row);
        for (f, value, msg) in notices {
            let column = Some(row.label(f));
            let p = problem(
                &row,
                column,
                &value,
                msg,
                codes::NORMALISED,
                Severity::Warning,
            );
            self.push_problem(p);
        }
        input.household_id = Some(0);
        let valid = form_rules(&row, &mut input, self.today, &mut errors);
        if let Some(v) = valid.as_ref().filter(|v| v.id_type == "居民身份证") {
            if let Some(msg) = convert::birth_mismatch(&row, v.birth_date.as_deref()) {
                errors.push(problem(
                    &row,
                    Some("出生日期".into()),
                    row.get(Field::BirthDate),
                    msg,
                    "birth_mismatch",
                    Severity::Error,
                ));
            }
        }
        let birth = valid.as_ref().and_then(|v| v.birth_date.clone());
        let (move_in, end) = self.dates(&row, &extra, birth.as_deref(), &mut errors);
        self.key_person_and_move_to(&row, &mut extra, end.is_some_and(|e| e.2 == "move_out"));
        if let Some(id) = valid.as_ref().and_then(|v| v.id_number.as_ref()) {
            if let Some(first) = self.seen.first_row(id) {
                let msg = format!("证件号码与第{first}行重复,同一人只能出现一次");
                errors.push(problem(
                    &row,
                    Some(row.label(Field::IdNumber)),
                    id,
                    msg,
                    "duplicate_in_file",
                    Severity::Error,
                ));
            } else if errors.is_empty() {
                self.seen.insert(id, row.row);
            }
        }
        if let Some(last) = errors.pop() {
            for p in errors {
                self.push_problem(p);
            }
            self.bad_row(last);
            return None;
        }
        let mut valid = valid?;
        if extra.note_move_to {
            let mut notes = valid.notes.take().unwrap_or_default();
            convert::append_note(&mut notes, &format!("迁往地:{}", extra.move_to));
            valid.notes = Some(notes);
        }
        let move_in_known = move_in.is_some();
        let move_in = match move_in {
            Some(d) => d,
            None => {
                // Unknown: the stay is recorded from its end (迁出/死亡), else from the import day; counted and
                // said once for the file (see `run`).
                self.counts.no_move_in += 1;
                end.map(|e| e.0).unwrap_or(self.today)
            }
        };
        Some(Checked {
            row,
            valid,
            extra,
            move_in,
            move_in_known,
            end,
        })
    }

    /// 迁入, 迁出 and 死亡 dates, and the 是否已迁出 / 是否已死亡 answers they must agree with. A missing 迁入日期
    /// stays unknown (`None`) and is never compared with today.
    fn dates(
        &self,
        row: &Row,
        extra: &Extra,
        birth: Option<&str>,
        errors: &mut Vec<Problem>,
    ) -> (Option<NaiveDate>, Option<Ending>) {
        let readable = |f: Field, v: &str| {
            if row.invalid.contains(&f) {
                String::new()
            } else {
                v.to_string()
            }
        };
        let mut date = |label: &'static str, f: Field, v: &str| match validate::past_date(
            label,
            &readable(f, v),
            self.today,
            false,
        ) {
            Ok(d) => d,
            Err(e) => {
                errors.push(from_error(row, e));
                None
            }
        };
        let move_in = date("迁入日期", Field::MoveIn, &extra.move_in);
        let out = date("迁出日期", Field::MoveOut, &extra.move_out);
        let death = date("死亡日期", Field::Death, &extra.death);
        let mut err = |f: Field, value: &str, msg: String| {
            errors.push(problem(
                row,
                Some(row.label(f)),
                value,
                msg,
                sheetimport::codes::INCONSISTENT,
                Severity::Error,
            ));
        };
        if let (Some(m), Some(b)) = (move_in, birth) {
            if m.to_string().as_str() < b {
                err(
                    Field::MoveIn,
                    &extra.move_in,
                    "迁入日期不能早于出生日期".into(),
                );
            }
        }
        for (flag, given, f, date_field) in [
            (extra.dead, death.is_some(), Field::Dead, Field::Death),
            (
                extra.moved_out,
                out.is_some(),
                Field::MovedOut,
                Field::MoveOut,
            ),
        ] {
            let date_col = date_field.header_zh();
            match flag {
                // An unreadable date is reported already.
                Some(true) if !given && !row.invalid.contains(&date_field) => err(
                    f,
                    "是",
                    format!(
                        "{}为“是”,但未填写{date_col};请填写{date_col}",
                        f.header_zh()
                    ),
                ),
                Some(false) if given => err(
                    f,
                    "否",
                    format!("{}为“否”,但填写了{date_col},两者不一致", f.header_zh()),
                ),
                _ => {}
            }
        }
        let end = match (death, out) {
            (Some(d), _) => Some((d, "死亡", "death")),
            (None, Some(o)) => Some((o, "迁出", "move_out")),
            _ => None,
        };
        if let (Some((d, label, _)), Some(m)) = (end, move_in) {
            if d < m {
                let f = if label == "死亡" {
                    Field::Death
                } else {
                    Field::MoveOut
                };
                err(f, &d.to_string(), format!("{label}日期不能早于迁入日期{m}"));
            }
        }
        // 状态 (as shequ's export writes it) must agree with the dates, which decide the state.
        let typed = row.get(Field::Status).trim();
        let unreadable = [Field::MoveOut, Field::Death]
            .iter()
            .any(|f| row.invalid.contains(f));
        if !typed.is_empty() && !unreadable {
            let by_dates = end.map(|e| e.1).unwrap_or("在住");
            match status_of(typed) {
                None => err(
                    Field::Status,
                    typed,
                    format!("状态“{typed}”应为在住、迁出或死亡"),
                ),
                Some(st) if st != by_dates => {
                    let why = if by_dates == "在住" {
                        format!("未填写{st}日期")
                    } else {
                        format!("填写了{by_dates}日期")
                    };
                    err(
                        Field::Status,
                        typed,
                        format!("状态为“{st}”,但{why},两者不一致"),
                    )
                }
                Some(_) => {}
            }
        }
        (move_in, end)
    }

    /// 是否重点人员 against the 重点类别 column, and 迁往地: kept with the 迁出 event, or in 备注 when the row
    /// has none (a notice either way when it is not where it belongs).
    fn key_person_and_move_to(&mut self, row: &Row, extra: &mut Extra, moves_out: bool) {
        let col = Some(row.label(Field::KeyPerson));
        match extra.key_person {
            Some(true) if extra.tags.is_empty() => {
                let msg = "是否重点人员为“是”,但未填写重点类别,未登记任何类别".to_string();
                let p = problem(row, col, "是", msg, codes::NORMALISED, Severity::Warning);
                self.push_problem(p);
            }
            Some(false) if !extra.tags.is_empty() => {
                let msg = "是否重点人员为“否”,但填写了重点类别,按重点类别登记".to_string();
                let p = problem(row, col, "否", msg, codes::NORMALISED, Severity::Warning);
                self.push_problem(p);
            }
            _ => {}
        }
        if !extra.move_to.is_empty() && !moves_out {
            let msg = format!("没有迁出日期,迁往地“{}”记入备注", extra.move_to);
            let col = Some(row.label(Field::MoveTo));
            let p = problem(
                row,
                col,
                &extra.move_to,
                msg,
                codes::NORMALISED,
                Severity::Warning,
            );
            self.push_problem(p);
            extra.note_move_to = true;
        }
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
    pub(super) fn tags_for(
        &mut self,
        row: &Row,
        names: &[String],
        birth: Option<&str>,
    ) -> Vec<TagType> {
        let mut out = Vec::new();
        for name in names {
            let tag = self.tag_types.get(name.trim()).cloned();
            if let Some(why) = tag
                .as_ref()
                .and_then(|t| tags::rule_refusal(t, birth, self.today))
            {
                let msg = format!("{why},该类别未导入");
                self.push_problem(problem(
                    row,
                    Some(row.label(Field::Tags)),
                    name,
                    msg,
                    "tag_rule",
                    Severity::Warning,
                ));
                continue;
            }
            match tag {
                None => {
                    let msg = format!("重点类别“{name}”不存在或您无权登记,该类别未导入");
                    self.push_problem(problem(
                        row,
                        Some(row.label(Field::Tags)),
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
                            Some(row.label(Field::Tags)),
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
                    Some(c.row.label(Field::Grid)),
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
