//! Reports: indicators computed from the records, and the check of reports written outside shequ (the
//! `reportcheck` crate) against them. Generated ledgers and work reports will live here too.

pub mod catalog;
pub mod chart;
pub mod compute;
pub mod custom;
pub mod document;
pub mod frozen;
pub mod history;
pub mod indicators;
pub mod numbers;
pub mod template;
pub mod word;
pub mod work;
