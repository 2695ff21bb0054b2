// Package requests is what employees ask for from the phone and who decides
// it: leave requests, approved by the employee's manager (leave*.go,
// request*.go), and certificate requests, prepared by HR (certificate*.go).
//
// # Leave requests
//
// An employee creates a request offline-first (CreateLeave): a leave type
// the organisation published in its leave balances, the first and last
// day, an optional comment, and a clientMutationId. A replay with the same
// id and the same content returns the first result and changes nothing;
// the same id with other content is CONFLICT. The employee always comes
// from the access token: a request for someone else cannot be expressed.
//
// The checks, decided in Go (checkLeave) from facts the store reads in the
// writing transaction (so two requests sent at once cannot both pass):
// the days in order; the first day not earlier than the organisation's
// grace before today (LeaveRequestSettings.PastGraceDays) and not more
// than a year ahead; days counted as calendar days (no production calendar:
// holidays inside are counted); a leave type the organisation published;
// no shared day with the employee's other live requests (pending or
// approved) or planned vacations (CONFLICT). A balance that would go
// negative — the published remaining days minus the days of the employee's
// other live requests of the type and of this one — is a warning on the
// request, not a refusal: HR decides.
//
// Routing: to the employee's manager by the one manager rule
// (kabinet.OrgChart.ManagerOf: a head's manager is the head above); when
// there is none, or the manager is dismissed, to HR's queue (ApproverID
// empty), which HR decides with the organisation's key.
//
// States and transitions are one table (leaveTransitions): PENDING →
// APPROVED | REJECTED (the approver, or HR for its queue) | WITHDRAWN (the
// employee); APPROVED → REGISTERED (the payroll system) | CANCELLED (HR,
// with a reason). Anything else is CONFLICT, deciding twice included;
// deciding one's own request or one routed to someone else is FORBIDDEN.
// Every transition is recorded (who, when, why) in the transaction that
// makes it, with the row locked (Dialect.ForUpdate on PostgreSQL).
//
// Every transition also takes the next position of the organisation's
// request counter, in the same transaction: the payroll system pulls
// requests changed after a cursor in position order (LeaveRequests with
// After) and confirms what it registered (RegisterLeave: all or nothing,
// idempotent). The counter row is locked until commit, so positions commit
// in order and a cursor never skips a request that commits late.
//
// Sync: a request is a LEAVE_REQUEST record of the change log for its
// employee and, while it waits for them, for its approver; a decision
// records a change for both, so the approver's phone gets a tombstone.
//
// Push (Notifier, implemented by push.Service): a new request to the
// approver, a reminder to the approver after ReminderHours (inside the
// delivery window like every reminder), the decision to the employee.
package requests
