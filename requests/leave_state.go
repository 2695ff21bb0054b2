package requests

import (
	"slices"
	"strings"

	"github.com/kabinet/kabinet"
)

// leaveTransitions is the one table of a leave request's transitions: from
// a status to another, and who may make it. Anything not listed is
// CONFLICT. Who is routed where (the approver, HR's queue) is checked
// before, by the operation (FORBIDDEN).
var leaveTransitions = map[[2]string][]string{
	{kabinet.LeavePending, kabinet.LeaveApproved}:    {kabinet.LeaveActorApprover, kabinet.LeaveActorOrganization},
	{kabinet.LeavePending, kabinet.LeaveRejected}:    {kabinet.LeaveActorApprover, kabinet.LeaveActorOrganization},
	{kabinet.LeavePending, kabinet.LeaveWithdrawn}:   {kabinet.LeaveActorEmployee},
	{kabinet.LeaveApproved, kabinet.LeaveRegistered}: {kabinet.LeaveActorOrganization},
	{kabinet.LeaveApproved, kabinet.LeaveCancelled}:  {kabinet.LeaveActorOrganization},
}

// liveLeave are the statuses of a request that still stands (or may):
// another request may not share a day with it, and team views show it.
var liveLeave = []string{kabinet.LeavePending, kabinet.LeaveApproved, kabinet.LeaveRegistered}

// bookedLeave are the statuses whose days a published balance does not
// count yet: asked for or approved, not yet registered by payroll.
var bookedLeave = []string{kabinet.LeavePending, kabinet.LeaveApproved}

// checkTransition tells whether actor may move r to status to: nil, or
// CONFLICT naming the request's status.
func checkTransition(r *kabinet.LeaveRequest, to, actor string) error {
	if slices.Contains(leaveTransitions[[2]string{r.Status, to}], actor) {
		return nil
	}
	return kabinet.Errorf(kabinet.ECONFLICT, "leave request %s is %s; it cannot become %s", r.ID, r.Status, to)
}

// statusWord is a status in the words of an error message.
func statusWord(status string) string { return strings.ToLower(status) }
