package activation_test

import (
	"strings"
	"testing"
)

// TestSearchCabinets: HR's search of employees and cabinets over HTTP: by
// any word of a name, an external ID or a contact in any letter case
// (Cyrillic included, on both stores), by status, department and missing
// contacts, one page at a time with the total.
func TestSearchCabinets(t *testing.T) {
	w := newWorld(t)
	w.env.Do(t, w.key, `mutation { upsertDepartments(input: [{externalId: "D-IT", name: "ИТ"}, {externalId: "D-HR", name: "Кадры"}]) { created } }`, nil).Must(t, nil)
	withDept := func(m map[string]any, d string) map[string]any { m["departmentExternalId"] = d; return m }
	w.publish(t,
		withDept(emp("E-001", "Смирнов", "Александр", "Викторович", "smirnov@example.com", ""), "D-IT"),
		withDept(emp("E-002", "Иванова", "Ольга", "Петровна", "", "+79161234567"), "D-HR"),
		withDept(emp("E-003", "Кузнецова", "Марина", "Сергеевна", "kuz@example.com", ""), "D-IT"),
		withDept(emp("E-004", "Петров", "Иван", "", "", ""), "D-HR"),
		withDept(emp("X-100", "McCoy", "Leonard", "", "bones@example.com", ""), "D-IT"),
	)
	w.createCabinets(t, "E-001", "E-003")
	w.invite(t, "EMAIL", "E-003")

	type page struct {
		Items []struct {
			Status   string
			Employee struct{ ExternalID string }
		}
		Total, Offset, Limit int
		HasMore              bool
	}
	const q = `query($q: String, $s: CabinetStatus, $d: String, $nc: Boolean, $o: Int, $l: Int) {
		searchCabinets(query: $q, status: $s, departmentExternalId: $d, withoutContacts: $nc, offset: $o, limit: $l) {
			items { status employee { externalId } } total offset limit hasMore } }`
	search := func(t *testing.T, vars map[string]any) page {
		t.Helper()
		var out struct{ SearchCabinets page }
		w.env.Do(t, w.key, q, vars).Must(t, &out)
		return out.SearchCabinets
	}
	ids := func(p page) string {
		var s []string
		for _, it := range p.Items {
			s = append(s, it.Employee.ExternalID+":"+it.Status)
		}
		return strings.Join(s, " ")
	}
	for _, tc := range []struct {
		name string
		vars map[string]any
		want string
	}{
		{"Everyone", nil, "X-100:NOT_CREATED E-002:NOT_CREATED E-003:INVITED E-004:NOT_CREATED E-001:CREATED"},
		{"LowerCaseCyrillic", map[string]any{"q": "иванова"}, "E-002:NOT_CREATED"},
		{"UpperCaseCyrillic", map[string]any{"q": "ОЛЬГА"}, "E-002:NOT_CREATED"},
		{"PartOfAName", map[string]any{"q": "ван"}, "E-002:NOT_CREATED E-004:NOT_CREATED"},
		{"TwoWords", map[string]any{"q": "смир алекс"}, "E-001:CREATED"},
		{"MixedCaseLatin", map[string]any{"q": "mccoy"}, "X-100:NOT_CREATED"},
		{"ExternalID", map[string]any{"q": "e-00"}, "E-002:NOT_CREATED E-003:INVITED E-004:NOT_CREATED E-001:CREATED"},
		{"Phone", map[string]any{"q": "1234567"}, "E-002:NOT_CREATED"},
		{"WildcardsAreLiteral", map[string]any{"q": "%"}, ""},
		{"Status", map[string]any{"s": "INVITED"}, "E-003:INVITED"},
		{"NotCreated", map[string]any{"s": "NOT_CREATED", "d": "D-HR"}, "E-002:NOT_CREATED E-004:NOT_CREATED"},
		{"Department", map[string]any{"d": "D-IT", "q": "example"}, "X-100:NOT_CREATED E-003:INVITED E-001:CREATED"},
		{"WithoutContacts", map[string]any{"nc": true}, "E-004:NOT_CREATED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ids(search(t, tc.vars)); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("Paging", func(t *testing.T) {
		p := search(t, map[string]any{"o": 2, "l": 2})
		if ids(p) != "E-003:INVITED E-004:NOT_CREATED" || p.Total != 5 || !p.HasMore || p.Offset != 2 || p.Limit != 2 {
			t.Fatalf("got %+v, want the third and fourth of 5, more to come", p)
		}
		p = search(t, map[string]any{"o": 4, "l": 2})
		if ids(p) != "E-001:CREATED" || p.HasMore {
			t.Fatalf("got %+v, want the last one, no more", p)
		}
		if p = search(t, map[string]any{"o": 10}); len(p.Items) != 0 || p.Total != 5 {
			t.Fatalf("got %+v past the end, want no items and the total", p)
		}
	})
	t.Run("ErrBadArguments", func(t *testing.T) {
		e := w.env.Do(t, w.key, q, map[string]any{"q": "a b c d e f", "l": 201, "o": -1}).WantCode(t, "BAD_USER_INPUT")
		if items, _ := e.Extensions["items"].([]any); len(items) != 3 {
			t.Fatalf("got items %v, want query, limit and offset", e.Extensions["items"])
		}
	})
	t.Run("ErrOtherOrganisation", func(t *testing.T) {
		_, other := w.env.NewOrg(t, "ООО «Другая»")
		var out struct{ SearchCabinets page }
		w.env.Do(t, other, q, map[string]any{"q": "Иванова"}).Must(t, &out)
		if out.SearchCabinets.Total != 0 {
			t.Fatalf("got %d matches in another organisation, want 0", out.SearchCabinets.Total)
		}
	})
	t.Run("Dashboard", func(t *testing.T) {
		var out struct {
			Dashboard struct {
				Employees, EmployeesWithoutContacts int
				ActivationRate                      float64
				LatestPeriod                        *struct{ Period string }
			}
		}
		w.env.Do(t, w.key, `{ dashboard { employees employeesWithoutContacts activationRate latestPeriod { period } } }`, nil).Must(t, &out)
		if d := out.Dashboard; d.Employees != 5 || d.EmployeesWithoutContacts != 1 || d.ActivationRate != 0 || d.LatestPeriod != nil {
			t.Fatalf("got %+v, want 5 employees, 1 without contacts, rate 0, no period", d)
		}
	})
}
