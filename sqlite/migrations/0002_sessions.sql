-- Key material, devices, sessions (refresh token families) and login history.

CREATE TABLE secrets (
    name        TEXT PRIMARY KEY,
    value       BLOB NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE devices (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organizations(id),
    employee_id      TEXT NOT NULL REFERENCES employees(id),
    client_id        TEXT NOT NULL,           -- the app's install id (DeviceInput.id)
    platform         TEXT NOT NULL,
    model            TEXT NOT NULL DEFAULT '',
    app_version      TEXT NOT NULL DEFAULT '',
    timezone         TEXT NOT NULL DEFAULT '',
    first_seen_at    INTEGER NOT NULL,
    last_seen_at     INTEGER NOT NULL,
    revoked_at       INTEGER,
    UNIQUE (employee_id, client_id)
);
CREATE INDEX devices_client ON devices(client_id);

-- A session is one refresh-token family: every token descending from one sign-in.
CREATE TABLE sessions (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organizations(id),
    employee_id    TEXT NOT NULL REFERENCES employees(id),
    device_id      TEXT NOT NULL REFERENCES devices(id),
    method         TEXT NOT NULL,            -- how the family started
    auth_time      INTEGER NOT NULL,         -- last interactive sign-in (password/PIN/biometric)
    password_at    INTEGER,                  -- last password (or activation) sign-in in this family
    created_at     INTEGER NOT NULL,
    last_used_at   INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,         -- absolute expiry
    revoked_at     INTEGER,
    revoke_reason  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_employee ON sessions(employee_id);
CREATE INDEX sessions_device ON sessions(device_id);

CREATE TABLE refresh_tokens (
    token_hash   TEXT PRIMARY KEY,           -- SHA-256 of the token; the token itself is never stored
    session_id   TEXT NOT NULL REFERENCES sessions(id),
    created_at   INTEGER NOT NULL,
    used_at      INTEGER                     -- set when rotated; presenting it again is theft
);
CREATE INDEX refresh_tokens_session ON refresh_tokens(session_id);

CREATE TABLE login_events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id        TEXT NOT NULL,
    employee_id   TEXT NOT NULL DEFAULT '',
    device_id     TEXT NOT NULL DEFAULT '',
    device_model  TEXT NOT NULL DEFAULT '',
    method        TEXT NOT NULL,
    success       INTEGER NOT NULL,
    address       TEXT NOT NULL DEFAULT '',
    user_agent    TEXT NOT NULL DEFAULT '',
    reason        TEXT NOT NULL DEFAULT '',
    at            INTEGER NOT NULL
);
CREATE INDEX login_events_employee ON login_events(employee_id, id);

-- The organisation's login policy; no row means the defaults (auth.DefaultPolicy).
CREATE TABLE auth_policies (
    org_id                   TEXT PRIMARY KEY REFERENCES organizations(id),
    quick_login_methods      TEXT NOT NULL,       -- comma-separated: PIN,BIOMETRIC
    pin_length               INTEGER NOT NULL,
    max_pin_attempts         INTEGER NOT NULL,
    access_ttl_seconds       INTEGER NOT NULL,
    refresh_ttl_seconds      INTEGER NOT NULL,
    ask_login_on_activation  INTEGER NOT NULL,
    updated_at               INTEGER NOT NULL
);
