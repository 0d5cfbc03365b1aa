//! Case rows for the demo's bulk inserts, shared by the demo records ([`super::records`]) and the benchmark
//! case volume ([`super::bench_cases`]): the `cases`, `case_events` and `mediations` buffers with their
//! columns, the ids of the three tables, one case row from a [`Case`], its trail from a list of [`Step`]s and
//! its mediation record. Columns one generator does not fill are written as NULL, which is what the table
//! holds when they are left out.

use std::collections::HashMap;

use chrono::{Duration, NaiveDateTime};
use sqlx::{AnyConnection, Row};

use super::bulk::{next_id, Table, V};
use crate::db::Dialect;

/// A timestamp as stored.
pub fn ts(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// A case number: MQ, the day in China (UTC+8) and the id with `width` digits.
pub fn number(created: NaiveDateTime, id: i64, width: usize) -> String {
    format!(
        "MQ{}{:0width$}",
        (created + Duration::hours(8)).format("%Y%m%d"),
        id
    )
}

/// category code → (id, total hours of its stages)
pub async fn categories(conn: &mut AnyConnection) -> anyhow::Result<HashMap<String, (i64, i64)>> {
    Ok(sqlx::query(
        "SELECT code, id, accept_hours + dispatch_hours + handle_hours + close_hours FROM case_categories",
    )
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| (r.get::<String, _>(0), (r.get::<i64, _>(1), r.get::<i64, _>(2))))
    .collect())
}

/// Where a case is.
pub struct Location<'a> {
    pub node: i64,
    pub dwelling: Option<i64>,
    pub street: i64,
    pub community: i64,
    pub grid: i64,
    pub building: i64,
    pub address: &'a str,
}

/// One case as written (the description is "address反映:title", the reporter 居民, the creator the owner).
pub struct Case<'a> {
    pub id: i64,
    pub number: String,
    pub category: i64,
    pub source: &'a str,
    pub title: &'a str,
    pub place: &'a Location<'a>,
    pub reporter_phone: Option<String>,
    pub state: &'a str,
    pub owner: Option<i64>,
    pub assignee_kind: Option<&'a str>,
    pub assignee_user: Option<i64>,
    pub assignee_name: Option<String>,
    pub handler: Option<i64>,
    pub stage_started: NaiveDateTime,
    pub stage_due: Option<NaiveDateTime>,
    pub due: NaiveDateTime,
    pub deadline_status: &'a str,
    pub was_overdue: bool,
    pub rating: Option<&'a str>,
    pub created: NaiveDateTime,
    pub accepted: Option<NaiveDateTime>,
    pub closed: Option<NaiveDateTime>,
    pub rated: Option<NaiveDateTime>,
    pub updated: NaiveDateTime,
}

/// One row of a case's trail: (kind, from state, to state ("" for none), when, dispatched to (user id or 0,
/// name)).
pub type Step<'a> = (
    &'a str,
    Option<&'a str>,
    &'a str,
    NaiveDateTime,
    Option<(i64, String)>,
);

/// The buffered rows of the case tables and their next ids.
pub struct CaseRows {
    pub cases: Table,
    pub events: Table,
    pub mediations: Table,
    next_case: i64,
    next_event: i64,
    next_mediation: i64,
}

impl CaseRows {
    /// Empty buffers; ids follow the largest ones stored.
    pub async fn new(conn: &mut AnyConnection) -> anyhow::Result<CaseRows> {
        Ok(CaseRows {
            cases: Table::new(
                "cases",
                &[
                    "id",
                    "number",
                    "category_id",
                    "source",
                    "title",
                    "description",
                    "location_node_id",
                    "dwelling_id",
                    "street_id",
                    "community_id",
                    "grid_id",
                    "building_id",
                    "address",
                    "reporter_name",
                    "reporter_phone",
                    "state",
                    "owner_id",
                    "assignee_kind",
                    "assignee_user_id",
                    "assignee_name",
                    "handler_id",
                    "stage_started_at",
                    "stage_due_at",
                    "due_at",
                    "deadline_status",
                    "was_overdue",
                    "rating",
                    "created_by",
                    "created_at",
                    "accepted_at",
                    "closed_at",
                    "rated_at",
                    "updated_at",
                ],
            ),
            events: Table::new(
                "case_events",
                &[
                    "id",
                    "case_id",
                    "kind",
                    "from_state",
                    "to_state",
                    "user_id",
                    "who",
                    "to_user_id",
                    "to_name",
                    "note",
                    "at",
                ],
            ),
            mediations: Table::new(
                "mediations",
                &[
                    "id",
                    "case_id",
                    "mediators",
                    "agreement",
                    "result",
                    "result_at",
                    "street_id",
                    "community_id",
                    "grid_id",
                    "building_id",
                    "created_at",
                    "updated_at",
                ],
            ),
            next_case: next_id(conn, "cases").await?,
            next_event: next_id(conn, "case_events").await?,
            next_mediation: next_id(conn, "mediations").await?,
        })
    }

    /// The id of the next case.
    pub fn case_id(&mut self) -> i64 {
        let id = self.next_case;
        self.next_case += 1;
        id
    }

    pub fn case(&mut self, c: &Case) {
        let opt_ts = |t: Option<NaiveDateTime>| t.map(ts).into();
        let p = c.place;
        self.cases.push(vec![
            V::I(c.id),
            c.number.as_str().into(),
            V::I(c.category),
            c.source.into(),
            c.title.into(),
            format!("{}反映:{}", p.address, c.title).into(),
            V::I(p.node),
            p.dwelling.into(),
            V::I(p.street),
            V::I(p.community),
            V::I(p.grid),
            V::I(p.building),
            p.address.into(),
            "居民".into(),
            c.reporter_phone.clone().into(),
            c.state.into(),
            c.owner.into(),
            c.assignee_kind.map(String::from).into(),
            c.assignee_user.into(),
            c.assignee_name.clone().into(),
            c.handler.into(),
            ts(c.stage_started).into(),
            opt_ts(c.stage_due),
            ts(c.due).into(),
            c.deadline_status.into(),
            V::I(c.was_overdue as i64),
            c.rating.map(String::from).into(),
            c.owner.into(),
            ts(c.created).into(),
            opt_ts(c.accepted),
            opt_ts(c.closed),
            opt_ts(c.rated),
            ts(c.updated).into(),
        ]);
    }

    /// The trail of case `c`, by `by` (user id, name): the create step notes "source:title"; an overdue step
    /// is the deadline job's (no user, 系统).
    pub fn trail(&mut self, c: &Case, by: (Option<i64>, &str), steps: Vec<Step>) {
        for (kind, from, to, at, to_user) in steps {
            let by_job = kind == "overdue";
            self.events.push(vec![
                V::I(self.next_event),
                V::I(c.id),
                kind.into(),
                from.map(String::from).into(),
                if to.is_empty() {
                    V::NullS
                } else {
                    V::S(to.into())
                },
                if by_job { V::NullI } else { by.0.into() },
                if by_job { "系统" } else { by.1 }.into(),
                match &to_user {
                    Some((u, _)) if *u > 0 => V::I(*u),
                    _ => V::NullI,
                },
                to_user.map(|(_, n)| n).into(),
                if kind == "create" {
                    V::S(format!("{}:{}", c.source, c.title))
                } else {
                    V::NullS
                },
                ts(at).into(),
            ]);
            self.next_event += 1;
        }
    }

    /// The mediation record of a dispute, opened when the case was accepted and ended when it closed.
    pub fn mediation(
        &mut self,
        c: &Case,
        mediator: &str,
        success: bool,
        accepted: NaiveDateTime,
        closed: NaiveDateTime,
    ) {
        let p = c.place;
        self.mediations.push(vec![
            V::I(self.next_mediation),
            V::I(c.id),
            format!("{mediator}、人民调解员").into(),
            if success {
                "双方达成一致,各自履行"
            } else {
                ""
            }
            .into(),
            if success { "调解成功" } else { "未成功" }.into(),
            ts(closed).into(),
            V::I(p.street),
            V::I(p.community),
            V::I(p.grid),
            V::I(p.building),
            ts(accepted).into(),
            ts(closed).into(),
        ]);
        self.next_mediation += 1;
    }

    /// Writes everything buffered: cases, then their events and mediations.
    pub async fn flush(
        &mut self,
        conn: &mut AnyConnection,
        dialect: Dialect,
    ) -> anyhow::Result<()> {
        self.cases.flush(conn, dialect).await?;
        self.events.flush(conn, dialect).await?;
        self.mediations.flush(conn, dialect).await?;
        Ok(())
    }
}
