-- Leave requests (issue 14): an employee's request, routed to their manager
-- or to HR's queue, with every transition recorded, a per-organisation
-- position for the payroll system's pull, and the organisation's settings.
-- The same tables as sqlite/migrations/0009_requests.sql; the SQL that
-- reads and writes them is written once, in internal/sqlstore.

CREATE TABLE leave_requests (
    id                  TEXT PRIMARY KEY,
    org_id              TEXT NOT NULL REFERENCES organizations(id),
    employee_id         TEXT NOT NULL REFERENCES employees(id),
    client_mutation_id  TEXT NOT NULL,
    fingerprint         TEXT NOT NULL,     -- of the content the client sent: a replay must match it
    leave_type_code     TEXT NOT NULL,
    leave_type_title    TEXT NOT NULL,
    starts_on           TEXT NOT NULL,
    ends_on             TEXT NOT NULL,
    days                INTEGER NOT NULL,  -- calendar days, both ends included
    comment             TEXT NOT NULL,
    status              TEXT NOT NULL,     -- PENDING, APPROVED, REJECTED, WITHDRAWN, REGISTERED, CANCELLED
    approver_id         TEXT NOT NULL,     -- the employee who decides; '' = HR's queue
    decided_at          BIGINT,
    decision_comment    TEXT NOT NULL,
    warnings            TEXT NOT NULL,     -- one per line
    position            BIGINT NOT NULL,  -- the organisation's counter at the last transition
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    UNIQUE (employee_id, client_mutation_id)
);
CREATE INDEX leave_requests_position ON leave_requests(org_id, position);
CREATE INDEX leave_requests_employee ON leave_requests(employee_id, id);
CREATE INDEX leave_requests_approver ON leave_requests(approver_id, status, id);
CREATE INDEX leave_requests_dates ON leave_requests(org_id, starts_on);

-- Every transition, in order: who, when, why.
CREATE TABLE leave_request_events (
    request_id         TEXT NOT NULL REFERENCES leave_requests(id),
    n                  INTEGER NOT NULL,  -- 1 for the creation, then one more per transition
    from_status        TEXT NOT NULL,     -- '' for the creation
    to_status          TEXT NOT NULL,
    actor              TEXT NOT NULL,     -- EMPLOYEE, APPROVER, ORGANIZATION
    actor_employee_id  TEXT NOT NULL,     -- '' for the organisation
    comment            TEXT NOT NULL,
    at                 BIGINT NOT NULL,
    PRIMARY KEY (request_id, n)
);

-- The organisation's request positions: taken (and the row locked) by each
-- transition, so positions commit in order.
CREATE TABLE leave_request_counters (
    org_id    TEXT PRIMARY KEY REFERENCES organizations(id),
    position  BIGINT NOT NULL
);

CREATE TABLE leave_request_settings (
    org_id           TEXT PRIMARY KEY REFERENCES organizations(id),
    past_grace_days  INTEGER NOT NULL,
    reminder_hours   INTEGER NOT NULL,
    updated_at       BIGINT NOT NULL
);
