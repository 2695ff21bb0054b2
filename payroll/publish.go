package payroll

import (
	"context"
	"strings"
	"time"

	"github.com/kabinet/kabinet"
)

// DepartmentInput is a department as the payroll system publishes it.
type DepartmentInput struct {
	ExternalID       string
	Name             string
	ParentExternalID *string
	HeadExternalID   *string
}

// EmployeeInput is an employee as the payroll system publishes it.
type EmployeeInput struct {
	ExternalID           string
	LastName             string
	FirstName            string
	MiddleName           *string
	Email                *string
	Phone                *string
	DepartmentExternalID *string
	Position             *string
	Timezone             *string
	IsOrganizationHead   *bool
	DismissedOn          *string
}

// PayslipInput is a payslip as the payroll system publishes it; money is a
// decimal string.
type PayslipInput struct {
	ExternalID         string
	EmployeeExternalID string
	Period             string
	PublishedAt        *time.Time
	Currency           *string
	Accrued            string
	Deducted           string
	Paid               string
	DebtAtStart        *string
	DebtAtEnd          *string
	Lines              []PayslipLineInput
}

// PayslipLineInput is one line of a PayslipInput.
type PayslipLineInput struct {
	Section string
	Code    *string
	Title   string
	Amount  string
	Days    *string
	Hours   *string
	Period  *string
}

// LeaveBalanceInput is a leave balance as the payroll system publishes it.
type LeaveBalanceInput struct {
	EmployeeExternalID string
	LeaveTypeCode      string
	LeaveTypeTitle     string
	AsOf               string
	EntitledDays       string
	UsedDays           string
	RemainingDays      string
}

// VacationInput is a planned vacation as the payroll system publishes it.
type VacationInput struct {
	ExternalID         string
	EmployeeExternalID string
	StartsOn           string
	EndsOn             string
	Days               int
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// UpsertDepartments validates and publishes departments. A parent must be
// published (in this batch or before); parents may not form a cycle.
func (s *Service) UpsertDepartments(ctx context.Context, orgID string, in []DepartmentInput) (kabinet.PublishResult, error) {
	if err := s.checkSize(len(in), "departments"); err != nil {
		return kabinet.PublishResult{}, err
	}
	parents, err := s.Store.DepartmentParents(ctx, orgID)
	if err != nil {
		return kabinet.PublishResult{}, err
	}
	b := newBatch("departments")
	seen := map[string]int{}
	deps := make([]kabinet.Department, len(in))
	for i, d := range in {
		b.at(i, d.ExternalID)
		deps[i] = kabinet.Department{
			ExternalID:       b.externalID("externalId", d.ExternalID, seen),
			Name:             b.text("name", d.Name, true, maxName),
			ParentExternalID: b.text("parentExternalId", deref(d.ParentExternalID), false, maxExternalID),
			HeadExternalID:   b.text("headExternalId", deref(d.HeadExternalID), false, maxExternalID),
		}
		parents[deps[i].ExternalID] = deps[i].ParentExternalID
	}
	for i, d := range deps {
		b.at(i, d.ExternalID)
		if d.ParentExternalID == "" {
			continue
		}
		if _, ok := parents[d.ParentExternalID]; !ok {
			b.fail("parentExternalId", "%q is not a published department", d.ParentExternalID)
			continue
		}
		// Walk up; coming back to d means a cycle.
		for p, hops := d.ParentExternalID, 0; p != "" && hops <= len(parents); p, hops = parents[p], hops+1 {
			if p == d.ExternalID {
				b.fail("parentExternalId", "%q would make departments their own parent", d.ParentExternalID)
				break
			}
		}
	}
	if err := b.Err(); err != nil {
		return kabinet.PublishResult{}, err
	}
	return s.Store.UpsertDepartments(ctx, orgID, deps)
}

// UpsertEmployees validates and publishes employees. Employees who have
// neither email nor phone are published but reported in the warnings: they
// cannot get a cabinet.
func (s *Service) UpsertEmployees(ctx context.Context, orgID string, in []EmployeeInput) (kabinet.PublishResult, error) {
	if err := s.checkSize(len(in), "employees"); err != nil {
		return kabinet.PublishResult{}, err
	}
	var depExt []string
	for _, e := range in {
		if d := strings.TrimSpace(deref(e.DepartmentExternalID)); d != "" {
			depExt = append(depExt, d)
		}
	}
	deps, err := s.Store.DepartmentIDs(ctx, orgID, depExt)
	if err != nil {
		return kabinet.PublishResult{}, err
	}
	b := newBatch("employees")
	seen := map[string]int{}
	heads := -1
	emps := make([]kabinet.Employee, len(in))
	var warnings []kabinet.ItemError
	for i, e := range in {
		b.at(i, e.ExternalID)
		emp := kabinet.Employee{
			ExternalID:           b.externalID("externalId", e.ExternalID, seen),
			LastName:             b.text("lastName", e.LastName, true, maxName),
			FirstName:            b.text("firstName", e.FirstName, true, maxName),
			MiddleName:           b.text("middleName", deref(e.MiddleName), false, maxName),
			Email:                b.email("email", deref(e.Email)),
			Phone:                b.phone("phone", deref(e.Phone)),
			DepartmentExternalID: b.text("departmentExternalId", deref(e.DepartmentExternalID), false, maxExternalID),
			Position:             b.text("position", deref(e.Position), false, maxName),
			Timezone:             b.timezone("timezone", deref(e.Timezone)),
			IsOrganizationHead:   deref(e.IsOrganizationHead),
		}
		emp.DismissedOn, _ = b.date("dismissedOn", deref(e.DismissedOn), false)
		if d := emp.DepartmentExternalID; d != "" {
			if _, ok := deps[d]; !ok {
				b.fail("departmentExternalId", "%q is not a published department", d)
			}
		}
		if emp.IsOrganizationHead {
			if heads >= 0 {
				b.fail("isOrganizationHead", "only one organization head per batch (also item %d)", heads)
			}
			heads = i
		}
		if !emp.HasContact() {
			warnings = append(warnings, kabinet.ItemError{Index: i, ExternalID: emp.ExternalID, Field: "email",
				Reason: "no email and no phone: this employee cannot get a cabinet until one is published"})
		}
		emps[i] = emp
	}
	if err := b.Err(); err != nil {
		return kabinet.PublishResult{}, err
	}
	res, changed, err := s.Store.UpsertEmployees(ctx, orgID, emps)
	if err != nil {
		return res, err
	}
	res.Warnings = warnings
	s.notify(ctx, orgID, EventEmployees, changed)
	return res, nil
}

// employeeIDs resolves the external IDs named by a batch.
func (s *Service) employeeIDs(ctx context.Context, orgID string, n int, ext func(i int) string) (map[string]string, error) {
	ids := make([]string, 0, n)
	for i := 0; i < n; i++ {
		ids = append(ids, strings.TrimSpace(ext(i)))
	}
	return s.Store.EmployeeIDs(ctx, orgID, ids)
}

// employee resolves an item's employee, failing the item if unknown.
func (b *batch) employee(ids map[string]string, ext string) (string, string) {
	ext = b.text("employeeExternalId", ext, true, maxExternalID)
	if ext == "" {
		return "", ""
	}
	id, ok := ids[ext]
	if !ok {
		b.fail("employeeExternalId", "%q is not a published employee", ext)
	}
	return id, ext
}
