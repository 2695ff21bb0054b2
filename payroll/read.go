package payroll

import (
	"context"

	"github.com/kabinet/kabinet"
)

// Departments lists the organisation's published departments, ordered by
// external ID.
func (s *Service) Departments(ctx context.Context, orgID string) ([]*kabinet.Department, error) {
	return s.Store.Departments(ctx, orgID)
}

// MaxPayslips is the most payslips one listing returns.
const MaxPayslips = 1000

// Payslips lists the organisation's payslips that f selects, newest period
// first, withdrawn ones included (RetractedAt set: phones no longer show
// them). BAD_USER_INPUT for a limit outside 1–1000.
func (s *Service) Payslips(ctx context.Context, orgID string, f kabinet.PayslipFilter) ([]*kabinet.Payslip, error) {
	if f.Limit < 1 || f.Limit > MaxPayslips {
		return nil, kabinet.Errorf(kabinet.EBADINPUT, "limit must be between 1 and %d", MaxPayslips)
	}
	return s.Store.Payslips(ctx, orgID, f)
}
