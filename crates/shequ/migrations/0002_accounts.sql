-- Accounts, sessions and the audit log.
-- A user's scope is their role plus the area it applies to: a street, a community, a set of grids
-- (user_grids) or a set of buildings (user_buildings, for 楼组长).
CREATE TABLE users (
    id {{PK}},
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    street_id BIGINT,
    community_id BIGINT,
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until TEXT,
    lang TEXT NOT NULL DEFAULT 'zh',
    archived BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

CREATE TABLE user_grids (
    user_id BIGINT NOT NULL REFERENCES users(id),
    grid_id BIGINT NOT NULL REFERENCES nodes(id),
    PRIMARY KEY (user_id, grid_id)
);

CREATE TABLE user_buildings (
    user_id BIGINT NOT NULL REFERENCES users(id),
    building_id BIGINT NOT NULL REFERENCES nodes(id),
    PRIMARY KEY (user_id, building_id)
);

-- Only a hash of the session token is stored; the CSRF token is per session.
CREATE TABLE sessions (
    token_hash TEXT NOT NULL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

-- Every write, and every read of sensitive data or unmasked personal data.
CREATE TABLE audit_log (
    id {{PK}},
    at TEXT NOT NULL,
    user_id BIGINT,
    username TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id BIGINT,
    before_json TEXT,
    after_json TEXT
);
CREATE INDEX audit_entity ON audit_log(entity, entity_id);
CREATE INDEX audit_user ON audit_log(user_id);
