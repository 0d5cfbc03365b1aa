-- 准入制: tasks pushed down by upper-level departments (上级部门任务), admitted or refused by the street with a
-- reason, dispatched to chosen communities, and the returns (报送) each community owes: a ledger of the
-- catalogue frozen at submission (its rows and the .xlsx kept, so later records do not change it), a figure
-- (an indicator's value frozen with its parts, or a typed number) or a file. Records keep where they were made
-- (Follows::Never).
CREATE TABLE admission_tasks (
    id {{PK}},
    number TEXT NOT NULL UNIQUE,
    street_id BIGINT NOT NULL,
    -- Always NULL: a street's record; the columns let the common scope condition apply (communities see their
    -- returns, not the task list).
    community_id BIGINT,
    grid_id BIGINT,
    building_id BIGINT,
    department TEXT NOT NULL,
    title TEXT NOT NULL,
    content TEXT NOT NULL DEFAULT '',
    deadline TEXT NOT NULL,
    -- received / admitted / refused
    state TEXT NOT NULL,
    reason TEXT,
    created_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL,
    decided_at TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX admission_tasks_street ON admission_tasks(street_id, created_at);

-- What a task asks back: a ledger (code of the catalogue), a figure (indicator code, or a free-named number with
-- code NULL) or a file; ledgers and indicators for a period (2026-Q3, 2026-11, 2026 …).
CREATE TABLE admission_requirements (
    id {{PK}},
    task_id BIGINT NOT NULL REFERENCES admission_tasks(id),
    idx BIGINT NOT NULL,
    kind TEXT NOT NULL,
    code TEXT,
    label TEXT NOT NULL,
    period TEXT
);
CREATE INDEX admission_requirements_task ON admission_requirements(task_id, idx);

-- The communities a task was dispatched to.
CREATE TABLE admission_dispatches (
    id {{PK}},
    task_id BIGINT NOT NULL REFERENCES admission_tasks(id),
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT,
    building_id BIGINT,
    dispatched_by BIGINT REFERENCES users(id),
    dispatched_at TEXT NOT NULL,
    UNIQUE (task_id, community_id)
);

-- One return per requirement and community: due → submitted → accepted, or sent back (returned) with a reason.
CREATE TABLE admission_returns (
    id {{PK}},
    task_id BIGINT NOT NULL REFERENCES admission_tasks(id),
    requirement_id BIGINT NOT NULL REFERENCES admission_requirements(id),
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT,
    building_id BIGINT,
    due_on TEXT NOT NULL,
    state TEXT NOT NULL,
    -- A ledger: the code and period used, its rows as JSON, the row count and the .xlsx as generated.
    ledger_code TEXT,
    period TEXT,
    ledger_rows TEXT,
    ledger_count BIGINT,
    ledger_xlsx {{BYTES}},
    -- A figure: the value (and for rates its parts) as text, computed or typed.
    value TEXT,
    numerator TEXT,
    denominator TEXT,
    -- A file.
    file_name TEXT,
    file_type TEXT,
    file_bytes {{BYTES}},
    note TEXT,
    reason TEXT,
    submitted_by BIGINT REFERENCES users(id),
    submitted_at TEXT,
    reviewed_by BIGINT REFERENCES users(id),
    reviewed_at TEXT,
    updated_at TEXT NOT NULL,
    UNIQUE (requirement_id, community_id)
);
CREATE INDEX admission_returns_community ON admission_returns(community_id, state, due_on);
CREATE INDEX admission_returns_task ON admission_returns(task_id);
