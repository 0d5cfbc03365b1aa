//! Importing the person registry from the spreadsheets communities keep (.xlsx, .xls, .csv).
//!
//! `sheetimport` reads and normalises each row; here every row is checked with the same rules as the form
//! (`registry::persons::validate_input`), matched by ID number (update) or created, placed in the tree under
//! the chosen grid (estates, buildings, units, dwellings and households are created when the file names ones
//! that do not exist), and written in batches inside ONE transaction: a crash, a kill or a refused
//! all-or-nothing run leaves the database as it was. A dry run does everything but write.
//!
//! Nothing here knows HTTP: the web layer and the CLI call [`run`] with a [`Progress`] they show.

pub mod address;
mod big;
pub mod convert;
mod importer;
mod places;
pub mod report;
mod run;
mod seen;
pub mod synonyms;
mod tables;
pub mod vocab;
mod writer;
mod writes;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

pub use big::BIG_AFTER;
pub use run::run;

/// What to do with the rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Check everything, write nothing.
    DryRun,
    /// Write every valid row; rows with errors are skipped (and listed).
    ValidRows,
    /// Write only if no row has an error; otherwise write nothing.
    AllOrNothing,
}

impl Mode {
    pub fn label_zh(self) -> &'static str {
        match self {
            Mode::DryRun => "预检(不写入)",
            Mode::ValidRows => "导入全部有效行",
            Mode::AllOrNothing => "全部无误才导入",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Options {
    /// The grid rows go to unless their 所属网格 column names another grid the user may write to.
    pub grid_id: i64,
    pub mode: Mode,
    /// The name the user gave the file (for the audit log and the report).
    pub file_name: String,
    /// Whether estates and buildings the file names that are not registered yet are created (the user ticks
    /// it); otherwise such a row is refused and the dry run lists what would be created.
    pub create_places: bool,
}

/// The figures of a run. In a dry run, "created"/"updated" are what a real run would do.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Counts {
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Rows with at least one error (not imported).
    pub error_rows: u64,
    pub errors: u64,
    pub warnings: u64,
    pub estates: u64,
    pub buildings: u64,
    pub units: u64,
    pub dwellings: u64,
    pub households: u64,
    pub tags: u64,
    /// Rows without a 迁入日期 (the stay is recorded from its end, else from the import day).
    pub no_move_in: u64,
    /// Estates and buildings the file names that are not registered (their rows were refused because the
    /// user did not allow creating them).
    pub places_missing: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    pub mode: Mode,
    pub counts: Counts,
    /// Every problem, file-level ones first (at most [`MAX_PROBLEMS`]; `counts` has the totals).
    pub problems: Vec<sheetimport::Problem>,
    /// Whether the batch was written (always false for a dry run).
    pub committed: bool,
    /// Why nothing was written in an all-or-nothing run, or when the file itself is unusable.
    pub refused: Option<String>,
    pub format: String,
}

/// Problems kept for the page and the report; beyond that only counted.
pub const MAX_PROBLEMS: usize = 200_000;

/// Live figures of a running import, for the page and the CLI's progress bar.
#[derive(Debug, Default)]
pub struct Progress {
    pub read: AtomicU64,
    pub checked: AtomicU64,
    pub written: AtomicU64,
    /// The transaction is being committed (the last, possibly long, step).
    pub committing: AtomicBool,
    pub done: AtomicBool,
}

impl Progress {
    pub fn snapshot(&self) -> (u64, u64, u64, bool, bool) {
        (
            self.read.load(Ordering::Relaxed),
            self.checked.load(Ordering::Relaxed),
            self.written.load(Ordering::Relaxed),
            self.committing.load(Ordering::Relaxed),
            self.done.load(Ordering::Relaxed),
        )
    }
}
