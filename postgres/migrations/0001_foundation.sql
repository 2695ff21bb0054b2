-- Foundation: tenants, keys, publication and the change log.
-- Times are BIGINT Unix milliseconds, UTC. Money and days are BIGINT
-- hundredths (kopecks, hundredths of a day). Public ids are random text.

CREATE TABLE organizations (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    timezone    TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

-- One row per organisation: its change-log counter (the last seq given out)
-- and its retention floor (every change at or below it was compacted away).
CREATE TABLE sync_counters (
    org_id     TEXT PRIMARY KEY REFERENCES organizations(id),
    seq        BIGINT NOT NULL DEFAULT 0,
    floor_seq  BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations(id),
    key_hash    TEXT NOT NULL UNIQUE,      -- hex SHA-256 of the key; the key itself is never stored
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
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
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
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
    is_org_head             BOOLEAN NOT NULL DEFAULT false,
    dismissed_on            TEXT NOT NULL DEFAULT '',
    fingerprint             TEXT NOT NULL,
    created_at              BIGINT NOT NULL,
    updated_at              BIGINT NOT NULL,
    UNIQUE (org_id, external_id)
);
CREATE INDEX employees_department ON employees(org_id, department_external_id);

CREATE TABLE payslips (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organizations(id),
    employee_id   TEXT NOT NULL REFERENCES employees(id),
    external_id   TEXT NOT NULL,
    period        TEXT NOT NULL,
    published_at  BIGINT NOT NULL,
    currency      TEXT NOT NULL,
    accrued       BIGINT NOT NULL,
    deducted      BIGINT NOT NULL,
    paid          BIGINT NOT NULL,
    debt_start    BIGINT NOT NULL,
    debt_end      BIGINT NOT NULL,
    lines         TEXT NOT NULL,             -- JSON array of lines, amounts in kopecks
    fingerprint   TEXT NOT NULL,
    viewed_at     BIGINT,
    retracted_at  BIGINT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
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
    entitled         BIGINT NOT NULL,
    used             BIGINT NOT NULL,
    remaining        BIGINT NOT NULL,
    fingerprint      TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    UNIQUE (employee_id, leave_type_code)
);

CREATE TABLE vacations (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organizations(id),
    employee_id   TEXT NOT NULL REFERENCES employees(id),
    external_id   TEXT NOT NULL,
    starts_on     TEXT NOT NULL,
    ends_on       TEXT NOT NULL,
    days          BIGINT NOT NULL,
    fingerprint   TEXT NOT NULL,
    cancelled_at  BIGINT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    UNIQUE (org_id, external_id)
);
CREATE INDEX vacations_employee ON vacations(employee_id, starts_on);

-- The change log: one row for every write that changes what an employee
-- sees, written in the same transaction as the data. seq counts per
-- organisation and is taken from the organisation's sync_counters row at the
-- end of the writing transaction (UPDATE ... RETURNING): the row lock is held
-- to commit, so within an organisation seq order is commit order, without
-- gaps (see postgres/change.go and sync/doc.go).
CREATE TABLE changes (
    org_id       TEXT NOT NULL,
    seq          BIGINT NOT NULL,
    employee_id  TEXT NOT NULL,
    entity       TEXT NOT NULL,   -- PAYSLIP, LEAVE_BALANCE, VACATION
    entity_id    TEXT NOT NULL,
    op           TEXT NOT NULL,   -- UPSERT or DELETE
    at           BIGINT NOT NULL,
    PRIMARY KEY (org_id, seq)
);
CREATE INDEX changes_employee ON changes(employee_id, seq);

CREATE TABLE audit_log (
    id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    org_id      TEXT NOT NULL DEFAULT '',
    actor       TEXT NOT NULL,
    operation   TEXT NOT NULL,
    targets     TEXT NOT NULL,    -- JSON array of external ids
    outcome     TEXT NOT NULL,
    address     TEXT NOT NULL DEFAULT '',
    request_id  TEXT NOT NULL DEFAULT '',
    at          BIGINT NOT NULL
);
CREATE INDEX audit_log_org ON audit_log(org_id, id);
