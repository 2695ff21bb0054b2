package sync

import (
	"context"
	"time"
	"unicode/utf8"

	"github.com/kabinet/kabinet"
)

// maxClientMutationID bounds the client's id of an offline action, in bytes.
const maxClientMutationID = 128

// View is an offline "payslip viewed" action as the phone sends it.
type View struct {
	PayslipID        string
	ViewedAt         time.Time
	ClientMutationID string
}

// MarkPayslipViewed records that the employee viewed a payslip, once per
// ClientMutationID: a replay returns the payslip's current state and changes
// nothing. The stored viewedAt is the earliest view, clamped to
// [publication time, now]; a viewedAt up to MaxClockSkew ahead of the
// server is taken as now. A change of viewedAt reaches the employee's other
// devices through sync, and Views is told after the commit.
//
// Errors: BAD_USER_INPUT for an empty or over-long clientMutationId, a
// missing viewedAt or one further in the future than MaxClockSkew;
// NOT_FOUND for a payslip that is unknown, withdrawn or not the caller's
// (the same answer in every case); CONFLICT for a clientMutationId already
// used for another payslip; FORBIDDEN without an employee.
func (s *Service) MarkPayslipViewed(ctx context.Context, orgID, employeeID string, in View) (*kabinet.Payslip, error) {
	if orgID == "" || employeeID == "" {
		return nil, kabinet.Errorf(kabinet.EFORBIDDEN, "markPayslipViewed needs an employee's access token")
	}
	now := s.now()
	skew := s.MaxClockSkew
	if skew <= 0 {
		skew = DefaultMaxClockSkew
	}
	switch {
	case in.ClientMutationID == "" || len(in.ClientMutationID) > maxClientMutationID || !utf8.ValidString(in.ClientMutationID):
		return nil, kabinet.Errorf(kabinet.EBADINPUT, "clientMutationId must be 1 to %d bytes of text", maxClientMutationID)
	case in.PayslipID == "" || len(in.PayslipID) > 64:
		return nil, kabinet.Errorf(kabinet.ENOTFOUND, "payslip %q not found", in.PayslipID)
	case in.ViewedAt.IsZero():
		return nil, kabinet.Errorf(kabinet.EBADINPUT, "viewedAt is required")
	case in.ViewedAt.After(now.Add(skew)):
		return nil, kabinet.Errorf(kabinet.EBADINPUT, "viewedAt %s is in the future (server time %s); check the phone's clock",
			in.ViewedAt.UTC().Format(time.RFC3339), now.Format(time.RFC3339))
	}
	p, replayed, err := s.Store.MarkPayslipViewed(ctx, kabinet.PayslipView{
		OrgID: orgID, EmployeeID: employeeID, PayslipID: in.PayslipID, ClientMutationID: in.ClientMutationID,
		ViewedAt: minTime(in.ViewedAt.UTC(), now),
	})
	if err != nil {
		return nil, err
	}
	if !replayed && s.Views != nil {
		s.Views.PayslipViewed(ctx, orgID, employeeID, p.ID)
	}
	return p, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
