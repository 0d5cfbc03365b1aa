-- Several app servers on one database: a periodic job (the case deadline scan, the outbox sender, the
-- retention of closed cases' personal fields) runs in the one process that holds its lease. The holder
-- renews the lease on every pass; another process takes it over once it has expired (the holder died).
CREATE TABLE job_leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    lease_until TEXT NOT NULL,
    acquired_at TEXT NOT NULL,
    runs BIGINT NOT NULL DEFAULT 0,
    last_run_at TEXT
);

-- PIPL retention: when a closed case's personal fields (reporter, parties) were blanked by the retention job
-- (SHEQU_CASE_RETENTION_DAYS after closing).
ALTER TABLE cases ADD COLUMN personal_cleared_at TEXT;
