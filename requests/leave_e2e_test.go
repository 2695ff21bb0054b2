package requests_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet"
)

// TestLeaveWalkthrough is issue 14's "done when": an employee asks for a
// vacation from the phone (offline, replayed), their manager sees it in
// sync and approves it from theirs, the payroll integration pulls it as
// approved and registers it, and both got their pushes over the wire.
func TestLeaveWalkthrough(t *testing.T) {
	o := newOffice(t)

	// The employee's phone sends the request; the connection drops and the
	// app sends it again with the same clientMutationId.
	first := o.mustCreate(t, "E-1", "leave-1", "ANNUAL", "2026-12-01", "2026-12-14")
	again := o.mustCreate(t, "E-1", "leave-1", "ANNUAL", "2026-12-01", "2026-12-14")
	if again.ID != first.ID {
		t.Fatalf("replay: got request %s, want the first one %s", again.ID, first.ID)
	}
	if first.Status != kabinet.LeavePending || first.Days != 14 || first.Approver == nil || first.Approver.ExternalID != "M-1" || first.InHrQueue {
		t.Fatalf("new request: got %+v, want PENDING, 14 days, routed to M-1", first)
	}
	if first.LeaveTypeTitle != "Ежегодный отпуск" || len(first.Warnings) != 0 || len(first.History) != 1 || first.History[0].Actor != "EMPLOYEE" {
		t.Fatalf("new request: got title %q, warnings %v, history %+v", first.LeaveTypeTitle, first.Warnings, first.History)
	}
	o.create(t, "E-1", "leave-1", "ANNUAL", "2026-12-01", "2026-12-15").WantCode(t, kabinet.ECONFLICT)

	// The manager's iPhone buzzes: one notice over APNs, whatever the replay.
	o.dispatch(t)
	_, apnsReqs := o.pushed()
	if len(apnsReqs) != 1 || apnsReqs[0].Token != apnsToken("M-1") || !strings.HasPrefix(apnsReqs[0].CollapseID, "leave-approval:") {
		t.Fatalf("APNs: got %+v, want one leave approval notice to M-1", apnsReqs)
	}
	if title, body, _, _ := apnsReqs[0].Alert(); title != "Заявление на отпуск" || !strings.Contains(body, "Иванова Ольга") {
		t.Errorf("approver's notice: got %q / %q", title, body)
	}

	// The manager's phone syncs: the pending request of their person is there.
	m := o.sync(t, "M-1", "")
	if len(m.LeaveRequests) != 1 || m.LeaveRequests[0].ID != first.ID || m.Integrity == nil || m.Integrity.LeaveRequests.Count != 1 {
		t.Fatalf("manager's first sync: got %+v, want the one pending request", m)
	}
	// ...with the person's balance and who else of the team is away then.
	var team struct {
		TeamLeaveRequests []struct {
			ID           string
			Balance      struct{ RemainingDays string }
			TeamAbsences []struct{ EmployeeExternalID, Kind, StartsOn string }
		}
	}
	o.env.Do(t, o.tokens["M-1"], `{ teamLeaveRequests { id balance { remainingDays } teamAbsences { employeeExternalId kind startsOn } } }`, nil).Must(t, &team)
	if len(team.TeamLeaveRequests) != 1 || team.TeamLeaveRequests[0].Balance.RemainingDays != "28.00" {
		t.Fatalf("teamLeaveRequests: got %+v, want E-1's request with 28 days left", team)
	}
	if abs := team.TeamLeaveRequests[0].TeamAbsences; len(abs) != 1 || abs[0].EmployeeExternalID != "E-2" || abs[0].Kind != "VACATION" {
		t.Fatalf("teamAbsences: got %+v, want E-2's vacation", abs)
	}

	// The manager approves.
	var dec struct{ DecideLeaveRequest leave }
	o.decide(t, "M-1", first.ID, "APPROVE", "хорошего отдыха").Must(t, &dec)
	if got := dec.DecideLeaveRequest; got.Status != kabinet.LeaveApproved || got.DecisionComment == nil || *got.DecisionComment != "хорошего отдыха" {
		t.Fatalf("approved: got %+v", got)
	}
	o.decide(t, "M-1", first.ID, "REJECT", "").WantCode(t, kabinet.ECONFLICT) // deciding twice

	// The decided request leaves the manager's set; the employee's phone gets it approved.
	m2 := o.sync(t, "M-1", m.Cursor)
	if len(m2.LeaveRequests) != 0 || len(m2.Deleted) != 1 || m2.Deleted[0].Type != "LEAVE_REQUEST" || m2.Deleted[0].ID != first.ID {
		t.Fatalf("manager's sync after the decision: got %+v, want a LEAVE_REQUEST tombstone", m2)
	}
	e := o.sync(t, "E-1", "")
	if len(e.LeaveRequests) != 1 || e.LeaveRequests[0].Status != kabinet.LeaveApproved {
		t.Fatalf("employee's sync: got %+v, want the approved request", e.LeaveRequests)
	}

	// The payroll integration pulls what changed and registers it.
	var pull struct {
		LeaveRequests struct {
			Items   []struct{ ID, Status string }
			Cursor  string
			HasMore bool
		}
	}
	o.env.Do(t, o.key, `{ leaveRequests(status: APPROVED) { items { id status } cursor hasMore } }`, nil).Must(t, &pull)
	if len(pull.LeaveRequests.Items) != 1 || pull.LeaveRequests.Items[0].ID != first.ID || pull.LeaveRequests.HasMore {
		t.Fatalf("pull: got %+v, want the approved request", pull)
	}
	cursor := pull.LeaveRequests.Cursor
	var reg struct{ RegisterLeaveRequests []struct{ ID, Status string } }
	for range 2 { // a repeated confirmation changes nothing
		o.env.Do(t, o.key, `mutation($ids: [ID!]!) { registerLeaveRequests(ids: $ids) { id status } }`, map[string]any{"ids": []string{first.ID}}).Must(t, &reg)
		if len(reg.RegisterLeaveRequests) != 1 || reg.RegisterLeaveRequests[0].Status != kabinet.LeaveRegistered {
			t.Fatalf("register: got %+v, want REGISTERED", reg)
		}
	}
	o.env.Do(t, o.key, `query($c: String) { leaveRequests(since: $c) { items { id status } cursor hasMore } }`, map[string]any{"c": cursor}).Must(t, &pull)
	if len(pull.LeaveRequests.Items) != 1 || pull.LeaveRequests.Items[0].Status != kabinet.LeaveRegistered {
		t.Fatalf("pull after registering: got %+v, want the registration once", pull)
	}
	o.env.Do(t, o.key, `query($c: String) { leaveRequests(since: $c) { items { id } cursor hasMore } }`, map[string]any{"c": pull.LeaveRequests.Cursor}).Must(t, &pull)
	if len(pull.LeaveRequests.Items) != 0 {
		t.Fatalf("pull at the end: got %+v, want nothing new", pull)
	}

	// The employee's phone got the approval (FCM), once; the manager's
	// nothing more.
	o.dispatch(t)
	fcmMsgs, _ := o.pushed()
	if len(fcmMsgs) != 1 || fcmMsgs[0].Token != fcmToken("E-1") || !strings.Contains(fcmMsgs[0].Body, "одобрено") {
		t.Fatalf("FCM: got %+v, want one approval notice to E-1", fcmMsgs)
	}
	o.dispatch(t)
	if f, a := o.pushed(); len(f) != 1 || len(a) != 1 {
		t.Fatalf("a second dispatch sent again: %d FCM, %d APNs messages", len(f), len(a))
	}
}

func TestLeaveRejectWithdrawAndReminder(t *testing.T) {
	o := newOffice(t)
	a := o.mustCreate(t, "E-1", "a", "ANNUAL", "2026-12-01", "2026-12-05")
	b := o.mustCreate(t, "E-1", "b", "ANNUAL", "2027-01-11", "2027-01-15")

	t.Run("ErrWithdrawSomeoneElses", func(t *testing.T) {
		o.withdraw(t, "E-2", a.ID).WantCode(t, kabinet.EFORBIDDEN)
		o.withdraw(t, "M-1", a.ID).WantCode(t, kabinet.EFORBIDDEN)
	})
	t.Run("OKReject", func(t *testing.T) {
		var out struct{ DecideLeaveRequest leave }
		o.decide(t, "M-1", a.ID, "REJECT", "конец года").Must(t, &out)
		if out.DecideLeaveRequest.Status != kabinet.LeaveRejected {
			t.Fatalf("got %s, want REJECTED", out.DecideLeaveRequest.Status)
		}
		o.withdraw(t, "E-1", a.ID).WantCode(t, kabinet.ECONFLICT) // decided already
	})
	t.Run("OKWithdraw", func(t *testing.T) {
		var out struct{ WithdrawLeaveRequest leave }
		o.withdraw(t, "E-1", b.ID).Must(t, &out)
		h := out.WithdrawLeaveRequest.History
		if out.WithdrawLeaveRequest.Status != kabinet.LeaveWithdrawn || len(h) != 2 || h[1].Actor != "EMPLOYEE" || *h[1].From != "PENDING" {
			t.Fatalf("got %+v, want WITHDRAWN with two history entries", out.WithdrawLeaveRequest)
		}
		o.decide(t, "M-1", b.ID, "APPROVE", "").WantCode(t, kabinet.ECONFLICT)
	})
	t.Run("OKReminderInsideTheWindow", func(t *testing.T) {
		// 19:00 UTC is 22:00 in Moscow: the notice waits for the morning;
		// the reminder 24 hours later too.
		o.env.Clock.Set(time.Date(2026, 11, 2, 19, 0, 0, 0, time.UTC))
		o.signIn(t)
		c := o.mustCreate(t, "E-2", "c", "ANNUAL", "2027-02-01", "2027-02-03")
		if len(c.Warnings) != 1 {
			t.Errorf("E-2 has 2 days left and asks for 3: got warnings %v, want one", c.Warnings)
		}
		o.dispatch(t)
		before := len(o.apns.Requests())
		o.env.Clock.Set(time.Date(2026, 11, 3, 6, 0, 0, 0, time.UTC)) // 09:00 in Moscow
		o.dispatch(t)
		o.env.Clock.Set(time.Date(2026, 11, 4, 6, 0, 0, 0, time.UTC)) // the reminder's morning
		o.dispatch(t)
		var kinds []string
		for _, r := range o.apns.Requests()[before:] {
			_, body, _, _ := r.Alert()
			kinds = append(kinds, r.CollapseID+" "+body)
		}
		if len(kinds) != 2 {
			t.Fatalf("got %d APNs notices to the approver (%v), want the notice and the reminder", len(kinds), kinds)
		}
		var out struct {
			Deliveries []struct {
				Kind, Status string
				SentAt       *time.Time
			}
		}
		o.env.Do(t, o.key, `{ deliveries(employeeExternalId: "M-1") { kind status sentAt } }`, nil).Must(t, &out)
		got := map[string]int{}
		for _, d := range out.Deliveries {
			got[d.Kind+"/"+d.Status]++
			if d.SentAt != nil {
				if h := d.SentAt.In(moscow).Hour(); h < 9 || h >= 21 {
					t.Errorf("%s sent at %s Moscow time, outside 09:00–21:00", d.Kind, d.SentAt.In(moscow))
				}
			}
		}
		// The notices of a and b were still unsent when a was rejected and
		// b withdrawn: they were cancelled.
		if got["LEAVE_APPROVAL_REMINDER/SENT"] != 1 || got["LEAVE_APPROVAL/SENT"] != 1 || got["LEAVE_APPROVAL/CANCELLED"] != 2 {
			t.Fatalf("approver's deliveries: got %v", got)
		}
	})
	t.Run("OKEmployeeToldOfTheRejection", func(t *testing.T) {
		var bodies []string
		for _, m := range o.fcm.Delivered(fcmToken("E-1")) {
			bodies = append(bodies, m.Body)
		}
		if len(bodies) != 1 || !strings.Contains(bodies[0], "отклонено") {
			t.Fatalf("E-1's pushes: got %q, want the rejection only", bodies)
		}
	})
}

var moscow = func() *time.Location {
	l, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		panic(err)
	}
	return l
}()

func TestLeaveRouting(t *testing.T) {
	o := newOffice(t)
	t.Run("OKHeadGoesToTheHeadAbove", func(t *testing.T) {
		r := o.mustCreate(t, "M-1", "m", "ANNUAL", "2026-12-01", "2026-12-02")
		if r.Approver == nil || r.Approver.ExternalID != "H-1" {
			t.Fatalf("M-1's request: got approver %+v, want H-1", r.Approver)
		}
		o.decide(t, "M-1", r.ID, "APPROVE", "").WantCode(t, kabinet.EFORBIDDEN) // one's own
		o.decide(t, "E-1", r.ID, "APPROVE", "").WantCode(t, kabinet.EFORBIDDEN) // not routed to E-1
		o.decide(t, "H-1", r.ID, "APPROVE", "").Must(t, nil)
	})
	t.Run("OKNoDepartmentHeadGoesToTheOrganisationsHead", func(t *testing.T) {
		r := o.mustCreate(t, "E-3", "e3", "UNPAID", "2026-12-01", "2026-12-01")
		if r.Approver == nil || r.Approver.ExternalID != "H-1" {
			t.Fatalf("E-3's request: got approver %+v, want H-1", r.Approver)
		}
	})
	t.Run("OKNoManagerGoesToHR", func(t *testing.T) {
		o.env.Do(t, o.key, `mutation { publishLeaveBalances(input: [{employeeExternalId: "H-1", leaveTypeCode: "ANNUAL", leaveTypeTitle: "Ежегодный отпуск", asOf: "2026-11-01", entitledDays: "28", usedDays: "0", remainingDays: "28"}]) { created } }`, nil).Must(t, nil)
		r := o.mustCreate(t, "H-1", "h", "ANNUAL", "2026-12-01", "2026-12-03")
		if r.Approver != nil || !r.InHrQueue {
			t.Fatalf("the head's request: got approver %+v, want HR's queue", r.Approver)
		}
		var q struct {
			LeaveRequests struct{ Items []struct{ ID string } }
		}
		o.env.Do(t, o.key, `{ leaveRequests(hrQueue: true, status: PENDING) { items { id } } }`, nil).Must(t, &q)
		if len(q.LeaveRequests.Items) != 1 || q.LeaveRequests.Items[0].ID != r.ID {
			t.Fatalf("HR's queue: got %+v, want the head's request", q)
		}
		var out struct{ DecideQueuedLeaveRequest leave }
		o.env.Do(t, o.key, `mutation($id: ID!) { decideQueuedLeaveRequest(input: {id: $id, decision: APPROVE, comment: "ok"}) { `+leaveFields+` } }`,
			map[string]any{"id": r.ID}).Must(t, &out)
		if h := out.DecideQueuedLeaveRequest.History; out.DecideQueuedLeaveRequest.Status != kabinet.LeaveApproved || h[1].Actor != "ORGANIZATION" || h[1].ActorEmployee != nil {
			t.Fatalf("HR's decision: got %+v", out.DecideQueuedLeaveRequest)
		}
	})
	t.Run("ErrHRDecidesARoutedRequest", func(t *testing.T) {
		r := o.mustCreate(t, "E-1", "routed", "ANNUAL", "2027-03-01", "2027-03-02")
		o.env.Do(t, o.key, `mutation($id: ID!) { decideQueuedLeaveRequest(input: {id: $id, decision: APPROVE}) { id } }`,
			map[string]any{"id": r.ID}).WantCode(t, kabinet.EFORBIDDEN)
	})
	t.Run("OKDismissedManagerGoesToHR", func(t *testing.T) {
		o.env.Do(t, o.key, `mutation { upsertEmployees(input: [{externalId: "M-1", lastName: "Руководова", firstName: "Анна", email: "m1@example.com", departmentExternalId: "D-IT", dismissedOn: "2026-11-01"}]) { updated } }`, nil).Must(t, nil)
		r := o.mustCreate(t, "E-2", "e2", "ANNUAL", "2027-04-01", "2027-04-01")
		if !r.InHrQueue {
			t.Fatalf("with the manager dismissed: got approver %+v, want HR's queue", r.Approver)
		}
	})
}

func TestLeaveBadInput(t *testing.T) {
	o := newOffice(t)
	o.mustCreate(t, "E-1", "ok", "ANNUAL", "2026-12-01", "2026-12-10")
	for _, tc := range []struct {
		name, cmid, code, from, to, want string
	}{
		{"ErrReversedDates", "x1", "ANNUAL", "2026-12-20", "2026-12-19", kabinet.EBADINPUT},
		{"ErrMalformedDate", "x2", "ANNUAL", "2026-02-30", "2026-03-01", kabinet.EBADINPUT},
		{"ErrMoreThanAYearAhead", "x3", "ANNUAL", "2027-10-01", "2027-11-03", kabinet.EBADINPUT},
		{"ErrPastBeyondGrace", "x4", "ANNUAL", "2026-10-29", "2026-11-02", kabinet.EBADINPUT},
		{"ErrUnknownLeaveType", "x5", "SABBATICAL", "2027-01-10", "2027-01-11", kabinet.EBADINPUT},
		{"ErrEmptyClientMutationID", "", "ANNUAL", "2027-01-10", "2027-01-11", kabinet.EBADINPUT},
		{"ErrOverlapsOwnRequest", "x6", "UNPAID", "2026-12-10", "2026-12-12", kabinet.ECONFLICT},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o.create(t, "E-1", tc.cmid, tc.code, tc.from, tc.to).WantCode(t, tc.want)
		})
	}
	t.Run("ErrOverlapsVacation", func(t *testing.T) {
		o.create(t, "E-2", "v", "ANNUAL", "2026-12-13", "2026-12-14").WantCode(t, kabinet.ECONFLICT)
	})
	t.Run("OKWithinGrace", func(t *testing.T) {
		o.mustCreate(t, "E-2", "past", "ANNUAL", "2026-10-30", "2026-10-30")
	})
	t.Run("ErrNothingHalfWritten", func(t *testing.T) {
		var out struct {
			LeaveRequests struct{ Items []struct{ ID string } }
		}
		o.env.Do(t, o.key, `{ leaveRequests { items { id } } }`, nil).Must(t, &out)
		if len(out.LeaveRequests.Items) != 2 {
			t.Fatalf("got %d requests, want the 2 accepted ones", len(out.LeaveRequests.Items))
		}
	})
	t.Run("ErrOrganisationKeyCannotAsk", func(t *testing.T) {
		o.env.Do(t, o.key, `mutation { createLeaveRequest(input: {clientMutationId: "k", leaveTypeCode: "ANNUAL", startsOn: "2027-01-01", endsOn: "2027-01-02"}) { id } }`, nil).
			WantCode(t, kabinet.EFORBIDDEN)
	})
	t.Run("ErrRegisterBatchAllOrNothing", func(t *testing.T) {
		approved := o.mustCreate(t, "E-1", "reg", "ANNUAL", "2027-02-01", "2027-02-02")
		pending := o.mustCreate(t, "E-1", "reg2", "ANNUAL", "2027-02-10", "2027-02-11")
		o.decide(t, "M-1", approved.ID, "APPROVE", "").Must(t, nil)
		e := o.env.Do(t, o.key, `mutation($ids: [ID!]!) { registerLeaveRequests(ids: $ids) { id } }`,
			map[string]any{"ids": []string{approved.ID, pending.ID}}).WantCode(t, kabinet.ECONFLICT)
		if items, _ := e.Extensions["items"].([]any); len(items) != 1 {
			t.Errorf("got items %v, want the pending one named", e.Extensions["items"])
		}
		o.env.Do(t, o.key, `mutation($ids: [ID!]!) { registerLeaveRequests(ids: $ids) { id } }`,
			map[string]any{"ids": []string{approved.ID, "lr_nope"}}).WantCode(t, kabinet.ENOTFOUND)
		var out struct {
			LeaveRequests struct{ Items []struct{ ID string } }
		}
		o.env.Do(t, o.key, `{ leaveRequests(status: REGISTERED) { items { id } } }`, nil).Must(t, &out)
		if len(out.LeaveRequests.Items) != 0 {
			t.Fatalf("a refused batch registered %v", out.LeaveRequests.Items)
		}
		o.env.Do(t, o.key, `mutation($id: ID!) { cancelLeaveRequest(id: $id, reason: "") { id } }`, map[string]any{"id": approved.ID}).WantCode(t, kabinet.EBADINPUT)
		var c struct{ CancelLeaveRequest leave }
		o.env.Do(t, o.key, `mutation($id: ID!) { cancelLeaveRequest(id: $id, reason: "производственная необходимость") { `+leaveFields+` } }`,
			map[string]any{"id": approved.ID}).Must(t, &c)
		if h := c.CancelLeaveRequest.History; c.CancelLeaveRequest.Status != kabinet.LeaveCancelled || len(h) != 3 || *h[2].Comment != "производственная необходимость" {
			t.Fatalf("cancelled: got %+v", c.CancelLeaveRequest)
		}
		o.env.Do(t, o.key, `mutation($ids: [ID!]!) { registerLeaveRequests(ids: $ids) { id } }`,
			map[string]any{"ids": []string{approved.ID}}).WantCode(t, kabinet.ECONFLICT)
	})
	t.Run("ErrBadCursor", func(t *testing.T) {
		o.env.Do(t, o.key, `{ leaveRequests(since: "nonsense") { cursor } }`, nil).WantCode(t, kabinet.EBADINPUT)
	})
}

func TestLeaveIsolation(t *testing.T) {
	o := newOffice(t)
	r := o.mustCreate(t, "E-1", "iso", "ANNUAL", "2026-12-01", "2026-12-05")
	_, other := o.env.NewOrg(t, "ООО Другая")
	var out struct {
		LeaveRequests struct{ Items []struct{ ID string } }
	}
	o.env.Do(t, other, `{ leaveRequests { items { id } } }`, nil).Must(t, &out)
	if len(out.LeaveRequests.Items) != 0 {
		t.Fatalf("another organisation sees %v", out.LeaveRequests.Items)
	}
	o.env.Do(t, other, `mutation($id: ID!) { decideQueuedLeaveRequest(input: {id: $id, decision: APPROVE}) { id } }`, map[string]any{"id": r.ID}).WantCode(t, kabinet.ENOTFOUND)
	o.env.Do(t, other, `mutation($id: ID!) { cancelLeaveRequest(id: $id, reason: "x") { id } }`, map[string]any{"id": r.ID}).WantCode(t, kabinet.ENOTFOUND)
	o.env.Do(t, other, `mutation($ids: [ID!]!) { registerLeaveRequests(ids: $ids) { id } }`, map[string]any{"ids": []string{r.ID}}).WantCode(t, kabinet.ENOTFOUND)
	// A colleague of the same organisation does not get the request in sync.
	if s := o.sync(t, "E-2", ""); slices.ContainsFunc(s.LeaveRequests, func(l leave) bool { return l.ID == r.ID }) {
		t.Fatalf("E-2's sync has E-1's request")
	}
}

func TestLeaveSettings(t *testing.T) {
	o := newOffice(t)
	var st struct {
		LeaveRequestSettings struct{ PastGraceDays, ApprovalReminderHours int }
	}
	o.env.Do(t, o.key, `{ leaveRequestSettings { pastGraceDays approvalReminderHours } }`, nil).Must(t, &st)
	if st.LeaveRequestSettings.PastGraceDays != 3 || st.LeaveRequestSettings.ApprovalReminderHours != 24 {
		t.Fatalf("defaults: got %+v, want 3 days and 24 hours", st.LeaveRequestSettings)
	}
	t.Run("ErrOutOfRange", func(t *testing.T) {
		e := o.env.Do(t, o.key, `mutation { updateLeaveRequestSettings(input: {pastGraceDays: -1, approvalReminderHours: 100000}) { pastGraceDays } }`, nil).
			WantCode(t, kabinet.EBADINPUT)
		if items, _ := e.Extensions["items"].([]any); len(items) != 2 {
			t.Errorf("got items %v, want both fields named", e.Extensions["items"])
		}
		o.env.Do(t, o.key, `{ leaveRequestSettings { pastGraceDays approvalReminderHours } }`, nil).Must(t, &st)
		if st.LeaveRequestSettings.PastGraceDays != 3 {
			t.Fatalf("a refused update changed the settings: %+v", st.LeaveRequestSettings)
		}
	})
	t.Run("OKNoGraceNoReminder", func(t *testing.T) {
		o.env.Do(t, o.key, `mutation { updateLeaveRequestSettings(input: {pastGraceDays: 0, approvalReminderHours: 0}) { pastGraceDays approvalReminderHours } }`, nil).Must(t, &st)
		o.create(t, "E-1", "yesterday", "ANNUAL", "2026-11-01", "2026-11-01").WantCode(t, kabinet.EBADINPUT)
		r := o.mustCreate(t, "E-1", "today", "ANNUAL", "2026-11-02", "2026-11-02")
		var out struct {
			Deliveries []struct{ Kind string }
		}
		o.env.Do(t, o.key, `{ deliveries(employeeExternalId: "M-1") { kind } }`, nil).Must(t, &out)
		var kinds []string
		for _, d := range out.Deliveries {
			if strings.HasPrefix(d.Kind, "LEAVE") {
				kinds = append(kinds, d.Kind)
			}
		}
		if !slices.Equal(kinds, []string{kabinet.NotifyLeaveApproval}) {
			t.Fatalf("planned for the approver of %s: got %v, want the notice without a reminder", r.ID, kinds)
		}
	})
}

// TestLeaveReminderAfterLostCancellation: a decision commits, and the
// process dies before it cancels the approver's pending reminder (the
// cancellation runs after the commit). The reminder is not sent the next
// morning: the dispatcher checks the request is still PENDING when it
// claims the reminder, and the delivery log says why it was cancelled.
func TestLeaveReminderAfterLostCancellation(t *testing.T) {
	o := newOffice(t)
	o.env.Clock.Set(time.Date(2026, 11, 2, 7, 0, 0, 0, time.UTC)) // 10:00 in Moscow
	o.signIn(t)
	r := o.mustCreate(t, "E-2", "lost", "ANNUAL", "2027-02-01", "2027-02-02")
	o.dispatch(t) // the approver's notice
	before := len(o.apns.Requests())

	// The decision's write alone, as a crash would leave it: no notifier ran.
	ctx := context.Background()
	if _, err := o.env.App.DB.TransitionLeaveRequests(ctx, o.org, []string{r.ID}, func(rs []*kabinet.LeaveRequest) ([]kabinet.LeaveTransition, error) {
		return []kabinet.LeaveTransition{{ID: r.ID, To: kabinet.LeaveApproved, Actor: "EMPLOYEE", ActorEmployeeID: rs[0].ApproverID, Decision: true}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	o.env.Clock.Set(time.Date(2026, 11, 3, 7, 0, 0, 0, time.UTC)) // the reminder's morning
	o.dispatch(t)
	if got := o.apns.Requests()[before:]; len(got) != 0 {
		t.Fatalf("got %d APNs notices to the approver after the decision, want none", len(got))
	}
	var out struct {
		Deliveries []struct{ Kind, Status, Error string }
	}
	o.env.Do(t, o.key, `{ deliveries(employeeExternalId: "M-1") { kind status error } }`, nil).Must(t, &out)
	var reminder []string
	for _, d := range out.Deliveries {
		if d.Kind == kabinet.NotifyLeaveApprovalReminder {
			reminder = append(reminder, d.Status+": "+d.Error)
		}
	}
	if len(reminder) != 1 || reminder[0] != "CANCELLED: request approved" {
		t.Fatalf("the approver's reminder in the delivery log: got %q, want one CANCELLED: request approved", reminder)
	}
}
