package auth

import (
	"context"

	"github.com/kabinet/kabinet"
)

// EmployeeDevices lists an employee's devices that are not revoked, most
// recently seen first, for HR. e must come from a lookup in HR's own
// organisation (its OrgID is checked), so that no other tenant's employee
// is shown: NOT_FOUND otherwise.
func (s *Service) EmployeeDevices(ctx context.Context, orgID string, e *kabinet.Employee) ([]*kabinet.Device, error) {
	if e == nil || e.OrgID != orgID {
		return nil, kabinet.Errorf(kabinet.ENOTFOUND, "no such employee")
	}
	return s.Store.Devices(ctx, e.ID)
}

// EmployeeLoginHistory lists an employee's sign-in attempts, newest first,
// at most limit (1–200), for HR; e as for EmployeeDevices.
func (s *Service) EmployeeLoginHistory(ctx context.Context, orgID string, e *kabinet.Employee, limit int) ([]*kabinet.LoginEvent, error) {
	if e == nil || e.OrgID != orgID {
		return nil, kabinet.Errorf(kabinet.ENOTFOUND, "no such employee")
	}
	if limit < 1 || limit > 200 {
		return nil, kabinet.Errorf(kabinet.EBADINPUT, "limit must be between 1 and 200")
	}
	return s.Store.LoginHistory(ctx, e.ID, limit)
}
