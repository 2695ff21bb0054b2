// Package payroll is the publication service: what the payroll system and HR
// publish (departments, employees, payslips, leave balances, vacations) is
// validated here, item by item, and written by the store in one transaction.
//
// A batch is all-or-nothing: if any item is invalid, the service returns a
// BAD_USER_INPUT *kabinet.Error listing every invalid item with its index and
// reason, and writes nothing. Republishing an unchanged record is not a
// change; a changed one is a correction.
package payroll

import (
	"context"
	"time"

	"github.com/kabinet/kabinet"
)

// Store is what the service needs of the store.
type Store interface {
	UpsertDepartments(ctx context.Context, orgID string, deps []kabinet.Department) (kabinet.PublishResult, error)
	DepartmentParents(ctx context.Context, orgID string) (map[string]string, error)
	DepartmentIDs(ctx context.Context, orgID string, externalIDs []string) (map[string]string, error)
	UpsertEmployees(ctx context.Context, orgID string, emps []kabinet.Employee) (kabinet.PublishResult, []string, error)
	EmployeeIDs(ctx context.Context, orgID string, externalIDs []string) (map[string]string, error)
	PublishPayslips(ctx context.Context, orgID string, slips []kabinet.Payslip) (kabinet.PublishResult, []string, error)
	RetractPayslip(ctx context.Context, orgID, externalID string) (id string, err error)
	PublishLeaveBalances(ctx context.Context, orgID string, bals []kabinet.LeaveBalance) (kabinet.PublishResult, error)
	PublishVacations(ctx context.Context, orgID string, vacs []kabinet.Vacation) (kabinet.PublishResult, []string, error)
	CancelVacation(ctx context.Context, orgID, externalID string) (id string, err error)
	Employee(ctx context.Context, orgID, id string) (*kabinet.Employee, error)
	// Departments and Payslips list what was published (read.go).
	Departments(ctx context.Context, orgID string) ([]*kabinet.Department, error)
	Payslips(ctx context.Context, orgID string, f kabinet.PayslipFilter) ([]*kabinet.Payslip, error)
	// OrgChart returns the organisation's departments, with the employee id
	// of each published head, and its head: facts for the manager rule.
	OrgChart(ctx context.Context, orgID string) (*kabinet.OrgChart, error)
}

// Event tells listeners what a committed publication changed.
type Event struct {
	OrgID string
	Kind  string   // EventEmployees, EventPayslips, EventVacations, EventRetracted, EventCancelled
	IDs   []string // ids of the created, changed or withdrawn records
}

// Event kinds.
const (
	EventEmployees = "employees"
	EventPayslips  = "payslips"
	EventBalances  = "balances"
	EventVacations = "vacations"
	EventRetracted = "payslip-retracted"
	EventCancelled = "vacation-cancelled"
)

// Listener is told about every committed change, after the commit. Cabinets
// are created and reminders planned from here. A listener's failure is its
// own: the publication stands.
type Listener interface {
	Published(ctx context.Context, ev Event)
}

// ListenerFunc adapts a function to Listener.
type ListenerFunc func(ctx context.Context, ev Event)

// Published calls f.
func (f ListenerFunc) Published(ctx context.Context, ev Event) { f(ctx, ev) }

// Service validates and publishes. Its zero value is not usable: set Store.
type Service struct {
	Store     Store
	Clock     kabinet.Clock
	Listeners []Listener
	// MaxBatch is the largest batch accepted (default 10,000 items).
	MaxBatch int
}

// Limits on text fields, in runes.
const (
	maxExternalID = 128
	maxName       = 200
	maxLines      = 500
)

func (s *Service) now() time.Time {
	if s.Clock == nil {
		return time.Now().UTC()
	}
	return s.Clock.Now()
}

func (s *Service) checkSize(n int, what string) error {
	limit := s.MaxBatch
	if limit <= 0 {
		limit = 10_000
	}
	if n > limit {
		return kabinet.Errorf(kabinet.EBADINPUT, "too many %s in one batch: %d (at most %d); split the batch", what, n, limit)
	}
	return nil
}

func (s *Service) notify(ctx context.Context, orgID, kind string, ids []string) {
	if len(ids) == 0 {
		return
	}
	for _, l := range s.Listeners {
		l.Published(ctx, Event{OrgID: orgID, Kind: kind, IDs: ids})
	}
}

func nonEmpty(id string) []string {
	if id == "" {
		return nil
	}
	return []string{id}
}
