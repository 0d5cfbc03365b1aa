//! Integration tests: the real HTTP stack on a real database. SQLite (a temp file) by default; set
//! `SHEQU_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test` to run the same tests on PostgreSQL
//! (each test gets a schema of its own).

mod support;

mod accounts;
mod accounts_admin;
mod activities;
mod admission;
mod audit_chain;
mod backup;
mod calendar;
mod cases;
mod cases_dashboard;
mod cases_list;
mod cases_records;
mod devices;
mod devices_health;
mod devices_mqtt;
mod exports;
mod exports_people;
mod governance;
mod hazards;
mod imports;
mod imports_big;
mod imports_flow;
mod imports_peer;
mod logins;
mod pages;
mod party;
mod patrols;
mod persons;
mod persons_export;
mod persons_list;
mod portal;
mod privacy;
mod races;
mod records_export;
mod registry_tree;
mod reports_catalog;
mod scope;
mod scoped_move;
mod security;
mod selections;
mod services_report;
mod standards;
mod standards_scope;
mod surveys;
mod surveys_bench;
mod uploads;
mod visits;
mod volunteers;
mod welfare;
mod welfare_bench;
mod welfare_scope;
mod work_reports;
mod worker_day;
