-- Standards self-inspection (创建达标, 自查自纠): a standard owned by a street (和谐社区建设指导标准, 绿色社区 …)
-- with its items (序号, 类别/章节, 项目, 评分标准, 分值) imported from a sheet; a community's self-inspection of
-- a standard for a year with a score, a note and evidence per item; gaps become rectification tasks
-- (待整改 open → 已整改 rectified → 已核查 verified) with an owner and a working-day deadline.
CREATE TABLE standards (
    id {{PK}},
    street_id BIGINT NOT NULL,
    title TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    archived BIGINT NOT NULL DEFAULT 0,
    created_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX standards_street ON standards(street_id);

CREATE TABLE standard_items (
    id {{PK}},
    standard_id BIGINT NOT NULL REFERENCES standards(id),
    idx BIGINT NOT NULL,
    number TEXT NOT NULL,
    section TEXT NOT NULL,
    content TEXT NOT NULL,
    criteria TEXT NOT NULL DEFAULT '',
    points BIGINT NOT NULL,
    UNIQUE (standard_id, number)
);

CREATE TABLE inspections (
    id {{PK}},
    standard_id BIGINT NOT NULL REFERENCES standards(id),
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    -- Always NULL: community records (grid and building scopes see none).
    grid_id BIGINT,
    building_id BIGINT,
    year BIGINT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL,
    UNIQUE (standard_id, community_id, year)
);

CREATE TABLE inspection_scores (
    inspection_id BIGINT NOT NULL REFERENCES inspections(id),
    item_id BIGINT NOT NULL REFERENCES standard_items(id),
    score BIGINT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    checked_by BIGINT REFERENCES users(id),
    checked_at TEXT NOT NULL,
    PRIMARY KEY (inspection_id, item_id)
);

-- Evidence of an item: a link to a record (activity, meeting: ref_id; ledger: ref_code) or a file (data).
CREATE TABLE inspection_evidence (
    id {{PK}},
    inspection_id BIGINT NOT NULL REFERENCES inspections(id),
    item_id BIGINT NOT NULL REFERENCES standard_items(id),
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT,
    building_id BIGINT,
    kind TEXT NOT NULL,
    ref_id BIGINT,
    ref_code TEXT,
    filename TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL DEFAULT '',
    size BIGINT NOT NULL DEFAULT 0,
    sha256 TEXT NOT NULL DEFAULT '',
    data {{BYTES}},
    created_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX inspection_evidence_of ON inspection_evidence(inspection_id, item_id);

CREATE TABLE rectifications (
    id {{PK}},
    inspection_id BIGINT NOT NULL REFERENCES inspections(id),
    item_id BIGINT NOT NULL REFERENCES standard_items(id),
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT,
    building_id BIGINT,
    title TEXT NOT NULL,
    owner_id BIGINT NOT NULL REFERENCES users(id),
    due_at TEXT NOT NULL,
    state TEXT NOT NULL,
    rectified_at TEXT,
    rectified_note TEXT NOT NULL DEFAULT '',
    verified_at TEXT,
    verified_by BIGINT REFERENCES users(id),
    created_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL,
    UNIQUE (inspection_id, item_id)
);
CREATE INDEX rectifications_owner ON rectifications(owner_id, state);
CREATE INDEX rectifications_due ON rectifications(community_id, due_at);
