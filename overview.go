package kabinet

import "time"

// CabinetQuery narrows and pages HR's search of employees and their
// cabinets. Zero values match everything.
type CabinetQuery struct {
	// Patterns: every group must match (a word of the search), by any of
	// its spellings, as a substring of a name part, the external ID, the
	// email or the phone. The service derives the spellings (letter case),
	// so the store decides nothing about case.
	Patterns             [][]string
	Status               string // a cabinet status; NOT_CREATED: no cabinet; "": any
	DepartmentExternalID string // "": any department
	NoContact            bool   // only employees with neither email nor phone
	Offset, Limit        int
}

// CabinetPage is one page of a cabinet search, with the number of matches
// of the whole search.
type CabinetPage struct {
	Items  []*Cabinet
	Total  int
	Offset int
	Limit  int
}

// CabinetCounts are the figures of the organisation's cabinets: employees
// by cabinet status (NOT_CREATED for those without one), and the employees
// with neither email nor phone.
type CabinetCounts struct {
	ByStatus        map[string]int
	Employees       int
	WithoutContacts int
}

// PeriodViews are the payslips of one period: how many are published (not
// withdrawn) and how many of them nobody has opened yet.
type PeriodViews struct {
	Period    string // "" when nothing is published
	Published int
	Unviewed  int
}

// DeliveryFilter narrows HR's delivery log. Zero values match everything.
type DeliveryFilter struct {
	EmployeeID string    // the recipient's id
	Kind       string    // a Notify* kind
	Status     string    // a Delivery* status as shown to HR
	Provider   string    // FCM or APNS: only deliveries handed to that provider's devices
	From, To   time.Time // due (or sent) in [From, To)
	Limit      int
}

// PushCount is a number of notifications in one 15-minute bucket of
// activity, by what became of them (see ActivityFacts).
type PushCount struct {
	Bucket time.Time // start of the quarter hour, UTC
	N      int
}

// DueGroup is a number of notifications that were due at one minute for
// recipients with the same zone facts: what deciding "held by quiet hours"
// needs (push decides it, with the window and the zone rule).
type DueGroup struct {
	Due       time.Time // the stored due minute
	LocalDate string    // set for reminders due on a local date
	Zones     ReasonFacts
	N         int
}

// ActivityFacts are what the store reads for the reminders' activity
// chart, over [From, To): deliveries sent and failed by quarter hour, and
// the notifications that were due, grouped for the window check.
type ActivityFacts struct {
	Sent, Failed []PushCount
	Due          []DueGroup
}
