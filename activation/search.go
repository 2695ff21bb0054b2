package activation

import (
	"context"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kabinet/kabinet"
)

// SearchStore is what HR's search and figures need of the store
// (sqlstore.Store implements it).
type SearchStore interface {
	// SearchCabinets returns a page of the employees q selects, with their
	// cabinets, and the number of all matches.
	SearchCabinets(ctx context.Context, orgID string, q kabinet.CabinetQuery) (*kabinet.CabinetPage, error)
	// CabinetCounts counts employees by cabinet status and those without
	// contacts.
	CabinetCounts(ctx context.Context, orgID string) (*kabinet.CabinetCounts, error)
}

// Search is HR's search of employees and their cabinets.
type SearchInput struct {
	Text                 string // words of a name, an external ID, an email or a phone; "": everyone
	Status               string // a cabinet status; "": any
	DepartmentExternalID string
	NoContact            bool // only employees with neither email nor phone
	Offset, Limit        int
}

// Limits of a search.
const (
	MaxPageSize   = 200
	MaxOffset     = 100_000
	maxSearchText = 200
	maxWords      = 5 // sqlstore.SearchWords
)

// Statuses lists the cabinet statuses, in lifecycle order.
var Statuses = []string{kabinet.CabinetNotCreated, kabinet.CabinetCreated, kabinet.CabinetCreateFailed, kabinet.CabinetInvited,
	kabinet.CabinetInviteFailed, kabinet.CabinetActive, kabinet.CabinetBlocked}

// SearchCabinets returns one page of the organisation's employees that in
// selects, with their cabinets, ordered by name, and how many match in all.
// Every word of in.Text must occur in the employee's name, external ID,
// email or phone, whatever its letter case. BAD_USER_INPUT (Items name the
// fields) for an unknown status, more than 5 words or 200 characters, a
// page size outside 1–200 or an offset outside 0–100000.
func (s *Service) SearchCabinets(ctx context.Context, orgID string, in SearchInput) (*kabinet.CabinetPage, error) {
	b := kabinet.NewBatchError("search")
	words := strings.Fields(in.Text)
	switch {
	case utf8.RuneCountInString(in.Text) > maxSearchText:
		b.Add(0, "", "query", "the search text is longer than %d characters", maxSearchText)
	case len(words) > maxWords:
		b.Add(0, "", "query", "at most %d words", maxWords)
	}
	if in.Status != "" && !slices.Contains(Statuses, in.Status) {
		b.Add(0, "", "status", "unknown cabinet status %q", in.Status)
	}
	if in.Limit < 1 || in.Limit > MaxPageSize {
		b.Add(0, "", "limit", "the page size must be between 1 and %d", MaxPageSize)
	}
	if in.Offset < 0 || in.Offset > MaxOffset {
		b.Add(0, "", "offset", "the offset must be between 0 and %d", MaxOffset)
	}
	if err := b.Err(); err != nil {
		return nil, err
	}
	q := kabinet.CabinetQuery{Status: in.Status, DepartmentExternalID: strings.TrimSpace(in.DepartmentExternalID),
		NoContact: in.NoContact, Offset: in.Offset, Limit: in.Limit}
	for _, w := range words {
		q.Patterns = append(q.Patterns, spellings(w))
	}
	return s.Search.SearchCabinets(ctx, orgID, q)
}

// spellings are the LIKE patterns a search word is looked for with: as
// typed, in lower case, in upper case and capitalised, each a substring
// pattern with LIKE's special characters escaped. Stores compare case-
// insensitively at most for ASCII letters; with these, "иванов" finds
// "Иванов" on both.
func spellings(word string) []string {
	lower := strings.ToLower(word)
	r, n := utf8.DecodeRuneInString(lower)
	title := string(unicode.ToUpper(r)) + lower[n:]
	var out []string
	for _, v := range []string{word, lower, strings.ToUpper(word), title} {
		p := "%" + escapeLike(v) + "%"
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// escapeLike escapes LIKE's wildcards with a backslash (ESCAPE '\').
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Overview is the dashboard's figures of cabinets.
type Overview struct {
	kabinet.CabinetCounts
	// ActivationRate is the share of the cabinets created (in any status
	// but NOT_CREATED) that are ACTIVE, 0–1; 0 when there is none.
	ActivationRate float64
}

// CabinetOverview counts the organisation's employees by cabinet status and
// those without contacts, with the activation rate.
func (s *Service) CabinetOverview(ctx context.Context, orgID string) (*Overview, error) {
	c, err := s.Search.CabinetCounts(ctx, orgID)
	if err != nil {
		return nil, err
	}
	o := &Overview{CabinetCounts: *c}
	if created := c.Employees - c.ByStatus[kabinet.CabinetNotCreated]; created > 0 {
		o.ActivationRate = float64(c.ByStatus[kabinet.CabinetActive]) / float64(created)
	}
	return o, nil
}

// EmployeeCabinet returns the employee (by external ID) with their cabinet
// (NOT_CREATED when there is none) and its history, oldest first.
// NOT_FOUND for an employee of no such external ID in the organisation.
func (s *Service) EmployeeCabinet(ctx context.Context, orgID, externalID string) (*kabinet.Cabinet, []kabinet.CabinetEvent, error) {
	e, err := s.Store.EmployeeByExternalID(ctx, orgID, externalID)
	if err != nil {
		return nil, nil, err
	}
	c, err := s.Store.Cabinet(ctx, orgID, e.ID)
	switch kabinet.ErrorCode(err) {
	case "":
	case kabinet.ENOTFOUND:
		c = &kabinet.Cabinet{OrgID: orgID, EmployeeID: e.ID, Status: kabinet.CabinetNotCreated}
	default:
		return nil, nil, err
	}
	c.Employee = e
	events, err := s.Store.CabinetEvents(ctx, orgID, e.ID)
	if err != nil {
		return nil, nil, err
	}
	return c, events, nil
}
