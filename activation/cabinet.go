package activation

import (
	"context"
	"time"

	"github.com/kabinet/kabinet"
)

// Reasons shown to HR.
const (
	reasonNoContact = "the employee has no email and no phone: publish at least one to create a cabinet"
	reasonUnknown   = "no published employee with this external ID"
	reasonDismissed = "the employee is dismissed"
	reasonNoEmail   = "the employee has no email address"
	reasonNoPhone   = "the employee has no mobile phone number"
	reasonActive    = "the cabinet is already active; use reissueActivationCode to give the employee a new code"
	reasonBlocked   = "the cabinet is blocked"
	reasonQueued    = "the invitation is queued and will be sent in the background; check cabinets() for the outcome"
)

// unique returns ids without repeats, in first-seen order: naming an
// employee twice must not issue two codes.
func unique(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func checkBatch(ids []string) error {
	switch {
	case len(ids) == 0:
		return kabinet.Errorf(kabinet.EBADINPUT, "employeeExternalIds must not be empty")
	case len(ids) > MaxBatch:
		return kabinet.Errorf(kabinet.EBADINPUT, "at most %d employees at once (got %d)", MaxBatch, len(ids))
	}
	return nil
}

func checkChannel(ch string) error {
	if ch != kabinet.ChannelEmail && ch != kabinet.ChannelSMS {
		return kabinet.Errorf(kabinet.EBADINPUT, "channel must be EMAIL or SMS")
	}
	return nil
}

// CreateCabinets creates cabinets for the employees (by external ID), each
// with a first activation code returned in the result so HR can hand it
// over. An unknown external ID gets a result with status NOT_CREATED and the
// reason — one bad item never fails the batch. An employee without email
// and phone gets CREATE_FAILED. Employees who already have a cabinet keep it
// (and their code): the result shows its status without a code. An
// employee named twice gets one result.
func (s *Service) CreateCabinets(ctx context.Context, orgID string, externalIDs []string) ([]Result, error) {
	if err := checkBatch(externalIDs); err != nil {
		return nil, err
	}
	externalIDs = unique(externalIDs)
	st, err := s.Settings(ctx, orgID)
	if err != nil {
		return nil, err
	}
	ids, err := s.Store.EmployeeIDs(ctx, orgID, externalIDs)
	if err != nil {
		return nil, err
	}
	out := make([]Result, 0, len(externalIDs))
	for _, ext := range externalIDs {
		id, ok := ids[ext]
		if !ok {
			out = append(out, Result{EmployeeExternalID: ext, Status: kabinet.CabinetNotCreated, LastError: reasonUnknown})
			continue
		}
		r, err := s.create(ctx, orgID, id, st)
		if err != nil {
			return nil, err
		}
		r.EmployeeExternalID = ext
		out = append(out, r)
	}
	return out, nil
}

// create makes one cabinet; see CreateCabinets.
func (s *Service) create(ctx context.Context, orgID, employeeID string, st *kabinet.CabinetSettings) (Result, error) {
	e, err := s.Store.Employee(ctx, orgID, employeeID)
	if err != nil {
		return Result{}, err
	}
	if s.dismissed(ctx, e) {
		c, err := s.block(ctx, orgID, employeeID, reasonDismissed)
		if err != nil {
			return Result{}, err
		}
		return Result{Status: c.Status, LastError: c.LastError}, nil
	}
	if !e.HasContact() {
		c, err := s.Store.CabinetCreateFailed(ctx, orgID, employeeID, reasonNoContact)
		if err != nil {
			return Result{}, err
		}
		return Result{Status: c.Status, LastError: c.LastError}, nil
	}
	code := NewCode()
	c, created, err := s.Store.CreateCabinet(ctx, orgID, employeeID, hashCode(s.CodeKey, code), s.Clock.Now().AddDate(0, 0, st.CodeTTLDays))
	if err != nil {
		return Result{}, err
	}
	r := Result{Status: c.Status, LastError: c.LastError}
	if created {
		r.ActivationCode = FormatCode(code)
	}
	return r, nil
}

// SendInvitations sends each employee an invitation with a new activation
// code through the channel (the previous code stops working). Cabinets are
// created first where missing. The result of each employee is its status
// after the attempt: INVITED, or INVITE_FAILED with the reason (no email for
// EMAIL, no phone for SMS, the server's refusal); ACTIVE and BLOCKED
// cabinets are left alone, with the reason. An employee named twice gets one
// invitation and one result. Messages are sent within the request, eight at
// a time, for up to 20 seconds; the rest go out in the background (Run) and
// their result says so. BAD_USER_INPUT for a bad channel or batch.
func (s *Service) SendInvitations(ctx context.Context, orgID string, externalIDs []string, channel string) ([]Result, error) {
	if err := checkBatch(externalIDs); err != nil {
		return nil, err
	}
	externalIDs = unique(externalIDs)
	if err := checkChannel(channel); err != nil {
		return nil, err
	}
	st, err := s.Settings(ctx, orgID)
	if err != nil {
		return nil, err
	}
	ids, err := s.Store.EmployeeIDs(ctx, orgID, externalIDs)
	if err != nil {
		return nil, err
	}
	out := make([]Result, len(externalIDs))
	var queued []string
	where := map[string]int{} // outbox id → index in out
	for i, ext := range externalIDs {
		out[i].EmployeeExternalID = ext
		id, ok := ids[ext]
		if !ok {
			out[i].Status, out[i].LastError = kabinet.CabinetNotCreated, reasonUnknown
			continue
		}
		r, invID, err := s.invite(ctx, orgID, id, channel, st, false)
		if err != nil {
			return nil, err
		}
		r.EmployeeExternalID = ext
		out[i] = r
		if invID != "" {
			queued = append(queued, invID)
			where[invID] = i
		}
	}
	if len(queued) > 0 {
		left, err := s.send(ctx, queued)
		if err != nil {
			return nil, err
		}
		for _, i := range where {
			c, err := s.Store.Cabinet(ctx, orgID, ids[out[i].EmployeeExternalID])
			if err != nil {
				return nil, err
			}
			out[i].Status, out[i].LastError = c.Status, c.LastError
		}
		for _, invID := range left {
			out[where[invID]].LastError = reasonQueued
		}
	}
	return out, nil
}

// invite issues a new code and queues its invitation. reissueActive allows
// an ACTIVE cabinet (reissueActivationCode). It returns the outbox id, ""
// when nothing was queued.
func (s *Service) invite(ctx context.Context, orgID, employeeID, channel string, st *kabinet.CabinetSettings, reissueActive bool) (Result, string, error) {
	e, err := s.Store.Employee(ctx, orgID, employeeID)
	if err != nil {
		return Result{}, "", err
	}
	c, err := s.Store.Cabinet(ctx, orgID, employeeID)
	if kabinet.ErrorCode(err) == kabinet.ENOTFOUND || (err == nil && c.Status == kabinet.CabinetCreateFailed) {
		r, cerr := s.create(ctx, orgID, employeeID, st)
		if cerr != nil || r.Status != kabinet.CabinetCreated {
			return r, "", cerr
		}
		c, err = s.Store.Cabinet(ctx, orgID, employeeID)
	}
	if err != nil {
		return Result{}, "", err
	}
	switch {
	case s.dismissed(ctx, e):
		c, err := s.block(ctx, orgID, employeeID, reasonDismissed)
		if err != nil {
			return Result{}, "", err
		}
		return Result{Status: c.Status, LastError: c.LastError}, "", nil
	case c.Status == kabinet.CabinetBlocked:
		return Result{Status: c.Status, LastError: reasonBlocked}, "", nil
	case c.Status == kabinet.CabinetActive && !reissueActive:
		return Result{Status: c.Status, LastError: reasonActive}, "", nil
	}
	to := e.Email
	if channel == kabinet.ChannelSMS {
		to = e.Phone
	}
	if to == "" {
		reason := reasonNoEmail
		if channel == kabinet.ChannelSMS {
			reason = reasonNoPhone
		}
		c, err := s.Store.CabinetInviteFailed(ctx, orgID, employeeID, channel, reason)
		if err != nil {
			return Result{}, "", err
		}
		return Result{Status: c.Status, LastError: c.LastError}, "", nil
	}
	code := NewCode()
	expires := s.expiry(c, st)
	tmpl := st.EmailTemplate
	if channel == kabinet.ChannelSMS {
		tmpl = st.SMSTemplate
	}
	inv := &kabinet.Invitation{ID: kabinet.NewID("inv"), Channel: channel, To: to,
		Body: render(tmpl, st, e, code, expires, s.location(ctx, e))}
	if channel == kabinet.ChannelEmail {
		inv.Subject = render(st.EmailSubject, st, e, "", expires, s.location(ctx, e))
	}
	c, issued, err := s.Store.IssueCode(ctx, orgID, employeeID, hashCode(s.CodeKey, code), expires, issuable(reissueActive),
		"new activation code for an invitation by "+channel, inv)
	if err != nil {
		return Result{}, "", err
	}
	if !issued {
		return Result{Status: c.Status, LastError: c.LastError}, "", nil
	}
	return Result{Status: c.Status, ActivationCode: FormatCode(code)}, inv.ID, nil
}

func issuable(active bool) []string {
	s := []string{kabinet.CabinetCreated, kabinet.CabinetInvited, kabinet.CabinetInviteFailed}
	if active {
		s = append(s, kabinet.CabinetActive)
	}
	return s
}

// expiry is when a new code stops working: never for an active cabinet (its
// code needs the password anyway), else after the TTL.
func (s *Service) expiry(c *kabinet.Cabinet, st *kabinet.CabinetSettings) *time.Time {
	if c.ActivatedAt != nil {
		return nil
	}
	t := s.Clock.Now().AddDate(0, 0, st.CodeTTLDays)
	return &t
}

// ReissueCode gives the employee a new activation code; the previous one
// stops working at once. With a channel the code is also sent. It works for
// CREATED, INVITED, INVITE_FAILED and ACTIVE cabinets (an active employee
// then re-activates with the new code and their password). NOT_FOUND for an
// unknown employee or one without a cabinet; FORBIDDEN for a blocked one.
func (s *Service) ReissueCode(ctx context.Context, orgID, externalID string, channel string) (Result, error) {
	if channel != "" {
		if err := checkChannel(channel); err != nil {
			return Result{}, err
		}
	}
	e, err := s.Store.EmployeeByExternalID(ctx, orgID, externalID)
	if err != nil {
		return Result{}, err
	}
	c, err := s.Store.Cabinet(ctx, orgID, e.ID)
	if err != nil {
		return Result{}, err
	}
	if c.Status == kabinet.CabinetBlocked || c.Status == kabinet.CabinetCreateFailed {
		return Result{}, kabinet.Errorf(kabinet.EFORBIDDEN, "a new code cannot be issued: the cabinet is %s", c.Status)
	}
	st, err := s.Settings(ctx, orgID)
	if err != nil {
		return Result{}, err
	}
	if channel != "" {
		r, invID, err := s.invite(ctx, orgID, e.ID, channel, st, true)
		if err != nil {
			return Result{}, err
		}
		r.EmployeeExternalID = externalID
		if invID != "" {
			if _, err := s.send(ctx, []string{invID}); err != nil {
				return Result{}, err
			}
			if c, err = s.Store.Cabinet(ctx, orgID, e.ID); err != nil {
				return Result{}, err
			}
			r.Status, r.LastError = c.Status, c.LastError
		}
		return r, nil
	}
	code := NewCode()
	c, issued, err := s.Store.IssueCode(ctx, orgID, e.ID, hashCode(s.CodeKey, code), s.expiry(c, st), issuable(true), "activation code re-issued by HR", nil)
	if err != nil {
		return Result{}, err
	}
	r := Result{EmployeeExternalID: externalID, Status: c.Status, LastError: c.LastError}
	if issued {
		r.ActivationCode = FormatCode(code)
	}
	return r, nil
}

// Cabinets lists the organisation's employees with their cabinet status,
// filtered by status when it is not "".
func (s *Service) Cabinets(ctx context.Context, orgID, status string) ([]*kabinet.Cabinet, error) {
	switch status {
	case "", kabinet.CabinetNotCreated, kabinet.CabinetCreated, kabinet.CabinetCreateFailed, kabinet.CabinetInviteFailed,
		kabinet.CabinetInvited, kabinet.CabinetActive, kabinet.CabinetBlocked:
	default:
		return nil, kabinet.Errorf(kabinet.EBADINPUT, "unknown cabinet status %q", status)
	}
	return s.Store.Cabinets(ctx, orgID, status)
}

// History returns the recorded transitions of an employee's cabinet, oldest first.
func (s *Service) History(ctx context.Context, orgID, employeeID string) ([]kabinet.CabinetEvent, error) {
	return s.Store.CabinetEvents(ctx, orgID, employeeID)
}

// Block blocks the employee's cabinet and ends all their sessions: the
// access tokens stop working at once and refresh fails. NOT_FOUND for an
// unknown employee.
func (s *Service) Block(ctx context.Context, orgID, externalID, reason string) (*kabinet.Cabinet, error) {
	e, err := s.Store.EmployeeByExternalID(ctx, orgID, externalID)
	if err != nil {
		return nil, err
	}
	c, err := s.block(ctx, orgID, e.ID, reason)
	if err != nil {
		return nil, err
	}
	c.Employee = e
	return c, nil
}

func (s *Service) block(ctx context.Context, orgID, employeeID, reason string) (*kabinet.Cabinet, error) {
	c, _, err := s.Store.BlockCabinet(ctx, orgID, employeeID, reason)
	if err != nil {
		return nil, err
	}
	// Ended also when the cabinet was blocked already: a retry after a
	// failure between the two writes must still end the sessions.
	if err := s.Sessions.EndAllSessions(ctx, employeeID, "cabinet blocked: "+reason); err != nil {
		return nil, err
	}
	return c, nil
}

// Unblock lifts a block: ACTIVE again if the cabinet was ever activated,
// else CREATED. NOT_FOUND for an unknown employee, FORBIDDEN for a dismissed
// one, BAD_USER_INPUT if the cabinet is not blocked.
func (s *Service) Unblock(ctx context.Context, orgID, externalID string) (*kabinet.Cabinet, error) {
	e, err := s.Store.EmployeeByExternalID(ctx, orgID, externalID)
	if err != nil {
		return nil, err
	}
	if s.dismissed(ctx, e) {
		return nil, kabinet.Errorf(kabinet.EFORBIDDEN, "the employee is dismissed; the cabinet stays blocked")
	}
	c, err := s.Store.UnblockCabinet(ctx, orgID, e.ID)
	if err != nil {
		return nil, err
	}
	c.Employee = e
	return c, nil
}
