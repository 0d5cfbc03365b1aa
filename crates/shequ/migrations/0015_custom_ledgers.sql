-- Ledgers a street administrator defines in the pages (src/reports/custom.rs): a record type, the columns
-- chosen from its list (a JSON array of keys), an optional filter value, how often it is due.
CREATE TABLE custom_ledgers (
    id {{PK}},
    street_id BIGINT NOT NULL,
    title TEXT NOT NULL,
    record_type TEXT NOT NULL,
    columns TEXT NOT NULL,
    filter TEXT NOT NULL DEFAULT '',
    due TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX custom_ledgers_street ON custom_ledgers(street_id);
