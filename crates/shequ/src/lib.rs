//! shequ — 社区治理与服务一体化平台.
//!
//! Layout: domain modules (`registry`, `accounts`, later `cases`, `services`, `governance`, `reports`) know
//! nothing of HTTP and take an [`accounts::Actor`] whose scope filters every query; `db` is the one storage
//! layer for SQLite and PostgreSQL; `web` holds thin handlers, templates and the JSON API; `demo` generates
//! realistic invented data.

pub mod accounts;
pub mod admission;
pub mod audit;
pub mod calendar;
pub mod cases;
pub mod cli;
pub mod db;
pub mod demo;
pub mod devices;
pub mod error;
pub mod exports;
pub mod fieldwork;
pub mod governance;
pub mod imports;
pub mod jobs;
pub mod portal;
pub mod privacy;
pub mod registry;
pub mod reports;
pub mod selections;
pub mod services;
pub mod standards;
pub mod surveys;
pub mod web;
pub mod welfare;
pub mod workflow;

pub use error::{Error, Result};
