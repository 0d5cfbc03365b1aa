-- The working-day calendar (工作日): official holidays (放假) and 调休 working weekends (上班) as data. Days not
-- listed count by the weekday (Monday–Friday work). A year counts as known only when it is in
-- calendar_years; shequ seeds 2020–2026 from the State Council notices (data/holidays_cn.csv) and the
-- street administrator edits or imports later years.
CREATE TABLE calendar_days (
    day TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    updated_by TEXT,
    updated_at TEXT NOT NULL
);
CREATE TABLE calendar_years (
    year BIGINT PRIMARY KEY,
    source TEXT NOT NULL,
    loaded_at TEXT NOT NULL
);
-- A case category's stage limits count clock hours (default) or working days.
ALTER TABLE case_categories ADD COLUMN limit_unit TEXT NOT NULL DEFAULT 'hours';
