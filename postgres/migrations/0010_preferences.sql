-- Notification preferences and the badge (issue 14). An employee turns
-- categories of notifications on or off (kabinet.NotificationCategories);
-- a category with no row is on. The dispatcher reads the rows of a batch
-- of recipients at once, by employee.

CREATE TABLE notification_preferences (
    org_id       TEXT NOT NULL REFERENCES organizations(id),
    employee_id  TEXT NOT NULL REFERENCES employees(id),
    category     TEXT NOT NULL,
    enabled      BOOLEAN NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (employee_id, category)
);

-- The badge counts each recipient's unviewed payslips: only those rows are
-- indexed, so the count reads what it counts.
CREATE INDEX payslips_unviewed ON payslips(employee_id) WHERE viewed_at IS NULL AND retracted_at IS NULL;

-- Certificate requests (issue 14): kinds HR configures, the employees'
-- requests with their state, and the PDF HR attaches (at most 5 MiB,
-- checked before it is stored), in a table of its own so that lists and
-- sync never read it.

CREATE TABLE certificate_kinds (
    org_id         TEXT NOT NULL REFERENCES organizations(id),
    code           TEXT NOT NULL,
    title          TEXT NOT NULL,
    needs_purpose  BOOLEAN NOT NULL,
    needs_period   BOOLEAN NOT NULL,
    promised_days  BIGINT NOT NULL,
    active         BOOLEAN NOT NULL,
    updated_at     BIGINT NOT NULL,
    PRIMARY KEY (org_id, code)
);

CREATE TABLE certificate_requests (
    id                  TEXT PRIMARY KEY,
    org_id              TEXT NOT NULL REFERENCES organizations(id),
    employee_id         TEXT NOT NULL REFERENCES employees(id),
    kind_code           TEXT NOT NULL,
    kind_title          TEXT NOT NULL,
    purpose             TEXT NOT NULL,
    period_from         TEXT NOT NULL,
    period_to           TEXT NOT NULL,
    status              TEXT NOT NULL,
    due_on              TEXT NOT NULL,
    on_paper            BOOLEAN NOT NULL,
    file_size           BIGINT NOT NULL,
    file_sha256         TEXT NOT NULL,
    cancel_reason       TEXT NOT NULL,
    client_mutation_id  TEXT NOT NULL,
    fingerprint         TEXT NOT NULL,
    created_at          BIGINT NOT NULL,
    started_at          BIGINT,
    ready_at            BIGINT,
    cancelled_at        BIGINT,
    updated_at          BIGINT NOT NULL,
    UNIQUE (employee_id, client_mutation_id)
);
CREATE INDEX certificate_requests_queue ON certificate_requests(org_id, status, created_at);
CREATE INDEX certificate_requests_employee ON certificate_requests(employee_id, id);

CREATE TABLE certificate_files (
    request_id  TEXT PRIMARY KEY REFERENCES certificate_requests(id),
    content     BYTEA NOT NULL,
    created_at  BIGINT NOT NULL
);
