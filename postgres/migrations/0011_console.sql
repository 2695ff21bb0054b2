-- The HR console's figures and filters read by organisation and time:
-- reminders due in a range (the activity chart, the delivery log's dates),
-- deliveries that ended in a range (sent and failed per day), and the
-- payslips of a period (unviewed payslips of the latest period).

CREATE INDEX push_outbox_org_due ON push_outbox(org_id, due_at);
CREATE INDEX push_deliveries_org_updated ON push_deliveries(org_id, updated_at);
CREATE INDEX payslips_org_period ON payslips(org_id, period);
