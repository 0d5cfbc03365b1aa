-- Indexes for the case list and the case dashboard at ~1,000,000 cases (bench/cases.sh, docs/PERFORMANCE.md).

-- The case list: the newest cases of a scope by id, and its count, from the index alone.
CREATE INDEX cases_street_id ON cases(street_id, id);
CREATE INDEX cases_community_id ON cases(community_id, id);
CREATE INDEX cases_grid_id ON cases(grid_id, id);

-- The dashboard and the dispute figure of a street: every column they read from the cases reported in the
-- period, so that the bulk of the work is one range of one index (index-only). It replaces cases_street,
-- which is its prefix.
DROP INDEX cases_street;
-- `id` is last for PostgreSQL (the mediation lookup of the dispute figure); SQLite has it anyway.
CREATE INDEX cases_street_figures ON cases(street_id, created_at, category_id, grid_id, owner_id, state,
    was_overdue, due_at, closed_at, rated_at, rating, accepted_at, group_petition, id);
-- Cases reported before the period and closed or rated in it: the range, then the filter on the report
-- time (and close time) from the index, so that only the few rows that count are read from the table.
CREATE INDEX cases_street_closed ON cases(street_id, closed_at, created_at);
CREATE INDEX cases_street_rated ON cases(street_id, rated_at, created_at, closed_at);
