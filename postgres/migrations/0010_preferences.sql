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
