package requests

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/kabinet/kabinet"
)

// Page sizes of the listings.
const (
	DefaultPage     = 100
	MaxPage         = 1000
	maxTeamPending  = 500 // pending requests shown to one approver
	maxTeamAbsences = 50  // absences shown beside one request
)

// LeavePage is one page of the organisation's requests, in the order of
// their last transition.
type LeavePage struct {
	Items []*kabinet.LeaveRequest
	// Cursor is opaque: pass it as since for the next page. It is the
	// position of the last item, or since again when the page is empty.
	Cursor  string
	HasMore bool
}

// LeaveQuery narrows HR's and the payroll system's listing.
type LeaveQuery struct {
	Status             string // "" any
	EmployeeExternalID string // "" anyone
	HRQueue            bool   // only requests routed to HR
	Since              string // a cursor of a previous page; "" from the start
	Limit              *int
}

// LeaveRequests lists the organisation's requests changed after the
// cursor, in the order of their last transition: a request comes again
// whenever its status changes, so the payroll system pulling without a
// status sees every approval and every cancellation once per change.
// BAD_USER_INPUT for a malformed cursor or a limit outside 1–1000;
// NOT_FOUND for an unknown employee.
func (s *Service) LeaveRequests(ctx context.Context, orgID string, q LeaveQuery) (*LeavePage, error) {
	n := DefaultPage
	if q.Limit != nil {
		if *q.Limit < 1 || *q.Limit > MaxPage {
			return nil, kabinet.Errorf(kabinet.EBADINPUT, "limit must be between 1 and %d", MaxPage)
		}
		n = *q.Limit
	}
	after, err := decodeLeaveCursor(q.Since)
	if err != nil {
		return nil, err
	}
	f := kabinet.LeaveRequestFilter{Status: q.Status, HRQueue: q.HRQueue, After: after, Limit: n + 1}
	if q.EmployeeExternalID != "" {
		e, err := s.Store.EmployeeByExternalID(ctx, orgID, strings.TrimSpace(q.EmployeeExternalID))
		if err != nil {
			return nil, err
		}
		f.EmployeeID = e.ID
	}
	items, err := s.Store.LeaveRequests(ctx, orgID, f)
	if err != nil {
		return nil, err
	}
	page := &LeavePage{Items: items, Cursor: encodeLeaveCursor(after)}
	if len(items) > n {
		page.Items, page.HasMore = items[:n], true
	}
	if k := len(page.Items); k > 0 {
		page.Cursor = encodeLeaveCursor(page.Items[k-1].Position)
	}
	return page, nil
}

// TeamLeaveRequests lists the pending requests routed to the approver,
// oldest first (at most 500).
func (s *Service) TeamLeaveRequests(ctx context.Context, orgID, approverID string) ([]*kabinet.LeaveRequest, error) {
	if orgID == "" || approverID == "" {
		return nil, kabinet.Errorf(kabinet.EFORBIDDEN, "teamLeaveRequests needs an employee's access token")
	}
	return s.Store.LeaveRequests(ctx, orgID, kabinet.LeaveRequestFilter{Status: kabinet.LeavePending, ApproverID: approverID, Limit: maxTeamPending})
}

// mayDecide tells whether the viewer (an employee id; "" for the
// organisation's key) is who decides r: its approver, or HR for its queue
// and for everything else it administers.
func mayDecide(r *kabinet.LeaveRequest, viewer string) bool {
	return viewer == "" || r.ApproverID == viewer
}

// TeamAbsences lists who else in the requester's department is away (or
// asks to be) on the request's dates: live requests and planned vacations,
// at most 50. Only for who decides it (see mayDecide); empty for anyone
// else, the requester included.
func (s *Service) TeamAbsences(ctx context.Context, r *kabinet.LeaveRequest, viewer string) ([]kabinet.Absence, error) {
	if !mayDecide(r, viewer) {
		return nil, nil
	}
	emp, err := s.Store.Employee(ctx, r.OrgID, r.EmployeeID)
	if err != nil {
		return nil, err
	}
	return s.Store.TeamAbsences(ctx, r.OrgID, emp.DepartmentExternalID, r.EmployeeID, r.StartsOn, r.EndsOn, liveLeave, maxTeamAbsences)
}

// Balance is the requester's published balance of the request's leave
// type, for the requester and who decides; nil when none is published or
// for anyone else.
func (s *Service) Balance(ctx context.Context, r *kabinet.LeaveRequest, viewer string) (*kabinet.LeaveBalance, error) {
	if viewer != r.EmployeeID && !mayDecide(r, viewer) {
		return nil, nil
	}
	return s.Store.LeaveBalance(ctx, r.OrgID, r.EmployeeID, r.LeaveTypeCode)
}

// History returns the request's transitions, oldest first.
func (s *Service) History(ctx context.Context, r *kabinet.LeaveRequest) ([]kabinet.LeaveRequestEvent, error) {
	h, err := s.Store.LeaveRequestHistory(ctx, r.OrgID, []string{r.ID})
	return h[r.ID], err
}

// leaveCursorPrefix versions the cursor's text.
const leaveCursorPrefix = "lr1:"

func encodeLeaveCursor(pos int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(leaveCursorPrefix + strconv.FormatInt(pos, 10)))
}

func decodeLeaveCursor(c string) (int64, error) {
	if c == "" {
		return 0, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(c)
	rest, ok := strings.CutPrefix(string(raw), leaveCursorPrefix)
	pos, perr := strconv.ParseInt(rest, 10, 64)
	if err != nil || !ok || perr != nil || pos < 0 {
		return 0, kabinet.Errorf(kabinet.EBADINPUT, "since is not a cursor this server issued; start without one")
	}
	return pos, nil
}

// Settings returns the organisation's leave request settings.
func (s *Service) Settings(ctx context.Context, orgID string) (kabinet.LeaveRequestSettings, error) {
	return s.Store.LeaveRequestSettings(ctx, orgID)
}

// SettingsInput changes some settings; nil fields keep their value.
type SettingsInput struct {
	PastGraceDays *int
	ReminderHours *int
}

// Limits of the settings.
const (
	MaxPastGraceDays = 366
	MaxReminderHours = 24 * 30
)

// UpdateSettings validates and stores the changed settings.
// BAD_USER_INPUT (listing every invalid field) for pastGraceDays outside
// 0–366 or reminderHours outside 0–720; nothing changes then.
func (s *Service) UpdateSettings(ctx context.Context, orgID string, in SettingsInput) (kabinet.LeaveRequestSettings, error) {
	cur, err := s.Store.LeaveRequestSettings(ctx, orgID)
	if err != nil {
		return cur, err
	}
	b := kabinet.NewBatchError("settings")
	if v := in.PastGraceDays; v != nil {
		if *v < 0 || *v > MaxPastGraceDays {
			b.Add(0, "", "pastGraceDays", "must be between 0 and %d", MaxPastGraceDays)
		}
		cur.PastGraceDays = *v
	}
	if v := in.ReminderHours; v != nil {
		if *v < 0 || *v > MaxReminderHours {
			b.Add(0, "", "approvalReminderHours", "must be between 0 (no reminder) and %d", MaxReminderHours)
		}
		cur.ReminderHours = *v
	}
	if err := b.Err(); err != nil {
		return kabinet.LeaveRequestSettings{}, err
	}
	if err := s.Store.SetLeaveRequestSettings(ctx, orgID, cur); err != nil {
		return cur, err
	}
	return s.Store.LeaveRequestSettings(ctx, orgID)
}
