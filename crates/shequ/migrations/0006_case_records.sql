-- Records around the cases loop: attachments, hazards (安全隐患), patrols, home visits (走访) and the worker
-- diary (民情日记). Every table that describes a place carries the scope columns copied from its node, so a
-- scope filter is one comparison, as for cases.

-- Photos and files of cases and hazards, stored in the database (bytes as BLOB / BYTEA).
-- owner_kind: 'case' or 'hazard'; purpose: 'photo' (现场照片), 'rectification' (整改照片) or 'file'.
CREATE TABLE attachments (
    id {{PK}},
    owner_kind TEXT NOT NULL,
    owner_id BIGINT NOT NULL,
    purpose TEXT NOT NULL DEFAULT 'photo',
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    data {{BYTES}} NOT NULL,
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT NOT NULL,
    building_id BIGINT,
    created_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX attachments_owner ON attachments(owner_kind, owner_id);

-- 安全隐患: found → reported (上报, to whom) → rectified (整改, with a photo) before the rectification deadline.
-- state: 'found', 'reported', 'rectified'. A hazard may be linked to a case (case_id) and may come from a
-- patrol finding (patrol_log_id).
CREATE TABLE hazards (
    id {{PK}},
    number TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    location_node_id BIGINT NOT NULL REFERENCES nodes(id),
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT NOT NULL,
    building_id BIGINT,
    address TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    found_on TEXT NOT NULL,
    found_by BIGINT REFERENCES users(id),
    found_by_name TEXT NOT NULL,
    reported_at TEXT,
    reported_to TEXT,
    rectify_by TEXT NOT NULL,
    rectified_at TEXT,
    rectified_on TEXT,
    rectify_note TEXT,
    case_id BIGINT REFERENCES cases(id),
    patrol_log_id BIGINT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX hazards_grid ON hazards(grid_id, found_on);
CREATE INDEX hazards_community ON hazards(community_id, found_on);
CREATE INDEX hazards_street ON hazards(street_id, found_on);
CREATE INDEX hazards_building ON hazards(building_id, found_on);
CREATE INDEX hazards_case ON hazards(case_id);

-- Patrol teams (治安联防队, 志愿者巡逻队) of a community, their members and duty roster.
CREATE TABLE patrol_teams (
    id {{PK}},
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT,
    building_id BIGINT,
    leader TEXT NOT NULL DEFAULT '',
    archived BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX patrol_teams_community ON patrol_teams(community_id);

CREATE TABLE patrol_members (
    id {{PK}},
    team_id BIGINT NOT NULL REFERENCES patrol_teams(id),
    name TEXT NOT NULL,
    phone TEXT,
    user_id BIGINT REFERENCES users(id),
    person_id BIGINT REFERENCES persons(id),
    role TEXT NOT NULL DEFAULT '队员',
    archived BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE INDEX patrol_members_team ON patrol_members(team_id);

-- 排班: one shift of a team on a date, in an area (a grid, estate or building), with its members.
CREATE TABLE patrol_shifts (
    id {{PK}},
    team_id BIGINT NOT NULL REFERENCES patrol_teams(id),
    on_date TEXT NOT NULL,
    starts TEXT NOT NULL,
    ends TEXT NOT NULL,
    area_node_id BIGINT NOT NULL REFERENCES nodes(id),
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT NOT NULL,
    building_id BIGINT,
    created_at TEXT NOT NULL
);
CREATE INDEX patrol_shifts_team ON patrol_shifts(team_id, on_date);

CREATE TABLE patrol_shift_members (
    shift_id BIGINT NOT NULL REFERENCES patrol_shifts(id),
    member_id BIGINT NOT NULL REFERENCES patrol_members(id),
    PRIMARY KEY (shift_id, member_id)
);

-- 巡逻记录: who patrolled where, from when to when, and what they found. started_at / ended_at are China
-- time as the patrol wrote them ('2026-05-01 08:00'), like the shift hours of the roster.
CREATE TABLE patrol_logs (
    id {{PK}},
    team_id BIGINT NOT NULL REFERENCES patrol_teams(id),
    shift_id BIGINT REFERENCES patrol_shifts(id),
    area_node_id BIGINT NOT NULL REFERENCES nodes(id),
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT NOT NULL,
    building_id BIGINT,
    started_at TEXT NOT NULL,
    ended_at TEXT NOT NULL,
    patrollers TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    recorded_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX patrol_logs_grid ON patrol_logs(grid_id, started_at);
CREATE INDEX patrol_logs_community ON patrol_logs(community_id, started_at);
CREATE INDEX patrol_logs_street ON patrol_logs(street_id, started_at);
CREATE INDEX patrol_logs_recorder ON patrol_logs(recorded_by, started_at);

-- A finding of a patrol; turned into a hazard or a case in one step (hazard_id / case_id then set).
CREATE TABLE patrol_findings (
    id {{PK}},
    log_id BIGINT NOT NULL REFERENCES patrol_logs(id),
    description TEXT NOT NULL,
    location_node_id BIGINT NOT NULL REFERENCES nodes(id),
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT NOT NULL,
    building_id BIGINT,
    hazard_id BIGINT REFERENCES hazards(id),
    case_id BIGINT REFERENCES cases(id),
    created_at TEXT NOT NULL
);
CREATE INDEX patrol_findings_log ON patrol_findings(log_id);

-- 走访: one visit to a household. kind: '日常走访' or '四必访'; reason (四必访): 病 / 困 / 矛盾 / 婚丧.
CREATE TABLE visits (
    id {{PK}},
    household_id BIGINT NOT NULL REFERENCES households(id),
    visited_on TEXT NOT NULL,
    worker_id BIGINT REFERENCES users(id),
    worker_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    reason TEXT,
    note TEXT NOT NULL DEFAULT '',
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT NOT NULL,
    building_id BIGINT,
    created_at TEXT NOT NULL
);
CREATE INDEX visits_household ON visits(household_id, visited_on);
CREATE INDEX visits_grid ON visits(grid_id, visited_on);
CREATE INDEX visits_community ON visits(community_id, visited_on);
CREATE INDEX visits_street ON visits(street_id, visited_on);
CREATE INDEX visits_building ON visits(building_id, visited_on);
CREATE INDEX visits_worker ON visits(worker_id, visited_on);

-- Visit rules as data: every household (tag_type_id NULL) or every household with a living member of a
-- special group (e.g. 独居老人) must be visited at least every `every_days` days. A rule belongs to a street.
CREATE TABLE visit_rules (
    id {{PK}},
    name TEXT NOT NULL,
    tag_type_id BIGINT REFERENCES tag_types(id),
    every_days BIGINT NOT NULL,
    street_id BIGINT NOT NULL,
    archived BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX visit_rules_street ON visit_rules(street_id);

-- 民情日记: the free note of a worker's day (the rest of the day is assembled from the records).
CREATE TABLE diary_notes (
    id {{PK}},
    user_id BIGINT NOT NULL REFERENCES users(id),
    day TEXT NOT NULL,
    note TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (user_id, day)
);
