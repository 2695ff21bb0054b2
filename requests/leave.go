package requests

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kabinet/kabinet"
)

// Limits of a leave request's input.
const (
	maxClientMutationID = 128 // bytes
	maxLeaveTypeCode    = 64  // runes, as published
	maxComment          = 1000
	maxAhead            = 1 // years: a request must end within a year of today
)

// LeaveInput is a new leave request as the phone sends it.
type LeaveInput struct {
	ClientMutationID string
	LeaveTypeCode    string
	StartsOn         string // "2026-12-01"
	EndsOn           string
	Comment          string
}

// fingerprint identifies the content of a create: a replay must carry the
// same.
func (in LeaveInput) fingerprint() string {
	h := sha256.Sum256([]byte(in.LeaveTypeCode + "\x00" + in.StartsOn + "\x00" + in.EndsOn + "\x00" + in.Comment))
	return hex.EncodeToString(h[:16])
}

// CreateLeave creates the employee's leave request (an offline action),
// routed to their manager (kabinet.OrgChart.ManagerOf) or, when they have
// none who can decide, to HR's queue; the approver is told by push. Once
// per ClientMutationID: a replay with the same content returns the request
// as it is now and changes nothing.
//
// Errors: BAD_USER_INPUT for a missing or over-long clientMutationId,
// leave type or comment, malformed or reversed dates, a start earlier than
// the organisation's grace before today, an end more than a year ahead, or
// a leave type the organisation never published; CONFLICT for a
// clientMutationId already used with other content, or a day shared with
// the employee's other live request or planned vacation; FORBIDDEN without
// an employee. A balance that would go negative is a warning on the
// request, not an error.
func (s *Service) CreateLeave(ctx context.Context, orgID, employeeID string, in LeaveInput) (*kabinet.LeaveRequest, error) {
	if orgID == "" || employeeID == "" {
		return nil, kabinet.Errorf(kabinet.EFORBIDDEN, "createLeaveRequest needs an employee's access token")
	}
	in.LeaveTypeCode, in.Comment = strings.TrimSpace(in.LeaveTypeCode), strings.TrimSpace(in.Comment)
	switch {
	case in.ClientMutationID == "" || len(in.ClientMutationID) > maxClientMutationID || !utf8.ValidString(in.ClientMutationID):
		return nil, kabinet.Errorf(kabinet.EBADINPUT, "clientMutationId must be 1 to %d bytes of text", maxClientMutationID)
	case in.LeaveTypeCode == "" || utf8.RuneCountInString(in.LeaveTypeCode) > maxLeaveTypeCode:
		return nil, kabinet.Errorf(kabinet.EBADINPUT, "leaveTypeCode must be 1 to %d characters", maxLeaveTypeCode)
	case utf8.RuneCountInString(in.Comment) > maxComment:
		return nil, kabinet.Errorf(kabinet.EBADINPUT, "comment must be at most %d characters", maxComment)
	}
	emp, err := s.Store.Employee(ctx, orgID, employeeID)
	if err != nil {
		return nil, err
	}
	loc, err := s.zone(ctx, emp)
	if err != nil {
		return nil, err
	}
	st, err := s.Store.LeaveRequestSettings(ctx, orgID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	days, err := leaveDays(in.StartsOn, in.EndsOn, now.In(loc), st.PastGraceDays)
	if err != nil {
		return nil, err
	}
	approver, err := s.route(ctx, emp, now, loc)
	if err != nil {
		return nil, err
	}
	r := &kabinet.LeaveRequest{ID: kabinet.NewID("lr"), OrgID: orgID, EmployeeID: employeeID, EmployeeExternalID: emp.ExternalID,
		LeaveTypeCode: in.LeaveTypeCode, StartsOn: in.StartsOn, EndsOn: in.EndsOn, Days: days, Comment: in.Comment,
		Status: kabinet.LeavePending, ApproverID: approver, ClientMutationID: in.ClientMutationID, Fingerprint: in.fingerprint()}
	out, replayed, err := s.Store.CreateLeaveRequest(ctx, r, func(f kabinet.LeaveRequestFacts) error { return checkLeave(r, f) })
	switch {
	case err != nil:
		return nil, err
	case replayed && out.Fingerprint != r.Fingerprint:
		return nil, kabinet.Errorf(kabinet.ECONFLICT, "clientMutationId %q was already used for another leave request", in.ClientMutationID)
	case replayed:
		return out, nil
	}
	if s.Notify != nil {
		s.Notify.LeaveRequested(ctx, out, fullName(emp), time.Duration(st.ReminderHours)*time.Hour)
	}
	return out, nil
}

// leaveDays checks a request's dates against today (in the employee's
// zone) and returns its length in calendar days, both ends included: no
// production calendar is applied, so holidays inside are counted.
func leaveDays(startsOn, endsOn string, today time.Time, graceDays int) (int, error) {
	start, err1 := time.Parse(kabinet.DateLayout, startsOn)
	end, err2 := time.Parse(kabinet.DateLayout, endsOn)
	switch {
	case err1 != nil:
		return 0, kabinet.Errorf(kabinet.EBADINPUT, "startsOn must be a date, YYYY-MM-DD (got %q)", startsOn)
	case err2 != nil:
		return 0, kabinet.Errorf(kabinet.EBADINPUT, "endsOn must be a date, YYYY-MM-DD (got %q)", endsOn)
	case end.Before(start):
		return 0, kabinet.Errorf(kabinet.EBADINPUT, "endsOn %s is before startsOn %s", endsOn, startsOn)
	}
	day := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	if earliest := day.AddDate(0, 0, -graceDays); start.Before(earliest) {
		return 0, kabinet.Errorf(kabinet.EBADINPUT, "startsOn %s is too far in the past: the earliest allowed today is %s", startsOn,
			earliest.Format(kabinet.DateLayout))
	}
	if latest := day.AddDate(maxAhead, 0, 0); end.After(latest) {
		return 0, kabinet.Errorf(kabinet.EBADINPUT, "endsOn %s is more than a year ahead (the latest allowed today is %s)", endsOn,
			latest.Format(kabinet.DateLayout))
	}
	return int(end.Sub(start).Hours()/24) + 1, nil
}

// checkLeave decides, from the facts read in the writing transaction,
// whether the request may be written, and sets what the facts add to it
// (the leave type's title, warnings).
func checkLeave(r *kabinet.LeaveRequest, f kabinet.LeaveRequestFacts) error {
	if f.LeaveTypeTitle == "" {
		return kabinet.Errorf(kabinet.EBADINPUT, "leave type %q is not one the organisation published", r.LeaveTypeCode)
	}
	r.LeaveTypeTitle = f.LeaveTypeTitle
	for _, a := range f.Overlaps {
		if a.Kind == kabinet.EntityVacation {
			return kabinet.Errorf(kabinet.ECONFLICT, "the dates overlap your planned vacation %s – %s", a.StartsOn, a.EndsOn)
		}
		if slices.Contains(liveLeave, a.Status) {
			return kabinet.Errorf(kabinet.ECONFLICT, "the dates overlap your %s leave request %s (%s – %s)", statusWord(a.Status), a.ID,
				a.StartsOn, a.EndsOn)
		}
	}
	r.Warnings = nil
	if f.Balance == nil {
		r.Warnings = append(r.Warnings, fmt.Sprintf("no balance of %s is published for you; HR will check", f.LeaveTypeTitle))
		return nil
	}
	booked := r.Days
	for _, st := range bookedLeave {
		booked += f.DaysByStatus[st]
	}
	if left := f.Balance.RemainingDays - kabinet.Decimal(booked*100); left < 0 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("the balance of %s as of %s (%s days), less this and your other requests, would be %s days",
			f.LeaveTypeTitle, f.Balance.AsOf, f.Balance.RemainingDays, left))
	}
	return nil
}

// route returns the approver of the employee's request: their manager by
// the one manager rule, or "" (HR's queue) when there is none or the
// manager is dismissed.
func (s *Service) route(ctx context.Context, emp *kabinet.Employee, now time.Time, loc *time.Location) (string, error) {
	chart, err := s.Store.OrgChart(ctx, emp.OrgID)
	if err != nil {
		return "", err
	}
	id := chart.ManagerOf(kabinet.OrgMember{ID: emp.ID, ExternalID: emp.ExternalID, DepartmentExternalID: emp.DepartmentExternalID})
	if id == "" || id == emp.ID {
		return "", nil
	}
	m, err := s.Store.Employee(ctx, emp.OrgID, id)
	switch {
	case kabinet.ErrorCode(err) == kabinet.ENOTFOUND:
		return "", nil
	case err != nil:
		return "", err
	case m.Dismissed(now, loc):
		return "", nil
	}
	return id, nil
}

// zone is the employee's time zone, else the organisation's: "today" for
// the date checks.
func (s *Service) zone(ctx context.Context, emp *kabinet.Employee) (*time.Location, error) {
	name := emp.Timezone
	if name == "" {
		org, err := s.Store.Organization(ctx, emp.OrgID)
		if err != nil {
			return nil, err
		}
		name = org.Timezone
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "" {
		return time.UTC, nil
	}
	return loc, nil
}

func fullName(e *kabinet.Employee) string {
	return strings.TrimSpace(e.LastName + " " + e.FirstName)
}
