package payroll

import (
	"context"
	"sync"

	"github.com/kabinet/kabinet"
)

// Manager returns the manager of employee e by the one manager rule
// (kabinet.OrgChart.ManagerOf, docs/product.md §Manager rule), or nil when e has none (the
// organisation's head). Its cost is one read of the organisation's
// departments, bounded by their number — once per request where the context
// carries WithOrgCharts, so that a listing of N employees with their
// managers reads the chart once, not N times — and one read of the manager.
func (s *Service) Manager(ctx context.Context, e *kabinet.Employee) (*kabinet.Employee, error) {
	chart, err := s.orgChart(ctx, e.OrgID)
	if err != nil {
		return nil, err
	}
	id := chart.ManagerOf(kabinet.OrgMember{ID: e.ID, ExternalID: e.ExternalID, DepartmentExternalID: e.DepartmentExternalID})
	if id == "" {
		return nil, nil
	}
	return s.Employee(ctx, e.OrgID, id)
}

// Employee returns an employee of the organisation by id: read once per
// request where the context carries WithOrgCharts, so that a page of leave
// requests naming the same few employees reads each once. NOT_FOUND.
func (s *Service) Employee(ctx context.Context, orgID, id string) (*kabinet.Employee, error) {
	memo, _ := ctx.Value(orgChartsKey{}).(*orgCharts)
	if memo == nil {
		return s.Store.Employee(ctx, orgID, id)
	}
	memo.mu.Lock()
	defer memo.mu.Unlock()
	if e, ok := memo.employees[id]; ok && e.OrgID == orgID {
		return e, nil
	}
	e, err := s.Store.Employee(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	if memo.employees == nil {
		memo.employees = make(map[string]*kabinet.Employee)
	}
	memo.employees[id] = e
	return e, nil
}

type orgChartsKey struct{}

// orgCharts is one request's memo of organisation charts and of the
// employees it read. Field resolvers run concurrently, hence the lock; a
// chart is read-only once built, and an employee is not changed by those
// who read it.
type orgCharts struct {
	mu        sync.Mutex
	charts    map[string]*kabinet.OrgChart
	employees map[string]*kabinet.Employee
}

// WithOrgCharts returns a context in which Manager reads each
// organisation's chart at most once, and Employee each employee. The GraphQL handler gives one to every
// operation: within a request the chart cannot usefully change.
func WithOrgCharts(ctx context.Context) context.Context {
	return context.WithValue(ctx, orgChartsKey{}, &orgCharts{})
}

func (s *Service) orgChart(ctx context.Context, orgID string) (*kabinet.OrgChart, error) {
	memo, _ := ctx.Value(orgChartsKey{}).(*orgCharts)
	if memo == nil {
		return s.Store.OrgChart(ctx, orgID)
	}
	memo.mu.Lock()
	defer memo.mu.Unlock()
	if c, ok := memo.charts[orgID]; ok {
		return c, nil
	}
	c, err := s.Store.OrgChart(ctx, orgID)
	if err != nil {
		return nil, err
	}
	if memo.charts == nil {
		memo.charts = make(map[string]*kabinet.OrgChart, 1)
	}
	memo.charts[orgID] = c
	return c, nil
}
