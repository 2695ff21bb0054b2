package payroll

import (
	"context"
	"strings"

	"github.com/kabinet/kabinet"
)

// PublishLeaveBalances validates and publishes leave balances: one per
// employee and leave type; a newer one (by asOf) replaces the stored one.
// Entitled and used days are not negative; remaining days may be (leave
// taken in advance).
func (s *Service) PublishLeaveBalances(ctx context.Context, orgID string, in []LeaveBalanceInput) (kabinet.PublishResult, error) {
	if err := s.checkSize(len(in), "leave balances"); err != nil {
		return kabinet.PublishResult{}, err
	}
	ids, err := s.employeeIDs(ctx, orgID, len(in), func(i int) string { return in[i].EmployeeExternalID })
	if err != nil {
		return kabinet.PublishResult{}, err
	}
	b := newBatch("leave balances")
	seen := map[string]int{}
	bals := make([]kabinet.LeaveBalance, len(in))
	for i, l := range in {
		b.at(i, l.EmployeeExternalID)
		lb := kabinet.LeaveBalance{}
		lb.EmployeeID, lb.EmployeeExternalID = b.employee(ids, l.EmployeeExternalID)
		lb.LeaveTypeCode = b.text("leaveTypeCode", l.LeaveTypeCode, true, 64)
		lb.LeaveTypeTitle = b.text("leaveTypeTitle", l.LeaveTypeTitle, true, maxName)
		lb.AsOf, _ = b.date("asOf", l.AsOf, true)
		lb.EntitledDays = b.decimal("entitledDays", l.EntitledDays, true)
		lb.UsedDays = b.decimal("usedDays", l.UsedDays, true)
		lb.RemainingDays = b.decimal("remainingDays", l.RemainingDays, false)
		key := lb.EmployeeExternalID + "\x00" + lb.LeaveTypeCode
		if prev, dup := seen[key]; dup && lb.LeaveTypeCode != "" {
			b.fail("leaveTypeCode", "%q for this employee is repeated (also item %d)", lb.LeaveTypeCode, prev)
		}
		seen[key] = i
		bals[i] = lb
	}
	if err := b.Err(); err != nil {
		return kabinet.PublishResult{}, err
	}
	res, err := s.Store.PublishLeaveBalances(ctx, orgID, bals)
	if err == nil {
		var changed []string
		for _, lb := range bals {
			changed = append(changed, lb.ID)
		}
		s.notify(ctx, orgID, EventBalances, changed)
	}
	return res, err
}

// PublishVacations validates and publishes planned vacations: startsOn on or
// before endsOn, and days between 1 and the calendar span (holidays inside a
// vacation are not counted in its days).
func (s *Service) PublishVacations(ctx context.Context, orgID string, in []VacationInput) (kabinet.PublishResult, error) {
	if err := s.checkSize(len(in), "vacations"); err != nil {
		return kabinet.PublishResult{}, err
	}
	ids, err := s.employeeIDs(ctx, orgID, len(in), func(i int) string { return in[i].EmployeeExternalID })
	if err != nil {
		return kabinet.PublishResult{}, err
	}
	b := newBatch("vacations")
	seen := map[string]int{}
	vacs := make([]kabinet.Vacation, len(in))
	for i, v := range in {
		b.at(i, v.ExternalID)
		vac := kabinet.Vacation{ExternalID: b.externalID("externalId", v.ExternalID, seen), Days: v.Days}
		vac.EmployeeID, vac.EmployeeExternalID = b.employee(ids, v.EmployeeExternalID)
		var start, end = b.dateOf("startsOn", v.StartsOn, &vac.StartsOn), b.dateOf("endsOn", v.EndsOn, &vac.EndsOn)
		if !start.IsZero() && !end.IsZero() {
			span := int(end.Sub(start).Hours()/24) + 1
			switch {
			case end.Before(start):
				b.fail("endsOn", "%s is before startsOn %s", vac.EndsOn, vac.StartsOn)
			case span > 366:
				b.fail("endsOn", "the vacation would last %d days (at most 366)", span)
			case v.Days < 1 || v.Days > span:
				b.fail("days", "must be between 1 and the %d calendar days from startsOn to endsOn (got %d)", span, v.Days)
			}
		}
		vacs[i] = vac
	}
	if err := b.Err(); err != nil {
		return kabinet.PublishResult{}, err
	}
	res, changed, err := s.Store.PublishVacations(ctx, orgID, vacs)
	if err == nil {
		s.notify(ctx, orgID, EventVacations, changed)
	}
	return res, err
}

// CancelVacation cancels a planned vacation by external ID. NOT_FOUND if
// unknown; cancelling twice is not an error (false).
func (s *Service) CancelVacation(ctx context.Context, orgID, externalID string) (bool, error) {
	id, err := s.Store.CancelVacation(ctx, orgID, strings.TrimSpace(externalID))
	if err != nil {
		return false, err
	}
	s.notify(ctx, orgID, EventCancelled, nonEmpty(id))
	return id != "", nil
}
