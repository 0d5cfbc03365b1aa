-- Figures extracted from reports of past years, saved so that the first generated report already has a
-- year-over-year comparison. One row per scope and year (saving again replaces it).
CREATE TABLE report_history (
    id {{PK}},
    scope_key TEXT NOT NULL,
    year BIGINT NOT NULL,
    history TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX report_history_scope_year ON report_history(scope_key, year);
