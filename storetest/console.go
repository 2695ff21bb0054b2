package storetest

import (
	"context"
	"strings"
	"testing"

	"github.com/kabinet/kabinet"
)

// testCabinetSearch: the HR console's search reads the same page, in the
// same order (UTF-8 bytes), with the same total, on every store; LIKE
// wildcards in a pattern are escaped; the figures count the same.
func testCabinetSearch(t *testing.T, open Opener) {
	db := open(t, newClock())
	ctx := context.Background()
	o := &kabinet.Organization{Name: "Org", Timezone: "Europe/Moscow"}
	if err := db.CreateOrganization(ctx, o, kabinet.NewID("hash")); err != nil {
		t.Fatal(err)
	}
	emps := []kabinet.Employee{
		{ExternalID: "E-1", LastName: "Смирнов", FirstName: "Александр", Email: "a@example.com"},
		{ExternalID: "E-2", LastName: "Иванова", FirstName: "Ольга", Phone: "+79161234567"},
		{ExternalID: "E-3", LastName: "Ёлкин", FirstName: "Пётр"},
		{ExternalID: "E-4", LastName: "Adams", FirstName: "Ann_50%", Email: "ann@example.com"},
	}
	if _, _, err := db.UpsertEmployees(ctx, o.ID, emps); err != nil {
		t.Fatal(err)
	}
	ids, err := db.EmployeeIDs(ctx, o.ID, []string{"E-1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.CreateCabinet(ctx, o.ID, ids["E-1"], kabinet.NewID("code"), newClock().Now().AddDate(0, 0, 30)); err != nil {
		t.Fatal(err)
	}
	search := func(q kabinet.CabinetQuery) string {
		t.Helper()
		if q.Limit == 0 {
			q.Limit = 10
		}
		p, err := db.SearchCabinets(ctx, o.ID, q)
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, c := range p.Items {
			s = append(s, c.Employee.ExternalID+":"+c.Status)
		}
		return strings.Join(s, " ") + "/" + string(rune('0'+p.Total))
	}
	for _, tc := range []struct {
		name string
		q    kabinet.CabinetQuery
		want string
	}{
		{"AllByBytes", kabinet.CabinetQuery{}, "E-4:NOT_CREATED E-3:NOT_CREATED E-2:NOT_CREATED E-1:CREATED/4"},
		{"Page", kabinet.CabinetQuery{Offset: 1, Limit: 2}, "E-3:NOT_CREATED E-2:NOT_CREATED/4"},
		{"Spelling", kabinet.CabinetQuery{Patterns: [][]string{{"%ольга%", "%Ольга%"}}}, "E-2:NOT_CREATED/1"},
		{"AllWordsMatch", kabinet.CabinetQuery{Patterns: [][]string{{"%Смир%"}, {"%Ольга%"}}}, "/0"},
		{"EscapedWildcards", kabinet.CabinetQuery{Patterns: [][]string{{`%\_50\%%`}}}, "E-4:NOT_CREATED/1"},
		{"ASCIICaseOnBoth", kabinet.CabinetQuery{Patterns: [][]string{{"%ADAMS%"}}}, "E-4:NOT_CREATED/1"},
		{"Status", kabinet.CabinetQuery{Status: kabinet.CabinetCreated}, "E-1:CREATED/1"},
		{"NotCreated", kabinet.CabinetQuery{Status: kabinet.CabinetNotCreated, Patterns: [][]string{{"%example%"}}}, "E-4:NOT_CREATED/1"},
		{"NoContact", kabinet.CabinetQuery{NoContact: true}, "E-3:NOT_CREATED/1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := search(tc.q); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("Counts", func(t *testing.T) {
		c, err := db.CabinetCounts(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Employees != 4 || c.WithoutContacts != 1 || c.ByStatus[kabinet.CabinetCreated] != 1 || c.ByStatus[kabinet.CabinetNotCreated] != 3 {
			t.Fatalf("got %+v, want 4 employees, 1 without contacts, 1 CREATED, 3 NOT_CREATED", c)
		}
		pv, err := db.PeriodViews(ctx, o.ID, "")
		if err != nil || pv.Period != "" || pv.Published != 0 {
			t.Fatalf("got %+v, %v; want no period", pv, err)
		}
	})
}
