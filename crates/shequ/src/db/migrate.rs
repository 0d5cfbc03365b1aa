//! Schema migrations, rendered for the connected backend and applied with sqlx's migrator.

use std::borrow::Cow;

use sqlx::migrate::{Migration, MigrationType, Migrator};

use super::Db;

const FILES: &[(i64, &str, &str)] = &[
    (
        1,
        "registry",
        include_str!("../../migrations/0001_registry.sql"),
    ),
    (
        2,
        "accounts",
        include_str!("../../migrations/0002_accounts.sql"),
    ),
    (3, "cases", include_str!("../../migrations/0003_cases.sql")),
    (
        4,
        "report_history",
        include_str!("../../migrations/0004_report_history.sql"),
    ),
    (
        5,
        "import",
        include_str!("../../migrations/0005_import.sql"),
    ),
    (
        6,
        "case_records",
        include_str!("../../migrations/0006_case_records.sql"),
    ),
    (
        7,
        "search_by_street",
        include_str!("../../migrations/0007_search_by_street.sql"),
    ),
    (
        8,
        "case_indexes",
        include_str!("../../migrations/0008_case_indexes.sql"),
    ),
    (
        9,
        "case_counts",
        include_str!("../../migrations/0009_case_counts.sql"),
    ),
    (
        10,
        "calendar",
        include_str!("../../migrations/0010_calendar.sql"),
    ),
    (
        11,
        "login_sessions",
        include_str!("../../migrations/0011_login_sessions.sql"),
    ),
    (
        12,
        "audit_chain",
        include_str!("../../migrations/0012_audit_chain.sql"),
    ),
    (
        13,
        "device_replay",
        include_str!("../../migrations/0013_device_replay.sql"),
    ),
    (
        14,
        "work_reports",
        include_str!("../../migrations/0014_work_reports.sql"),
    ),
    (
        15,
        "custom_ledgers",
        include_str!("../../migrations/0015_custom_ledgers.sql"),
    ),
    (
        16,
        "welfare",
        include_str!("../../migrations/0016_welfare.sql"),
    ),
    (
        17,
        "services",
        include_str!("../../migrations/0017_services.sql"),
    ),
    (
        18,
        "devices",
        include_str!("../../migrations/0018_devices.sql"),
    ),
    (
        19,
        "portal",
        include_str!("../../migrations/0019_portal.sql"),
    ),
    (
        20,
        "governance",
        include_str!("../../migrations/0020_governance.sql"),
    ),
    (
        21,
        "surveys",
        include_str!("../../migrations/0021_surveys.sql"),
    ),
    (
        22,
        "standards",
        include_str!("../../migrations/0022_standards.sql"),
    ),
    (
        23,
        "admission",
        include_str!("../../migrations/0023_admission.sql"),
    ),
    (
        24,
        "selections",
        include_str!("../../migrations/0024_selections.sql"),
    ),
    (
        25,
        "survey_respondents",
        include_str!("../../migrations/0025_survey_respondents.sql"),
    ),
    (
        26,
        "offline_keys",
        include_str!("../../migrations/0026_offline_keys.sql"),
    ),
    (
        27,
        "report_figure_records",
        include_str!("../../migrations/0027_report_figure_records.sql"),
    ),
    (
        29,
        "device_event_once",
        include_str!("../../migrations/0029_device_event_once.sql"),
    ),
];

pub async fn run(db: &Db) -> anyhow::Result<()> {
    let migrations: Vec<Migration> = FILES
        .iter()
        .map(|(version, name, sql)| {
            Migration::new(
                *version,
                Cow::Borrowed(*name),
                MigrationType::Simple,
                Cow::Owned(db.dialect.render_schema(sql)),
                false,
            )
        })
        .collect();
    let migrator = Migrator {
        migrations: Cow::Owned(migrations),
        ..Migrator::DEFAULT
    };
    migrator.run(&db.pool).await?;
    Ok(())
}
