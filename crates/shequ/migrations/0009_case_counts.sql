-- The number of cases of each street, community and grid (keyed by the node's id), so that the case list
-- shows its total without counting the scope's ~100,000 cases per request (docs/PERFORMANCE.md). Cases are
-- never deleted and never change their street, community or grid; `cases::counts` adds one to the case's
-- three rows in the transaction that inserts it, and the bulk generators rebuild the table after they write.
CREATE TABLE case_scope_counts (
    node_id BIGINT PRIMARY KEY,
    cases BIGINT NOT NULL
);
INSERT INTO case_scope_counts (node_id, cases) SELECT street_id, COUNT(*) FROM cases GROUP BY street_id;
INSERT INTO case_scope_counts (node_id, cases) SELECT community_id, COUNT(*) FROM cases GROUP BY community_id;
INSERT INTO case_scope_counts (node_id, cases) SELECT grid_id, COUNT(*) FROM cases GROUP BY grid_id;
