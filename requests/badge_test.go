package requests_test

import (
	"testing"

	"github.com/kabinet/kabinet/internal/testkit"
)

// TestBadgeCountsApprovals: the iOS badge is what waits for the recipient
// — unviewed payslips plus leave requests waiting for their decision —
// computed when the notification is sent, so a second request raises it
// and a decision lowers it; and an approver who turned approvals off gets
// no notice, while the request still waits in their sync.
func TestBadgeCountsApprovals(t *testing.T) {
	o := newOffice(t)
	o.env.PublishPayslips(t, o.key, testkit.Payslip("PS-1", "M-1", "2026-10"))
	o.mustCreate(t, "E-1", "leave-1", "ANNUAL", "2026-12-01", "2026-12-05")
	o.dispatch(t)
	_, reqs := o.pushed()
	if len(reqs) != 1 {
		t.Fatalf("got %d APNs requests, want M-1's notice", len(reqs))
	}
	if _, _, badge, _ := reqs[0].Alert(); badge != 2 {
		t.Errorf("got badge %d, want 2: one unviewed payslip and one request to decide", badge)
	}
	second := o.mustCreate(t, "E-2", "leave-2", "ANNUAL", "2026-11-16", "2026-11-17")
	o.dispatch(t)
	_, reqs = o.pushed()
	if _, _, badge, _ := reqs[len(reqs)-1].Alert(); len(reqs) != 2 || badge != 3 {
		t.Errorf("got %d requests, last badge %d; want 2, badge 3 after a second request", len(reqs), badge)
	}

	o.decide(t, "M-1", second.ID, "APPROVE", "").Must(t, nil)
	o.env.Do(t, o.tokens["M-1"], `mutation { updateNotificationPreferences(input: [{kind: APPROVALS, enabled: false}]) { kind } }`, nil).Must(t, nil)
	o.mustCreate(t, "E-2", "leave-3", "ANNUAL", "2026-11-23", "2026-11-23")
	o.dispatch(t)
	_, reqs = o.pushed()
	if len(reqs) != 2 {
		t.Errorf("got %d APNs requests, want still 2: M-1 turned approvals off", len(reqs))
	}
	if page := o.sync(t, "M-1", ""); len(page.LeaveRequests) != 2 {
		t.Errorf("got %d requests in M-1's sync, want the 2 still waiting (preferences silence pushes, not data)", len(page.LeaveRequests))
	}
}
