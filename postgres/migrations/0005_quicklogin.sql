-- Quick login (PIN, biometric), its single-use challenges, and per-address
-- failure counters.

-- One quick-login method per device row (employee × install). Setting up a
-- new method replaces the row.
CREATE TABLE quick_logins (
    device_id        TEXT PRIMARY KEY REFERENCES devices(id),
    org_id           TEXT NOT NULL REFERENCES organizations(id),
    employee_id      TEXT NOT NULL REFERENCES employees(id),
    client_id        TEXT NOT NULL,            -- the install id, copied from devices for lookup
    method           TEXT NOT NULL,            -- PIN | BIOMETRIC
    public_key       BYTEA,                     -- BIOMETRIC: DER SubjectPublicKeyInfo (P-256)
    secret_hash      TEXT,                     -- PIN: SHA-256 of the device secret
    pin_hash         TEXT,                     -- PIN: argon2id(HMAC(pepper, secret:pin)), PHC string
    failed_attempts  BIGINT NOT NULL DEFAULT 0, -- wrong PINs (and attempts in flight) since the last success
    locked_at        BIGINT,                  -- set at the limit; a password sign-in on the device clears it
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX quick_logins_client ON quick_logins(client_id, created_at);
CREATE UNIQUE INDEX quick_logins_secret ON quick_logins(secret_hash) WHERE secret_hash IS NOT NULL;
CREATE INDEX quick_logins_employee ON quick_logins(employee_id);

-- Challenges are single use: taking one deletes it. Only the SHA-256 of the
-- challenge bytes is kept.
CREATE TABLE quick_login_challenges (
    challenge_hash  TEXT PRIMARY KEY,
    client_id       TEXT NOT NULL,             -- the install it was issued to
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL
);
CREATE INDEX quick_login_challenges_expiry ON quick_login_challenges(expires_at);
CREATE INDEX quick_login_challenges_client ON quick_login_challenges(client_id, created_at);

-- Fixed-window counters (e.g. quick-login failures per client address).
CREATE TABLE auth_counters (
    key           TEXT PRIMARY KEY,
    window_start  BIGINT NOT NULL,
    count         BIGINT NOT NULL
);
CREATE INDEX auth_counters_window ON auth_counters(window_start);
