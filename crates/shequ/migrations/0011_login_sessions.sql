-- Login throttle (issue 16): failed logins counted per client address (`ip:…`) and per typed username
-- (`user:…`, whether or not such an account exists, so that no answer depends on it). Past a few failures a key
-- is blocked for a time that doubles with each further failure, up to 15 minutes; an administrator's unlock
-- clears the account's key.
CREATE TABLE login_throttle (
    key TEXT NOT NULL PRIMARY KEY,
    failures BIGINT NOT NULL,
    last_failure TEXT NOT NULL,
    blocked_until TEXT
);

-- Sessions show where they were opened, so that a user can recognise and end them.
ALTER TABLE sessions ADD COLUMN ip TEXT;
ALTER TABLE sessions ADD COLUMN user_agent TEXT;
