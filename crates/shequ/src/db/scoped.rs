//! Scoped tables in one list. Many tables copy scope columns (street_id, community_id, grid_id,
//! building_id) from the area tree so that a scope filter is one comparison. Each is declared here once:
//! the node its row's scope comes from (its anchor), and which rows follow when that node's part of the
//! tree moves. [`follow_move`] updates every declared table in the mover's transaction; a new domain adds
//! its tables here and the move test (tests/it/scoped_move.rs) covers them.
//!
//! What follows a move (docs/ARCHITECTURE.md): where people live now (households, rentals, persons, their
//! tags, open residence periods), open work (open cases and their mediations and attachments, hazards not
//! yet rectified and their photos, active devices, active patrol teams, shifts from today on). Records of
//! work done keep the place where it was done: closed cases, rectified hazards, patrol logs and findings,
//! home visits, closed residence periods, and street-level visit rules.

use crate::cases::State;
use crate::db::Tx;
use crate::error::Result;

/// Which rows of a table follow a move of their anchor.
#[derive(Clone, Copy, Debug)]
pub enum Follows {
    Always,
    /// Rows matching the condition (`$2` in it is today's date).
    When(&'static str),
    /// Records that keep the place they were made in.
    Never,
}

/// One table that copies scope columns.
#[derive(Debug)]
pub struct ScopedTable {
    pub table: &'static str,
    /// Its scope columns (a subset of street_id, community_id, grid_id, building_id).
    pub columns: &'static [&'static str],
    /// SQL for the node whose scope the row copies (may refer to the table by name).
    pub anchor: &'static str,
    pub follows: Follows,
}

const ALL4: &[&str] = &["street_id", "community_id", "grid_id", "building_id"];

/// Open case states, for conditions.
const OPEN_CASES: &str = "('reported','accepted','dispatched','handling','verified')";

/// Every table that copies scope columns from the tree, parents before the rows that read them.
pub const TABLES: &[ScopedTable] = &[
    ScopedTable { table: "households", columns: ALL4, anchor: "households.dwelling_id", follows: Follows::Always },
    ScopedTable { table: "rentals", columns: ALL4, anchor: "rentals.dwelling_id", follows: Follows::Always },
    ScopedTable {
        table: "persons",
        columns: ALL4,
        anchor: "(SELECT h.dwelling_id FROM households h WHERE h.id = persons.household_id)",
        follows: Follows::Always,
    },
    ScopedTable {
        table: "person_tags",
        columns: &["street_id", "community_id", "grid_id"],
        anchor: "(SELECT h.dwelling_id FROM households h JOIN persons p ON p.household_id = h.id WHERE p.id = person_tags.person_id)",
        follows: Follows::Always,
    },
    ScopedTable {
        table: "residence_periods",
        columns: ALL4,
        anchor: "(SELECT h.dwelling_id FROM households h JOIN persons p ON p.household_id = h.id WHERE p.id = residence_periods.person_id)",
        follows: Follows::When("residence_periods.to_date IS NULL"),
    },
    ScopedTable {
        table: "cases",
        columns: ALL4,
        anchor: "cases.location_node_id",
        follows: Follows::When("cases.state IN ('reported','accepted','dispatched','handling','verified')"),
    },
    ScopedTable {
        table: "mediations",
        columns: ALL4,
        anchor: "(SELECT c.location_node_id FROM cases c WHERE c.id = mediations.case_id)",
        follows: Follows::When(
            "mediations.case_id IN (SELECT c.id FROM cases c WHERE c.state IN ('reported','accepted','dispatched','handling','verified'))",
        ),
    },
    ScopedTable {
        table: "hazards",
        columns: ALL4,
        anchor: "hazards.location_node_id",
        follows: Follows::When("hazards.state <> 'rectified'"),
    },
    ScopedTable {
        table: "attachments",
        columns: ALL4,
        anchor: "(CASE attachments.owner_kind \
                  WHEN 'case' THEN (SELECT c.location_node_id FROM cases c WHERE c.id = attachments.owner_id) \
                  WHEN 'hazard' THEN (SELECT h.location_node_id FROM hazards h WHERE h.id = attachments.owner_id) END)",
        follows: Follows::When(
            "((attachments.owner_kind = 'case' AND attachments.owner_id IN (SELECT c.id FROM cases c WHERE c.state IN ('reported','accepted','dispatched','handling','verified'))) \
              OR (attachments.owner_kind = 'hazard' AND attachments.owner_id IN (SELECT h.id FROM hazards h WHERE h.state <> 'rectified')))",
        ),
    },
    ScopedTable {
        table: "devices",
        columns: ALL4,
        anchor: "devices.location_node_id",
        follows: Follows::When("devices.archived = 0"),
    },
    ScopedTable {
        table: "patrol_teams",
        columns: ALL4,
        anchor: "COALESCE(patrol_teams.building_id, patrol_teams.grid_id, patrol_teams.community_id)",
        follows: Follows::When("patrol_teams.archived = 0"),
    },
    ScopedTable {
        table: "patrol_shifts",
        columns: ALL4,
        anchor: "patrol_shifts.area_node_id",
        follows: Follows::When("patrol_shifts.on_date >= $2"),
    },
    ScopedTable { table: "patrol_logs", columns: ALL4, anchor: "patrol_logs.area_node_id", follows: Follows::Never },
    ScopedTable {
        table: "patrol_findings",
        columns: ALL4,
        anchor: "patrol_findings.location_node_id",
        follows: Follows::Never,
    },
    ScopedTable {
        table: "visits",
        columns: ALL4,
        anchor: "(SELECT h.dwelling_id FROM households h WHERE h.id = visits.household_id)",
        follows: Follows::Never,
    },
    ScopedTable { table: "visit_rules", columns: &["street_id"], anchor: "visit_rules.street_id", follows: Follows::Never },
    // A report is of its node: a draft follows the node; a finalised one keeps the place it was written for.
    ScopedTable {
        table: "work_reports",
        columns: ALL4,
        anchor: "work_reports.node_id",
        follows: Follows::When("work_reports.status = 'draft'"),
    },
    ScopedTable { table: "report_templates", columns: &["street_id"], anchor: "report_templates.street_id", follows: Follows::Never },
    ScopedTable { table: "custom_ledgers", columns: &["street_id"], anchor: "custom_ledgers.street_id", follows: Follows::Never },
    // Self-governance: every record is of its community and stays there.
    ScopedTable { table: "proposals", columns: &["street_id", "community_id"], anchor: "proposals.community_id", follows: Follows::Never },
    ScopedTable { table: "votes", columns: &["street_id", "community_id"], anchor: "votes.community_id", follows: Follows::Never },
    ScopedTable { table: "meetings", columns: &["street_id", "community_id"], anchor: "meetings.community_id", follows: Follows::Never },
    ScopedTable { table: "resolutions", columns: &["street_id", "community_id"], anchor: "resolutions.community_id", follows: Follows::Never },
    ScopedTable { table: "resolution_tasks", columns: &["street_id", "community_id"], anchor: "resolution_tasks.community_id", follows: Follows::Never },
    ScopedTable { table: "finance_entries", columns: &["street_id", "community_id"], anchor: "finance_entries.community_id", follows: Follows::Never },
    ScopedTable { table: "surveys", columns: &["street_id", "community_id"], anchor: "surveys.community_id", follows: Follows::Never },
    ScopedTable { table: "standards", columns: &["street_id"], anchor: "standards.street_id", follows: Follows::Never },
    ScopedTable { table: "inspections", columns: &["street_id", "community_id"], anchor: "inspections.community_id", follows: Follows::Never },
    ScopedTable { table: "inspection_evidence", columns: &["street_id", "community_id"], anchor: "inspection_evidence.community_id", follows: Follows::Never },
    ScopedTable { table: "rectifications", columns: &["street_id", "community_id"], anchor: "rectifications.community_id", follows: Follows::Never },
    ScopedTable { table: "admission_tasks", columns: &["street_id"], anchor: "admission_tasks.street_id", follows: Follows::Never },
    ScopedTable { table: "admission_dispatches", columns: &["street_id", "community_id"], anchor: "admission_dispatches.community_id", follows: Follows::Never },
    ScopedTable { table: "selections", columns: &["street_id", "community_id"], anchor: "selections.community_id", follows: Follows::Never },
    ScopedTable { table: "selection_nominees", columns: &["street_id", "community_id"], anchor: "selection_nominees.community_id", follows: Follows::Never },
    ScopedTable { table: "honours", columns: &["street_id", "community_id"], anchor: "honours.community_id", follows: Follows::Never },
    ScopedTable { table: "admission_returns", columns: &["street_id", "community_id"], anchor: "admission_returns.community_id", follows: Follows::Never },
    ScopedTable { table: "finance_statements", columns: &["street_id", "community_id"], anchor: "finance_statements.community_id", follows: Follows::Never },
    // Services (issue 18): of a community (or a grid of it); the organisation, team or room follows, the
    // work done (activities, bookings, service records, meetings, agreements signed) keeps its place.
    ScopedTable { table: "activities", columns: ALL4, anchor: "COALESCE(activities.grid_id, activities.community_id)", follows: Follows::Never },
    ScopedTable { table: "venues", columns: ALL4, anchor: "COALESCE(venues.grid_id, venues.community_id)", follows: Follows::When("venues.archived = 0") },
    ScopedTable { table: "venue_bookings", columns: ALL4, anchor: "COALESCE(venue_bookings.grid_id, venue_bookings.community_id)", follows: Follows::Never },
    ScopedTable { table: "volunteer_teams", columns: ALL4, anchor: "COALESCE(volunteer_teams.grid_id, volunteer_teams.community_id)", follows: Follows::When("volunteer_teams.archived = 0") },
    ScopedTable { table: "volunteer_records", columns: ALL4, anchor: "COALESCE(volunteer_records.grid_id, volunteer_records.community_id)", follows: Follows::Never },
    ScopedTable { table: "party_orgs", columns: ALL4, anchor: "COALESCE(party_orgs.grid_id, party_orgs.community_id)", follows: Follows::When("party_orgs.archived = 0") },
    ScopedTable {
        table: "party_members",
        columns: ALL4,
        anchor: "(SELECT COALESCE(o.grid_id, o.community_id) FROM party_orgs o WHERE o.id = party_members.org_id)",
        follows: Follows::When("party_members.active = 1"),
    },
    ScopedTable { table: "party_meetings", columns: ALL4, anchor: "COALESCE(party_meetings.grid_id, party_meetings.community_id)", follows: Follows::Never },
    ScopedTable { table: "service_units", columns: ALL4, anchor: "COALESCE(service_units.grid_id, service_units.community_id)", follows: Follows::When("service_units.archived = 0") },
    ScopedTable { table: "agreements", columns: ALL4, anchor: "COALESCE(agreements.grid_id, agreements.community_id)", follows: Follows::Never },
    // Welfare: open applications and live grants follow the household; events, reviews, payments and
    // distributions keep the place they were made in; live care pairs follow the person.
    ScopedTable { table: "welfare_programmes", columns: &["street_id"], anchor: "welfare_programmes.street_id", follows: Follows::Never },
    ScopedTable {
        table: "welfare_applications",
        columns: ALL4,
        anchor: "(SELECT h.dwelling_id FROM households h WHERE h.id = welfare_applications.household_id)",
        follows: Follows::When("welfare_applications.state IN ('applied','investigated','deliberated','audited','notice')"),
    },
    ScopedTable {
        table: "welfare_grants",
        columns: ALL4,
        anchor: "(SELECT h.dwelling_id FROM households h WHERE h.id = welfare_grants.household_id)",
        follows: Follows::When("welfare_grants.status <> 'cancelled'"),
    },
    ScopedTable {
        table: "welfare_events",
        columns: ALL4,
        anchor: "(SELECT h.dwelling_id FROM households h WHERE h.id = welfare_events.household_id)",
        follows: Follows::Never,
    },
    ScopedTable {
        table: "welfare_reviews",
        columns: ALL4,
        anchor: "(SELECT h.dwelling_id FROM households h JOIN welfare_grants g ON g.household_id = h.id WHERE g.id = welfare_reviews.grant_id)",
        follows: Follows::Never,
    },
    ScopedTable {
        table: "welfare_payment_lists",
        columns: &["street_id", "community_id"],
        anchor: "welfare_payment_lists.community_id",
        follows: Follows::Never,
    },
    ScopedTable {
        table: "welfare_payments",
        columns: ALL4,
        anchor: "(SELECT h.dwelling_id FROM households h WHERE h.id = welfare_payments.household_id)",
        follows: Follows::Never,
    },
    ScopedTable {
        table: "welfare_distributions",
        columns: ALL4,
        anchor: "(SELECT h.dwelling_id FROM households h WHERE h.id = welfare_distributions.household_id)",
        follows: Follows::Never,
    },
    ScopedTable {
        table: "care_pairs",
        columns: ALL4,
        anchor: "(SELECT h.dwelling_id FROM households h JOIN persons p ON p.household_id = h.id WHERE p.id = care_pairs.person_id)",
        follows: Follows::When("care_pairs.ended_on IS NULL"),
    },
    ScopedTable {
        table: "care_contacts",
        columns: ALL4,
        anchor: "(SELECT h.dwelling_id FROM households h JOIN persons p ON p.household_id = h.id JOIN care_pairs c ON c.person_id = p.id WHERE c.id = care_contacts.pair_id)",
        follows: Follows::Never,
    },
];

/// After the nodes under `path_like` (a `LIKE` pattern on nodes.path) took their new scope columns, copies
/// them to every declared table's rows that follow. Returns the rows changed per table.
pub async fn follow_move(tx: &mut Tx<'_>, path_like: &str) -> Result<Vec<(&'static str, u64)>> {
    debug_assert!(OPEN_CASES == State::open_sql());
    let today = crate::db::today().to_string();
    let mut out = Vec::new();
    for t in TABLES {
        let cond = match t.follows {
            Follows::Never => continue,
            Follows::Always => String::new(),
            Follows::When(c) => format!(" AND {c}"),
        };
        // Only fixed text from the list above is spliced in; the pattern and the date are bound.
        let sets: Vec<String> = t
            .columns
            .iter()
            .map(|c| {
                format!(
                    "{c} = (SELECT n.{c} FROM nodes n WHERE n.id = {})",
                    t.anchor
                )
            })
            .collect();
        let sql = format!(
            "UPDATE {} SET {} WHERE {} IN (SELECT id FROM nodes WHERE path LIKE $1){cond}",
            t.table,
            sets.join(", "),
            t.anchor
        );
        let mut q = sqlx::query(&sql).bind(path_like);
        if cond.contains("$2") {
            q = q.bind(&today);
        }
        let n = q.execute(&mut **tx).await?.rows_affected();
        out.push((t.table, n));
    }
    Ok(out)
}
