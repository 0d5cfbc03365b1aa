-- Device events (issue 16). The replay key of a signed request is unique, so that of identical requests
-- sent at once exactly one is processed; the claim is made before anything else is written.
CREATE TABLE device_event_keys (
    device_id BIGINT NOT NULL,
    signature TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (device_id, signature)
);

-- Requests nobody signed (a wrong signature, an unknown device: device_id 0) are counted per device, reason
-- and day (UTC) instead of being stored, so that unauthenticated posts cannot grow the database.
CREATE TABLE device_refusals (
    device_id BIGINT NOT NULL,
    reason TEXT NOT NULL,
    day TEXT NOT NULL,
    count BIGINT NOT NULL,
    last_at TEXT NOT NULL,
    PRIMARY KEY (device_id, reason, day)
);
