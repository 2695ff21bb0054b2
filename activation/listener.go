package activation

import (
	"context"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/payroll"
)

// Published implements payroll.Listener. For published employees it blocks
// the cabinets (and ends the sessions) of those whose dismissal date has
// passed, and, where the organisation's settings say so, creates cabinets
// for those without one and queues their invitation through the preferred
// channel (the other one when the employee lacks that contact). Sending
// happens in Run, not in the publishing request. Failures are logged: the
// publication stands.
func (s *Service) Published(ctx context.Context, ev payroll.Event) {
	if ev.Kind != payroll.EventEmployees {
		return
	}
	st, err := s.Settings(ctx, ev.OrgID)
	if err != nil {
		s.logger().ErrorContext(ctx, "cabinet settings", "org", ev.OrgID, "err", err)
		return
	}
	queued := false
	for _, id := range ev.IDs {
		q, err := s.published(ctx, ev.OrgID, id, st)
		if err != nil {
			s.logger().ErrorContext(ctx, "cabinet after publication", "org", ev.OrgID, "employee", id, "err", err)
		}
		queued = queued || q
	}
	if queued {
		s.Kick()
	}
}

func (s *Service) published(ctx context.Context, orgID, employeeID string, st *kabinet.CabinetSettings) (queued bool, err error) {
	e, err := s.Store.Employee(ctx, orgID, employeeID)
	if err != nil {
		return false, err
	}
	c, err := s.Store.Cabinet(ctx, orgID, employeeID)
	exists := err == nil
	if err != nil && kabinet.ErrorCode(err) != kabinet.ENOTFOUND {
		return false, err
	}
	if s.dismissed(ctx, e) {
		if exists && c.Status != kabinet.CabinetBlocked {
			_, err = s.block(ctx, orgID, employeeID, reasonDismissed)
		}
		return false, err
	}
	if !st.AutoCreateCabinets || (exists && c.Status != kabinet.CabinetCreateFailed) {
		return false, nil
	}
	r, err := s.create(ctx, orgID, employeeID, st)
	if err != nil || r.Status != kabinet.CabinetCreated || !st.AutoSendInvitations {
		return false, err
	}
	channel := st.InvitationChannel
	if (channel == kabinet.ChannelEmail && e.Email == "") || (channel == kabinet.ChannelSMS && e.Phone == "") {
		channel = map[string]string{kabinet.ChannelEmail: kabinet.ChannelSMS, kabinet.ChannelSMS: kabinet.ChannelEmail}[channel]
	}
	_, invID, err := s.invite(ctx, orgID, employeeID, channel, st, false)
	return invID != "", err
}

// BlockDismissed blocks the cabinet and ends the sessions of every employee
// whose dismissal date has passed in their zone (theirs, else the
// organisation's).
func (s *Service) BlockDismissed(ctx context.Context) error {
	cands, err := s.Store.DismissalCandidates(ctx)
	if err != nil {
		return err
	}
	for _, c := range cands {
		if s.dismissed(ctx, c.Employee) {
			if _, err := s.block(ctx, c.Employee.OrgID, c.Employee.ID, reasonDismissed); err != nil {
				return err
			}
		}
	}
	return nil
}

// MaySignIn is Gate.MaySignIn.
func (s *Service) MaySignIn(ctx context.Context, orgID, employeeID string) error {
	return s.gate().MaySignIn(ctx, orgID, employeeID)
}
