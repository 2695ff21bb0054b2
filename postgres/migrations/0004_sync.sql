-- Sync: the retention floor of the change log, idempotent offline actions,
-- and the indexes that keep a sync page to a few b-tree lookups.

-- The retention floor lives in sync_counters (0001), per organisation.

-- Offline actions already applied, by the client's id for them: a replay
-- has the effect of once. Compacted with the change log.
CREATE TABLE sync_mutations (
    employee_id         TEXT NOT NULL,
    client_mutation_id  TEXT NOT NULL,
    kind                TEXT NOT NULL,    -- MARK_PAYSLIP_VIEWED
    target_id           TEXT NOT NULL,    -- the payslip id
    created_at          BIGINT NOT NULL,
    PRIMARY KEY (employee_id, client_mutation_id)
);
CREATE INDEX sync_mutations_created ON sync_mutations(created_at);

-- Compaction finds the changes older than the retention window.
CREATE INDEX changes_at ON changes(at);

-- A full sync pages each collection of one employee in id order.
CREATE INDEX payslips_employee_sync ON payslips(employee_id, id);
CREATE INDEX leave_balances_employee_sync ON leave_balances(employee_id, id);
CREATE INDEX vacations_employee_sync ON vacations(employee_id, id);
