//! Exports: every list as .xlsx with Chinese headers, a frozen header row, sensible widths and dates as dates,
//! filtered by the same scope and filters as the screen. ID numbers and phones stay masked unless the role
//! may reveal them; every export is written to the audit log.

pub mod persons;
pub mod records;
pub mod sheet;
