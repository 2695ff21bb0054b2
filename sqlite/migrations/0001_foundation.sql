-- Foundation: tenants, keys, publication and the change log.
-- Times are INTEGER Unix milliseconds, UTC. Money and days are INTEGER
-- hundredths (kopecks, hundredths of a day). Public ids are random text.

CREATE TABLE organizations (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    timezone    TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations(id),
    key_hash    TEXT NOT NULL UNIQUE,      -- hex SHA-256 of the key; the key itself is never stored
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
CREATE INDEX api_keys_org ON api_keys(org_id);

CREATE TABLE departments (
    id                  TEXT PRIMARY KEY,
    org_id              TEXT NOT NULL REFERENCES organizations(id),
    external_id         TEXT NOT NULL,
    name                TEXT NOT NULL,
    parent_external_id  TEXT NOT NULL DEFAULT '',
    head_external_id    TEXT NOT NULL DEFAULT '',   -- may name an employee not yet published
    fingerprint         TEXT NOT NULL,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    UNIQUE (org_id, external_id)
);

CREATE TABLE employees (
    id                      TEXT PRIMARY KEY,
    org_id                  TEXT NOT NULL REFERENCES organizations(id),
    external_id             TEXT NOT NULL,
    last_name               TEXT NOT NULL,
    first_name              TEXT NOT NULL,
    middle_name             TEXT NOT NULL DEFAULT '',
    email                   TEXT NOT NULL DEFAULT '',
    phone                   TEXT NOT NULL DEFAULT '',
    department_external_id  TEXT NOT NULL DEFAULT '',
    position                TEXT NOT NULL DEFAULT '',
    timezone                TEXT NOT NULL DEFAULT '',
    is_org_head             INTEGER NOT NULL DEFAULT 0,
    dismissed_on            TEXT NOT NULL DEFAULT '',
    fingerprint             TEXT NOT NULL,
    created_at              INTEGER NOT NULL,
    updated_at              INTEGER NOT NULL,
    UNIQUE (org_id, external_id)
);
CREATE INDEX employees_department ON employees(org_id, department_external_id);

CREATE TABLE payslips (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organizations(id),
    employee_id   TEXT NOT NULL REFERENCES employees(id),
    external_id   TEXT NOT NULL,
    period        TEXT NOT NULL,
    published_at  INTEGER NOT NULL,
    currency      TEXT NOT NULL,
    accrued       INTEGER NOT NULL,
    deducted      INTEGER NOT NULL,
    paid          INTEGER NOT NULL,
    debt_start    INTEGER NOT NULL,
    debt_end      INTEGER NOT NULL,
    lines         TEXT NOT NULL,             -- JSON array of lines, amounts in kopecks
    fingerprint   TEXT NOT NULL,
    viewed_at     INTEGER,
    retracted_at  INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (org_id, external_id)
);
CREATE INDEX payslips_employee ON payslips(employee_id, period);

CREATE TABLE leave_balances (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organizations(id),
    employee_id      TEXT NOT NULL REFERENCES employees(id),
    leave_type_code  TEXT NOT NULL,
    leave_type_title TEXT NOT NULL,
    as_of            TEXT NOT NULL,
    entitled         INTEGER NOT NULL,
    used             INTEGER NOT NULL,
    remaining        INTEGER NOT NULL,
    fingerprint      TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    UNIQUE (employee_id, leave_type_code)
);

CREATE TABLE vacations (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organizations(id),
    employee_id   TEXT NOT NULL REFERENCES employees(id),
    external_id   TEXT NOT NULL,
    starts_on     TEXT NOT NULL,
    ends_on       TEXT NOT NULL,
    days          INTEGER NOT NULL,
    fingerprint   TEXT NOT NULL,
    cancelled_at  INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (org_id, external_id)
);
CREATE INDEX vacations_employee ON vacations(employee_id, starts_on);

-- The change log: one row for every write that changes what an employee
-- sees, written in the same transaction as the data. seq is allocated inside
-- the (single) write transaction, so seq order is commit order.
CREATE TABLE changes (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id       TEXT NOT NULL,
    employee_id  TEXT NOT NULL,
    entity       TEXT NOT NULL,   -- PAYSLIP, LEAVE_BALANCE, VACATION
    entity_id    TEXT NOT NULL,
    op           TEXT NOT NULL,   -- UPSERT or DELETE
    at           INTEGER NOT NULL
);
CREATE INDEX changes_employee ON changes(employee_id, seq);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id      TEXT NOT NULL DEFAULT '',
    actor       TEXT NOT NULL,
    operation   TEXT NOT NULL,
    targets     TEXT NOT NULL,    -- JSON array of external ids
    outcome     TEXT NOT NULL,
    address     TEXT NOT NULL DEFAULT '',
    request_id  TEXT NOT NULL DEFAULT '',
    at          INTEGER NOT NULL
);
CREATE INDEX audit_log_org ON audit_log(org_id, id);
