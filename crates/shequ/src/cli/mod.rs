//! Subcommands that do more than call one function: they live here so that `main.rs` stays a dispatcher.

pub mod backup;
pub mod import;
pub mod report;
pub mod tree;
