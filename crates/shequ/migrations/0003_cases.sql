-- Cases (民情): one closed loop for every request, dispute, hazard, petition and alarm.
-- 上报 → 立案 (or 不予立案) → 派遣 → 处置 → 核查 → 结案 → 评价; every transition is a row of case_events.

-- Categories are a configurable tree. Each carries the time allowed per stage, in hours (限时办结):
-- accept (上报→立案), dispatch (立案→派遣), handle (派遣→核查), close (核查→结案).
-- `dispute` marks the categories counted in "共受理各类纠纷N起".
CREATE TABLE case_categories (
    id {{PK}},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    parent_id BIGINT REFERENCES case_categories(id),
    dispute BIGINT NOT NULL DEFAULT 0,
    accept_hours BIGINT NOT NULL DEFAULT 24,
    dispatch_hours BIGINT NOT NULL DEFAULT 24,
    handle_hours BIGINT NOT NULL DEFAULT 72,
    close_hours BIGINT NOT NULL DEFAULT 24,
    sort BIGINT NOT NULL DEFAULT 0,
    archived BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE INDEX case_categories_parent ON case_categories(parent_id);

-- A case. Scope columns are copied from its location node so that a scope filter is one comparison.
-- Assignee: a user (assignee_kind 'user'), the community office ('community'), the street ('street') or an
-- outside department such as 派出所/城管/物业 ('department', named in assignee_name).
-- deadline_status: 'ok', 'due_soon' (即将超期) or 'overdue' (超期) for the current stage; was_overdue stays 1.
CREATE TABLE cases (
    id {{PK}},
    number TEXT NOT NULL UNIQUE,
    category_id BIGINT NOT NULL REFERENCES case_categories(id),
    source TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    location_node_id BIGINT NOT NULL REFERENCES nodes(id),
    dwelling_id BIGINT,
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT NOT NULL,
    building_id BIGINT,
    address TEXT NOT NULL DEFAULT '',
    reporter_person_id BIGINT REFERENCES persons(id),
    reporter_name TEXT,
    reporter_phone TEXT,
    state TEXT NOT NULL,
    owner_id BIGINT REFERENCES users(id),
    assignee_kind TEXT,
    assignee_user_id BIGINT REFERENCES users(id),
    assignee_name TEXT,
    handler_id BIGINT REFERENCES users(id),
    escalated_to BIGINT REFERENCES users(id),
    group_petition BIGINT NOT NULL DEFAULT 0,
    repeat_petition BIGINT NOT NULL DEFAULT 0,
    linked_case_id BIGINT REFERENCES cases(id),
    stage_started_at TEXT NOT NULL,
    stage_warn_at TEXT,
    stage_due_at TEXT,
    due_at TEXT NOT NULL,
    deadline_status TEXT NOT NULL DEFAULT 'ok',
    was_overdue BIGINT NOT NULL DEFAULT 0,
    escalated BIGINT NOT NULL DEFAULT 0,
    rating TEXT,
    rating_comment TEXT,
    created_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL,
    accepted_at TEXT,
    closed_at TEXT,
    rated_at TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX cases_grid ON cases(grid_id, created_at);
CREATE INDEX cases_community ON cases(community_id, created_at);
CREATE INDEX cases_street ON cases(street_id, created_at);
CREATE INDEX cases_building ON cases(building_id, created_at);
CREATE INDEX cases_owner ON cases(owner_id, state);
CREATE INDEX cases_assignee ON cases(assignee_user_id, state);
CREATE INDEX cases_state_due ON cases(state, stage_due_at);
CREATE INDEX cases_category ON cases(category_id);

-- The trail: every transition with who, when and why. user_id is NULL for the deadline job.
CREATE TABLE case_events (
    id {{PK}},
    case_id BIGINT NOT NULL REFERENCES cases(id),
    kind TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT,
    user_id BIGINT REFERENCES users(id),
    who TEXT NOT NULL,
    to_user_id BIGINT REFERENCES users(id),
    to_name TEXT,
    note TEXT,
    at TEXT NOT NULL
);
CREATE INDEX case_events_case ON case_events(case_id, id);

-- People involved: a registered person, or a free name.
CREATE TABLE case_parties (
    id {{PK}},
    case_id BIGINT NOT NULL REFERENCES cases(id),
    person_id BIGINT REFERENCES persons(id),
    name TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT '当事人',
    phone TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX case_parties_case ON case_parties(case_id);
CREATE INDEX case_parties_person ON case_parties(person_id);

-- 调解: one record per dispute case, with its sessions. result: 调解成功 / 未成功 / 移交派出所 / 移交法院.
CREATE TABLE mediations (
    id {{PK}},
    case_id BIGINT NOT NULL UNIQUE REFERENCES cases(id),
    mediators TEXT NOT NULL DEFAULT '',
    agreement TEXT NOT NULL DEFAULT '',
    result TEXT,
    result_at TEXT,
    follow_up TEXT,
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT NOT NULL,
    building_id BIGINT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX mediations_community ON mediations(community_id);

CREATE TABLE mediation_sessions (
    id {{PK}},
    mediation_id BIGINT NOT NULL REFERENCES mediations(id),
    held_on TEXT NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX mediation_sessions_mediation ON mediation_sessions(mediation_id);

-- Built-in categories, seeded once with the schema (a street administrator can add more and change the hours).
INSERT INTO case_categories (code, name, dispute, accept_hours, dispatch_hours, handle_hours, close_hours, sort, created_at) VALUES
    ('dispute', '矛盾纠纷', 1, 24, 24, 72, 24, 10, '2026-01-01 00:00:00'),
    ('hazard', '安全隐患', 0, 4, 4, 48, 24, 20, '2026-01-01 00:00:00'),
    ('sanitation', '环境卫生', 0, 24, 24, 72, 24, 30, '2026-01-01 00:00:00'),
    ('urban', '城市管理', 0, 24, 24, 120, 24, 40, '2026-01-01 00:00:00'),
    ('petition', '信访', 0, 24, 24, 360, 48, 50, '2026-01-01 00:00:00'),
    ('help', '求助', 0, 24, 24, 72, 24, 60, '2026-01-01 00:00:00'),
    ('other', '其他', 0, 24, 24, 120, 24, 90, '2026-01-01 00:00:00');
INSERT INTO case_categories (code, name, parent_id, dispute, accept_hours, dispatch_hours, handle_hours, close_hours, sort, created_at)
    SELECT v.code, v.name, p.id, p.dispute, v.accept_hours, v.dispatch_hours, v.handle_hours, v.close_hours, v.sort, '2026-01-01 00:00:00'
    FROM (
        SELECT 'dispute.family' AS code, '家庭问题' AS name, 'dispute' AS parent, 24 AS accept_hours, 24 AS dispatch_hours, 72 AS handle_hours, 24 AS close_hours, 11 AS sort
        UNION ALL SELECT 'dispute.neighbour', '邻里纠纷', 'dispute', 24, 24, 72, 24, 12
        UNION ALL SELECT 'dispute.property', '物业纠纷', 'dispute', 24, 24, 120, 24, 13
        UNION ALL SELECT 'dispute.labour', '劳资纠纷', 'dispute', 24, 24, 120, 24, 14
        UNION ALL SELECT 'hazard.fire', '消防', 'hazard', 2, 2, 24, 24, 21
        UNION ALL SELECT 'hazard.building', '房屋安全', 'hazard', 4, 4, 48, 24, 22
        UNION ALL SELECT 'hazard.public_security', '治安', 'hazard', 2, 2, 24, 24, 23
        UNION ALL SELECT 'help.hardship', '困难帮扶', 'help', 24, 24, 120, 24, 61
        UNION ALL SELECT 'help.elderly', '老人求助', 'help', 2, 2, 24, 24, 62
    ) v JOIN case_categories p ON p.code = v.parent;

-- 小区智能化: devices that report alarms. Each signs its events with its own secret (HMAC-SHA256 over the
-- timestamp and the body); every event received is logged, refused ones with the reason.
CREATE TABLE devices (
    id {{PK}},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    secret TEXT NOT NULL,
    location_node_id BIGINT NOT NULL REFERENCES nodes(id),
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT NOT NULL,
    building_id BIGINT,
    archived BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE INDEX devices_grid ON devices(grid_id);

-- What an event type opens: a case of this category; events within dedupe_minutes join the open case.
CREATE TABLE device_event_types (
    event_type TEXT NOT NULL PRIMARY KEY,
    category_code TEXT NOT NULL,
    title TEXT NOT NULL,
    dedupe_minutes BIGINT NOT NULL DEFAULT 30
);
INSERT INTO device_event_types (event_type, category_code, title, dedupe_minutes) VALUES
    ('sos', 'help.elderly', '安康通SOS求助', 30),
    ('smoke', 'hazard.fire', '烟感报警', 30),
    ('door', 'hazard.public_security', '门磁报警', 30),
    ('camera', 'hazard.public_security', '视频监控告警', 30);

CREATE TABLE device_events (
    id {{PK}},
    device_id BIGINT NOT NULL REFERENCES devices(id),
    event_type TEXT,
    sent_at TEXT,
    received_at TEXT NOT NULL,
    signature TEXT,
    accepted BIGINT NOT NULL,
    reason TEXT,
    case_id BIGINT REFERENCES cases(id),
    body TEXT NOT NULL
);
CREATE INDEX device_events_device ON device_events(device_id, received_at);
CREATE INDEX device_events_signature ON device_events(signature);
