-- Work reports (工作总结/报告) generated from templates with live fields (src/reports/template.rs).
-- report_templates: a street's own templates (the built-in ones ship in data/report_templates/ and are not
-- stored); a street's template with a built-in code replaces it for that street.
CREATE TABLE report_templates (
    id {{PK}},
    street_id BIGINT NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX report_templates_street_code ON report_templates(street_id, code);

-- A report of one place (street, community or grid: node_id, its scope columns copied) and one period.
-- status: 'draft' (figures live) or 'final' (frozen: the computed document with its figures, and when).
-- A new version starts from a report (parent_id, version + 1).
CREATE TABLE work_reports (
    id {{PK}},
    number TEXT NOT NULL UNIQUE,
    template_code TEXT NOT NULL,
    title TEXT NOT NULL,
    node_id BIGINT NOT NULL REFERENCES nodes(id),
    street_id BIGINT NOT NULL,
    community_id BIGINT,
    grid_id BIGINT,
    building_id BIGINT,
    period_from TEXT NOT NULL,
    period_to TEXT NOT NULL,
    period_label TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    version BIGINT NOT NULL,
    parent_id BIGINT REFERENCES work_reports(id),
    frozen TEXT,
    computed_at TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    finalised_by TEXT,
    finalised_at TEXT
);
CREATE INDEX work_reports_node ON work_reports(node_id, period_from, period_to, status);
CREATE INDEX work_reports_street ON work_reports(street_id, created_at);
