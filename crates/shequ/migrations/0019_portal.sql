-- The resident portal (居民端). A resident signs up with their phone number (the account's username, role
-- `resident`) and is linked to their registry person once verified: by a worker who matched the phone to the
-- person, or at sign-up with a one-time code a worker printed on a visit card. The link names only the person;
-- the household and the place come from the registry at each request, so they follow moves by themselves.
CREATE TABLE resident_links (
    user_id BIGINT NOT NULL PRIMARY KEY REFERENCES users(id),
    person_id BIGINT NOT NULL UNIQUE REFERENCES persons(id),
    method TEXT NOT NULL,
    verified_by BIGINT REFERENCES users(id),
    verified_at TEXT NOT NULL
);

-- One-time sign-up codes (登记码): only a hash is stored; a code is used once and expires.
CREATE TABLE resident_codes (
    code_hash TEXT NOT NULL PRIMARY KEY,
    person_id BIGINT NOT NULL REFERENCES persons(id),
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX resident_codes_person ON resident_codes(person_id);
