package kabinet

import "time"

// Department is a unit of an organisation. Its head is an employee's
// external ID, which may be published later than the department.
type Department struct {
	ID               string
	ExternalID       string
	Name             string
	ParentExternalID string
	HeadExternalID   string
}

// Employee is a person published by the payroll system.
type Employee struct {
	ID                   string
	OrgID                string
	ExternalID           string
	LastName             string
	FirstName            string
	MiddleName           string
	Email                string
	Phone                string // E.164, "+79161234567"
	DepartmentExternalID string
	Position             string
	Timezone             string // IANA; empty means the organisation's
	IsOrganizationHead   bool
	DismissedOn          string // "2026-10-31" or empty
	Login                string // set at activation
	CreatedAt            time.Time
	UpdatedAt            time.Time
}

// HasContact reports whether the employee can be invited at all.
func (e *Employee) HasContact() bool { return e.Email != "" || e.Phone != "" }

// Dismissed reports whether the employee's dismissal date has passed at now,
// in the given zone (the employee's working day ends at midnight local time).
func (e *Employee) Dismissed(now time.Time, loc *time.Location) bool {
	if e.DismissedOn == "" {
		return false
	}
	d, err := time.ParseInLocation(DateLayout, e.DismissedOn, loc)
	if err != nil {
		return false
	}
	return !now.Before(d.AddDate(0, 0, 1))
}

// PublishResult tells the payroll system what a batch did. Warnings are not
// errors: the batch was written, but something needs a human's attention
// (an employee with no email and no phone cannot get a cabinet).
type PublishResult struct {
	Created   int
	Updated   int
	Unchanged int
	Warnings  []ItemError
}

// DateLayout is the layout of dates ("2026-10-31").
const DateLayout = "2006-01-02"

// PeriodLayout is the layout of payroll periods ("2026-10").
const PeriodLayout = "2006-01"

// EmployeeFilter narrows a listing of employees. Zero values match everything.
type EmployeeFilter struct {
	ExternalIDs     []string
	AfterExternalID string // keyset paging by external ID
	Limit           int
}
