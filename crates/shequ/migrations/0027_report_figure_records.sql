-- A finalised report keeps, for each figure, the records it counted at finalisation (up to 100,000 a figure),
-- so the drill-down of a frozen figure lists that set, not today's. Label and detail are kept as they read then.
CREATE TABLE report_figure_records (
    report_id BIGINT NOT NULL REFERENCES work_reports(id),
    code TEXT NOT NULL,
    seq BIGINT NOT NULL,
    kind TEXT NOT NULL,
    record_id BIGINT NOT NULL,
    label TEXT NOT NULL,
    detail TEXT NOT NULL,
    PRIMARY KEY (report_id, code, seq)
);
