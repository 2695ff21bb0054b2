-- HR console: the people of an organisation who sign in to /hr/ (issue 10),
-- their sessions, one-time set-password links, TOTP recovery codes; named
-- organisation API keys with their last use; the audit log names the person
-- or the key behind a change and keeps before/after of settings.

CREATE TABLE hr_users (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organizations(id),
    email           TEXT NOT NULL,
    email_norm      TEXT NOT NULL UNIQUE,        -- lower-case, trimmed: one account per address
    full_name       TEXT NOT NULL,
    role            TEXT NOT NULL,               -- ADMIN, HR, VIEWER
    status          TEXT NOT NULL,               -- INVITED, ACTIVE, DISABLED
    password_hash   TEXT NOT NULL DEFAULT '',    -- argon2id PHC string; '' until set
    totp_secret     TEXT NOT NULL DEFAULT '',    -- sealed with a key derived from the master secret
    totp_enabled_at BIGINT,
    totp_last_step  BIGINT NOT NULL DEFAULT 0,  -- the last accepted 30-s step: a code is used once
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX hr_users_org ON hr_users(org_id, email_norm);

CREATE TABLE hr_sessions (
    id            TEXT PRIMARY KEY,
    token_hash    TEXT NOT NULL UNIQUE,          -- SHA-256 of the cookie's token; the token is never stored
    user_id       TEXT NOT NULL REFERENCES hr_users(id),
    org_id        TEXT NOT NULL,
    stage         TEXT NOT NULL,                 -- TOTP (password checked, code due) or FULL
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,              -- absolute end
    revoked_at    BIGINT,
    address       TEXT NOT NULL DEFAULT '',
    user_agent    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX hr_sessions_user ON hr_sessions(user_id);
CREATE INDEX hr_sessions_expiry ON hr_sessions(expires_at);

CREATE TABLE hr_links (
    token_hash  TEXT PRIMARY KEY,                -- SHA-256 of the one-time link's token
    user_id     TEXT NOT NULL REFERENCES hr_users(id),
    org_id      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);
CREATE INDEX hr_links_user ON hr_links(user_id);

CREATE TABLE hr_recovery_codes (
    user_id    TEXT NOT NULL REFERENCES hr_users(id),
    code_hash  TEXT NOT NULL,                    -- keyed hash of the code
    used_at    BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

ALTER TABLE api_keys ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN last_used_at BIGINT;
ALTER TABLE api_keys ADD COLUMN created_by TEXT NOT NULL DEFAULT '';

ALTER TABLE audit_log ADD COLUMN actor_name TEXT NOT NULL DEFAULT '';  -- the HR user's name or the key's
ALTER TABLE audit_log ADD COLUMN detail TEXT NOT NULL DEFAULT '';      -- JSON {"before":…,"after":…} of a settings change
