package requests

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/kabinet/kabinet"
)

// maxRegister bounds a registerLeaveRequests batch.
const maxRegister = 1000

// WithdrawLeave withdraws the employee's own pending request. FORBIDDEN
// for someone else's request; CONFLICT when it is no longer pending;
// NOT_FOUND for an unknown one.
func (s *Service) WithdrawLeave(ctx context.Context, orgID, employeeID, id string) (*kabinet.LeaveRequest, error) {
	if orgID == "" || employeeID == "" {
		return nil, kabinet.Errorf(kabinet.EFORBIDDEN, "withdrawLeaveRequest needs an employee's access token")
	}
	return s.transition(ctx, orgID, id, func(r *kabinet.LeaveRequest) (kabinet.LeaveTransition, error) {
		if r.EmployeeID != employeeID {
			return kabinet.LeaveTransition{}, kabinet.Errorf(kabinet.EFORBIDDEN, "only the employee who asked may withdraw a leave request")
		}
		return kabinet.LeaveTransition{ID: r.ID, To: kabinet.LeaveWithdrawn, Actor: kabinet.LeaveActorEmployee, ActorEmployeeID: employeeID},
			checkTransition(r, kabinet.LeaveWithdrawn, kabinet.LeaveActorEmployee)
	})
}

// DecideLeave approves or rejects a pending request routed to the
// employee (the approver), with an optional comment. FORBIDDEN for one's
// own request or one routed to someone else (or to HR); CONFLICT when it
// is no longer pending (decided twice, withdrawn); NOT_FOUND for an
// unknown one; BAD_USER_INPUT for an over-long comment.
func (s *Service) DecideLeave(ctx context.Context, orgID, approverID, id string, approve bool, comment string) (*kabinet.LeaveRequest, error) {
	if orgID == "" || approverID == "" {
		return nil, kabinet.Errorf(kabinet.EFORBIDDEN, "decideLeaveRequest needs an employee's access token")
	}
	return s.decide(ctx, orgID, id, approve, comment, func(r *kabinet.LeaveRequest) (string, error) {
		switch {
		case r.EmployeeID == approverID:
			return "", kabinet.Errorf(kabinet.EFORBIDDEN, "you cannot decide your own leave request")
		case r.ApproverID != approverID:
			return "", kabinet.Errorf(kabinet.EFORBIDDEN, "leave request %s is not routed to you", r.ID)
		}
		return kabinet.LeaveActorApprover, nil
	}, approverID)
}

// DecideQueuedLeave is HR's decision on a request in HR's queue (routed to
// no manager). FORBIDDEN for a request routed to a manager; otherwise as
// DecideLeave.
func (s *Service) DecideQueuedLeave(ctx context.Context, orgID, id string, approve bool, comment string) (*kabinet.LeaveRequest, error) {
	return s.decide(ctx, orgID, id, approve, comment, func(r *kabinet.LeaveRequest) (string, error) {
		if r.ApproverID != "" {
			return "", kabinet.Errorf(kabinet.EFORBIDDEN, "leave request %s is routed to the employee's manager, not to HR's queue", r.ID)
		}
		return kabinet.LeaveActorOrganization, nil
	}, "")
}

func (s *Service) decide(ctx context.Context, orgID, id string, approve bool, comment string, who func(*kabinet.LeaveRequest) (string, error), actorID string) (*kabinet.LeaveRequest, error) {
	comment = strings.TrimSpace(comment)
	if utf8.RuneCountInString(comment) > maxComment {
		return nil, kabinet.Errorf(kabinet.EBADINPUT, "comment must be at most %d characters", maxComment)
	}
	to := kabinet.LeaveRejected
	if approve {
		to = kabinet.LeaveApproved
	}
	return s.transition(ctx, orgID, id, func(r *kabinet.LeaveRequest) (kabinet.LeaveTransition, error) {
		actor, err := who(r)
		if err != nil {
			return kabinet.LeaveTransition{}, err
		}
		return kabinet.LeaveTransition{ID: r.ID, To: to, Actor: actor, ActorEmployeeID: actorID, Comment: comment, Decision: true},
			checkTransition(r, to, actor)
	})
}

// CancelLeave is HR's cancellation of an approved request, with a reason.
// BAD_USER_INPUT without a reason; CONFLICT unless the request is
// approved (and not yet registered); NOT_FOUND for an unknown one.
func (s *Service) CancelLeave(ctx context.Context, orgID, id, reason string) (*kabinet.LeaveRequest, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > maxComment {
		return nil, kabinet.Errorf(kabinet.EBADINPUT, "a reason of 1 to %d characters is required", maxComment)
	}
	return s.transition(ctx, orgID, id, func(r *kabinet.LeaveRequest) (kabinet.LeaveTransition, error) {
		return kabinet.LeaveTransition{ID: r.ID, To: kabinet.LeaveCancelled, Actor: kabinet.LeaveActorOrganization, Comment: reason},
			checkTransition(r, kabinet.LeaveCancelled, kabinet.LeaveActorOrganization)
	})
}

// RegisterLeave is the payroll system's confirmation that it registered
// approved requests: all or nothing, and idempotent (a request already
// registered stays so). BAD_USER_INPUT for an empty, over-long or
// repeating list; NOT_FOUND (with extensions.items) when an id is unknown;
// CONFLICT (with extensions.items) when a request is neither approved nor
// registered. Nothing is written then.
func (s *Service) RegisterLeave(ctx context.Context, orgID string, ids []string) ([]*kabinet.LeaveRequest, error) {
	if len(ids) == 0 || len(ids) > maxRegister {
		return nil, kabinet.Errorf(kabinet.EBADINPUT, "ids must name 1 to %d leave requests", maxRegister)
	}
	seen := make(map[string]int, len(ids))
	for i, id := range ids {
		if j, dup := seen[id]; dup {
			return nil, kabinet.Errorf(kabinet.EBADINPUT, "ids: %q is repeated (items %d and %d)", id, j, i)
		}
		seen[id] = i
	}
	registered := map[string]bool{}
	out, err := s.Store.TransitionLeaveRequests(ctx, orgID, ids, func(cur []*kabinet.LeaveRequest) ([]kabinet.LeaveTransition, error) {
		clear(registered)
		var missing, wrong []kabinet.ItemError
		ts := make([]kabinet.LeaveTransition, 0, len(cur))
		for i, r := range cur {
			switch {
			case r == nil:
				missing = append(missing, kabinet.ItemError{Index: i, Field: "ids", Reason: "leave request " + ids[i] + " not found"})
			case r.Status == kabinet.LeaveRegistered:
				// Registered already: a repeated confirmation changes nothing.
			default:
				if err := checkTransition(r, kabinet.LeaveRegistered, kabinet.LeaveActorOrganization); err != nil {
					wrong = append(wrong, kabinet.ItemError{Index: i, Field: "ids", Reason: kabinet.ErrorMessage(err)})
					continue
				}
				ts = append(ts, kabinet.LeaveTransition{ID: r.ID, To: kabinet.LeaveRegistered, Actor: kabinet.LeaveActorOrganization})
				registered[r.ID] = true
			}
		}
		switch {
		case len(missing) > 0:
			return nil, &kabinet.Error{Code: kabinet.ENOTFOUND, Items: append(missing, wrong...),
				Message: "registerLeaveRequests: " + missing[0].Reason + "; nothing was registered"}
		case len(wrong) > 0:
			return nil, &kabinet.Error{Code: kabinet.ECONFLICT, Items: wrong,
				Message: "registerLeaveRequests: " + wrong[0].Reason + "; nothing was registered"}
		}
		return ts, nil
	})
	if err != nil {
		return nil, err
	}
	for _, r := range out {
		if registered[r.ID] {
			s.notify(ctx, r, kabinet.LeaveApproved)
		}
	}
	return out, nil
}

// transition applies one transition decided by fn on the locked request and
// tells Notify when it changed something.
func (s *Service) transition(ctx context.Context, orgID, id string, fn func(*kabinet.LeaveRequest) (kabinet.LeaveTransition, error)) (*kabinet.LeaveRequest, error) {
	if id == "" || len(id) > 64 {
		return nil, kabinet.Errorf(kabinet.ENOTFOUND, "leave request %q not found", id)
	}
	var from string
	out, err := s.Store.TransitionLeaveRequests(ctx, orgID, []string{id}, func(cur []*kabinet.LeaveRequest) ([]kabinet.LeaveTransition, error) {
		if cur[0] == nil {
			return nil, kabinet.Errorf(kabinet.ENOTFOUND, "leave request %q not found", id)
		}
		from = cur[0].Status
		t, err := fn(cur[0])
		if err != nil {
			return nil, err
		}
		return []kabinet.LeaveTransition{t}, nil
	})
	if err != nil {
		return nil, err
	}
	if out[0].Status != from {
		s.notify(ctx, out[0], from)
	}
	return out[0], nil
}

// notify tells Notify that r left status from.
func (s *Service) notify(ctx context.Context, r *kabinet.LeaveRequest, from string) {
	if s.Notify != nil {
		s.Notify.LeaveTransitioned(ctx, r, from)
	}
}
