-- Activation: cabinets, their history, organisation cabinet settings, the
-- invitation outbox and the throttle's failure counters.

-- One cabinet per employee. No row means NOT_CREATED.
CREATE TABLE cabinets (
    employee_id      TEXT PRIMARY KEY REFERENCES employees(id),
    org_id           TEXT NOT NULL REFERENCES organizations(id),
    status           TEXT NOT NULL,            -- CREATED, CREATE_FAILED, INVITE_FAILED, INVITED, ACTIVE, BLOCKED
    last_error       TEXT NOT NULL DEFAULT '',
    last_channel     TEXT NOT NULL DEFAULT '', -- EMAIL or SMS of the last invitation
    code_hash        TEXT UNIQUE,              -- HMAC-SHA256 of the current activation code; the code itself is never stored
    code_issued_at   INTEGER,
    code_expires_at  INTEGER,                  -- an unused code stops working then; NULL once activated
    login            TEXT,                     -- as chosen or generated; NULL until activation
    login_norm       TEXT,                     -- lower case, for case-insensitive sign-in
    password_hash    TEXT NOT NULL DEFAULT '', -- argon2id PHC string, peppered
    password_at      INTEGER,
    consent_version  TEXT NOT NULL DEFAULT '',
    consent_at       INTEGER,
    invited_at       INTEGER,
    activated_at     INTEGER,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX cabinets_org_status ON cabinets(org_id, status);
CREATE UNIQUE INDEX cabinets_login ON cabinets(org_id, login_norm) WHERE login_norm IS NOT NULL;
CREATE INDEX cabinets_login_norm ON cabinets(login_norm);

-- Every status transition, with why and through which channel.
CREATE TABLE cabinet_events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id       TEXT NOT NULL,
    employee_id  TEXT NOT NULL,
    status       TEXT NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    channel      TEXT NOT NULL DEFAULT '',
    at           INTEGER NOT NULL
);
CREATE INDEX cabinet_events_employee ON cabinet_events(employee_id, id);

-- Organisation cabinet settings; no row means the defaults (activation.DefaultSettings).
CREATE TABLE cabinet_settings (
    org_id              TEXT PRIMARY KEY REFERENCES organizations(id),
    auto_create         INTEGER NOT NULL,
    auto_invite         INTEGER NOT NULL,
    channel             TEXT NOT NULL,
    email_subject       TEXT NOT NULL,
    email_template      TEXT NOT NULL,
    sms_template        TEXT NOT NULL,
    android_url         TEXT NOT NULL,
    ios_url             TEXT NOT NULL,
    code_ttl_days       INTEGER NOT NULL,
    consent_version     TEXT NOT NULL,
    updated_at          INTEGER NOT NULL
);

-- Invitations waiting to be sent, written in the same transaction as the
-- code they carry. body holds the code until the send is settled, then it
-- is wiped.
CREATE TABLE invitation_outbox (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL,
    employee_id  TEXT NOT NULL,
    channel      TEXT NOT NULL,
    recipient    TEXT NOT NULL,
    subject      TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    claimed_at   INTEGER,                  -- a sender took it (lease)
    attempts     INTEGER NOT NULL DEFAULT 0,
    sent_at      INTEGER,
    failed_at    INTEGER,
    error        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX invitation_outbox_pending ON invitation_outbox(sent_at, failed_at, created_at);

-- Failure counters of the throttle: fixed windows per key.
CREATE TABLE throttle_failures (
    name          TEXT PRIMARY KEY,
    failures      INTEGER NOT NULL,
    window_start  INTEGER NOT NULL,
    window_end    INTEGER NOT NULL
);
CREATE INDEX throttle_failures_end ON throttle_failures(window_end);
