//! Reports: indicators computed from the records, and the check of reports written outside shequ (the
//! `reportcheck` crate) against them. Generated ledgers and work reports will live here too.

pub mod catalog;
pub mod history;
pub mod indicators;
