-- Reminders and push (docs/product.md §Reminders): notification settings, push tokens, the
-- durable outbox of planned notifications, one delivery row per device and
-- the log of every attempt. Times are BIGINT Unix ms, UTC.

-- One row per organisation; absent = the defaults (push.DefaultSettings).
CREATE TABLE notification_settings (
    org_id              TEXT PRIMARY KEY REFERENCES organizations(id),
    window_start        TEXT NOT NULL,           -- "09:00", recipient's local time
    window_end          TEXT NOT NULL,           -- "21:00"; earlier than start = wraps midnight
    send_delay_seconds  BIGINT NOT NULL,
    payslip_days        TEXT NOT NULL,           -- JSON array of day offsets after publication
    vacation_days       TEXT NOT NULL,           -- JSON array of days before the start (employee)
    manager_days        TEXT NOT NULL,           -- JSON array of days before the start (manager)
    timezone            TEXT NOT NULL,           -- IANA zone; the organisation's at creation
    texts               TEXT NOT NULL DEFAULT '[]', -- JSON [{kind, locale, title, body}] HR overrides
    updated_at          BIGINT NOT NULL
);

-- The current push token of a device (one per device). A token is unique per
-- provider: registering it on another device removes it here.
CREATE TABLE push_tokens (
    device_id     TEXT PRIMARY KEY REFERENCES devices(id),
    org_id        TEXT NOT NULL,
    employee_id   TEXT NOT NULL,
    provider      TEXT NOT NULL,                 -- FCM or APNS
    token         TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    refreshed_at  BIGINT NOT NULL,
    UNIQUE (provider, token)
);
CREATE INDEX push_tokens_employee ON push_tokens(employee_id);

-- The outbox: one row per (reason, subject, stage, recipient), planned in
-- the same transaction or idempotently after the event that causes it.
--   status: PLANNED -> DISPATCHED (delivery rows created for the devices)
--                   -> CANCELLED  (reason gone, superseded, expired; note says why)
--                   -> NO_DEVICE  (no active device with a push token)
-- A claimed PLANNED row has claimed_by set and not_before = lease_until, so
-- that a crashed claimer's rows come back by themselves after the lease.
CREATE TABLE push_outbox (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL,
    kind          TEXT NOT NULL,                 -- PAYSLIP_REMINDER, VACATION_REMINDER, MANAGER_VACATION_REMINDER, NEW_DEVICE, PAYSLIP_BROADCAST
    subject_id    TEXT NOT NULL,                 -- payslip, vacation or device id
    subject_key   TEXT NOT NULL DEFAULT '',      -- vacation start date: a moved vacation is a new reason
    stage         BIGINT NOT NULL,              -- days (reminders), broadcast number, 0
    recipient_id  TEXT NOT NULL,                 -- employee who gets it
    employee_id   TEXT NOT NULL,                 -- employee it is about
    base_at       BIGINT NOT NULL,              -- event time (publication, UTC midnight of the start date)
    due_at        BIGINT NOT NULL,              -- base + stage + delay; for dates the earliest zone (UTC+14)
    local_date    TEXT NOT NULL DEFAULT '',      -- reminders due at local midnight of this date
    not_before    BIGINT NOT NULL,              -- earliest next look: due, window opening, or lease end
    params        TEXT NOT NULL DEFAULT '{}',
    status        TEXT NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    claimed_by    TEXT NOT NULL DEFAULT '',
    lease_until   BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    UNIQUE (kind, subject_id, subject_key, stage, recipient_id)
);
CREATE INDEX push_outbox_due ON push_outbox(not_before) WHERE status = 'PLANNED';
CREATE INDEX push_outbox_recipient ON push_outbox(recipient_id, created_at);
CREATE INDEX push_outbox_org ON push_outbox(org_id, created_at);  -- appends: one planning batch shares created_at

-- One row per (outbox row, device): each device is sent a reminder exactly
-- once. status: PENDING -> CLAIMED -> SENDING -> SENT | PENDING (retry) |
-- FAILED | UNDELIVERABLE | CANCELLED. next_attempt_at is also the lease end
-- of CLAIMED and SENDING rows, so one index finds due and abandoned rows.
CREATE TABLE push_deliveries (
    id                TEXT PRIMARY KEY,
    outbox_id         TEXT NOT NULL REFERENCES push_outbox(id),
    org_id            TEXT NOT NULL,
    device_id         TEXT NOT NULL REFERENCES devices(id),
    platform          TEXT NOT NULL,
    provider          TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL,
    attempts          BIGINT NOT NULL DEFAULT 0,
    in_doubt          BIGINT NOT NULL DEFAULT 0, -- times found SENDING after a crash
    first_attempt_at  BIGINT,
    next_attempt_at   BIGINT NOT NULL,
    claimed_by        TEXT NOT NULL DEFAULT '',
    sent_at           BIGINT,
    provider_id       TEXT NOT NULL DEFAULT '',
    error             TEXT NOT NULL DEFAULT '',
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    UNIQUE (outbox_id, device_id)
);
CREATE INDEX push_deliveries_due ON push_deliveries(status, next_attempt_at);

-- Every attempt, for HR's delivery log.
CREATE TABLE push_attempts (
    id           BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    delivery_id  TEXT NOT NULL,
    at           BIGINT NOT NULL,
    outcome      TEXT NOT NULL,                  -- SENT, RETRY, FAILED, INVALID_TOKEN, UNDELIVERABLE, IN_DOUBT
    error        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX push_attempts_delivery ON push_attempts(delivery_id, id);
