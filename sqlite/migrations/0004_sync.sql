-- Sync: the retention floor of the change log, idempotent offline actions,
-- and the indexes that keep a sync page to a few b-tree lookups.

-- One row. Every change with seq <= floor_seq has been compacted away; a
-- cursor below it can no longer be served (RESET_REQUIRED).
CREATE TABLE sync_state (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    floor_seq  INTEGER NOT NULL
);
INSERT INTO sync_state (id, floor_seq) VALUES (1, 0);

-- Offline actions already applied, by the client's id for them: a replay
-- has the effect of once. Compacted with the change log.
CREATE TABLE sync_mutations (
    employee_id         TEXT NOT NULL,
    client_mutation_id  TEXT NOT NULL,
    kind                TEXT NOT NULL,    -- MARK_PAYSLIP_VIEWED
    target_id           TEXT NOT NULL,    -- the payslip id
    created_at          INTEGER NOT NULL,
    PRIMARY KEY (employee_id, client_mutation_id)
) WITHOUT ROWID;
CREATE INDEX sync_mutations_created ON sync_mutations(created_at);

-- Compaction finds the changes older than the retention window.
CREATE INDEX changes_at ON changes(at);

-- A full sync pages each collection of one employee in id order.
CREATE INDEX payslips_employee_sync ON payslips(employee_id, id);
CREATE INDEX leave_balances_employee_sync ON leave_balances(employee_id, id);
CREATE INDEX vacations_employee_sync ON vacations(employee_id, id);
