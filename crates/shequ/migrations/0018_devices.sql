-- Smart estate (issue 22): devices over MQTT and HTTP, device health, notifications.

-- A device belongs to a place (estate, building, unit, dwelling) and an 安康通 also to a person, with the
-- emergency contact its subscription names. Health: the last heartbeat with battery and signal, and the
-- time by which the next is due (last seen + the kind's interval), so "silent" is one indexed comparison.
ALTER TABLE devices ADD COLUMN person_id BIGINT REFERENCES persons(id);
ALTER TABLE devices ADD COLUMN contact_name TEXT;
ALTER TABLE devices ADD COLUMN contact_phone TEXT;
ALTER TABLE devices ADD COLUMN last_seen_at TEXT;
ALTER TABLE devices ADD COLUMN battery BIGINT;
ALTER TABLE devices ADD COLUMN signal_dbm BIGINT;
ALTER TABLE devices ADD COLUMN due_by TEXT;
ALTER TABLE devices ADD COLUMN retired_at TEXT;
UPDATE devices SET due_by = created_at;
CREATE INDEX devices_due ON devices(archived, due_by);

-- Per kind of device: how often it must send a heartbeat.
CREATE TABLE device_kinds (
    kind TEXT NOT NULL PRIMARY KEY,
    label TEXT NOT NULL,
    heartbeat_minutes BIGINT NOT NULL
);
INSERT INTO device_kinds (kind, label, heartbeat_minutes) VALUES
    ('sos', '安康通', 60),
    ('smoke', '烟感', 240),
    ('door', '门磁', 240),
    ('camera', '摄像头', 10);

-- The device's own id of an event (MQTT and HTTP) and the path it came by.
ALTER TABLE device_events ADD COLUMN event_id TEXT;
ALTER TABLE device_events ADD COLUMN channel TEXT NOT NULL DEFAULT 'http';
CREATE INDEX device_events_case ON device_events(case_id);

-- The community's duty phone (值班电话), told of every alarm in the community.
CREATE TABLE community_duty_phones (
    community_id BIGINT NOT NULL PRIMARY KEY REFERENCES nodes(id),
    phone TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Every notification goes through the outbox: a background sender drains it by channel adapter (log, sms,
-- wechat, web push), retrying until sent or given up; each attempt is recorded.
CREATE TABLE outbox (
    id {{PK}},
    case_id BIGINT REFERENCES cases(id),
    recipient_kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    recipient_name TEXT NOT NULL,
    channel TEXT NOT NULL,
    payload TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'pending',
    next_at TEXT NOT NULL,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX outbox_due ON outbox(state, next_at);
CREATE INDEX outbox_case ON outbox(case_id);

CREATE TABLE outbox_attempts (
    id {{PK}},
    outbox_id BIGINT NOT NULL REFERENCES outbox(id),
    at TEXT NOT NULL,
    ok BIGINT NOT NULL,
    error TEXT
);
CREATE INDEX outbox_attempts_outbox ON outbox_attempts(outbox_id);
