-- Tamper-evident audit log (issue 16): each entry carries the SHA-256 of its content and the previous entry's
-- hash (src/audit.rs), so that changing, removing or inserting an entry breaks the chain at that point.
-- Entries written before this migration are chained once when the server starts (audit::seal_legacy).
ALTER TABLE audit_log ADD COLUMN hash TEXT;
