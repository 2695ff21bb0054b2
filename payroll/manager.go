package payroll

import (
	"context"

	"github.com/kabinet/kabinet"
)

// Manager returns the manager of employee e by the one manager rule
// (kabinet.OrgChart.ManagerOf, docs/product.md §Manager rule), or nil when e has none (the
// organisation's head). Its cost is one read of the organisation's
// departments, bounded by their number, and one of the manager.
func (s *Service) Manager(ctx context.Context, e *kabinet.Employee) (*kabinet.Employee, error) {
	chart, err := s.Store.OrgChart(ctx, e.OrgID)
	if err != nil {
		return nil, err
	}
	id := chart.ManagerOf(kabinet.OrgMember{ID: e.ID, ExternalID: e.ExternalID, DepartmentExternalID: e.DepartmentExternalID})
	if id == "" {
		return nil, nil
	}
	return s.Store.Employee(ctx, e.OrgID, id)
}
