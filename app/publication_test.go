package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/internal/testkit"
)

const publishPayslips = `mutation($in: [PayslipInput!]!) { publishPayslips(input: $in) { created updated unchanged warnings { index reason } } }`

type publishResult struct {
	Created, Updated, Unchanged int
	Warnings                    []struct {
		Index  int
		Reason string
	}
}

func changeCount(t *testing.T, env *testkit.Env, orgID string) int {
	t.Helper()
	n, err := env.App.DB.ChangeCount(context.Background(), orgID)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPublishPayslips(t *testing.T) {
	env := testkit.Start(t)
	org, key := env.NewOrg(t, "Org")
	env.SeedEmployees(t, key, 3)
	slip := testkit.Payslip("PS-1", "E-1", "2026-10")

	t.Run("Created", func(t *testing.T) {
		var out struct{ PublishPayslips publishResult }
		env.Do(t, key, publishPayslips, map[string]any{"in": []any{slip}}).Must(t, &out)
		if r := out.PublishPayslips; r.Created != 1 || r.Updated != 0 || r.Unchanged != 0 || len(r.Warnings) != 0 {
			t.Fatalf("got %+v, want 1 created and no warnings", r)
		}
	})
	t.Run("RepublishUnchangedRecordsNoChange", func(t *testing.T) {
		before := changeCount(t, env, org)
		var out struct{ PublishPayslips publishResult }
		env.Do(t, key, publishPayslips, map[string]any{"in": []any{slip}}).Must(t, &out)
		if r := out.PublishPayslips; r.Unchanged != 1 || r.Created+r.Updated != 0 {
			t.Fatalf("got %+v, want 1 unchanged", r)
		}
		if after := changeCount(t, env, org); after != before {
			t.Fatalf("got %d changes after an unchanged republish, want %d", after, before)
		}
	})
	t.Run("CorrectionIsAChange", func(t *testing.T) {
		before := changeCount(t, env, org)
		fixed := testkit.Payslip("PS-1", "E-1", "2026-10")
		fixed["paid"] = "80000.00"
		fixed["debtAtEnd"] = "7000.00"
		fixed["lines"] = []map[string]any{
			{"section": "ACCRUAL", "title": "Оплата по окладу", "amount": "100000.00"},
			{"section": "TAX", "title": "НДФЛ", "amount": "13000.00"},
			{"section": "PAYMENT", "title": "Зарплата", "amount": "80000.00"},
		}
		var out struct{ PublishPayslips publishResult }
		env.Do(t, key, publishPayslips, map[string]any{"in": []any{fixed}}).Must(t, &out)
		if r := out.PublishPayslips; r.Updated != 1 {
			t.Fatalf("got %+v, want 1 updated", r)
		}
		if after := changeCount(t, env, org); after != before+1 {
			t.Fatalf("got %d changes after a correction, want %d", after, before+1)
		}
		var got struct {
			Payslips []struct{ Paid, DebtAtEnd, NetPay string }
		}
		env.Do(t, key, `{ payslips(employeeExternalId: "E-1") { paid debtAtEnd netPay } }`, nil).Must(t, &got)
		if len(got.Payslips) != 1 || got.Payslips[0].Paid != "80000.00" || got.Payslips[0].DebtAtEnd != "7000.00" || got.Payslips[0].NetPay != "87000.00" {
			t.Fatalf("got %+v after the correction", got.Payslips)
		}
	})
	t.Run("InconsistentTotalsAreWarnings", func(t *testing.T) {
		odd := testkit.Payslip("PS-2", "E-2", "2026-10")
		odd["accrued"] = "100000.01"
		var out struct{ PublishPayslips publishResult }
		env.Do(t, key, publishPayslips, map[string]any{"in": []any{odd}}).Must(t, &out)
		if r := out.PublishPayslips; r.Created != 1 || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0].Reason, "debtAtEnd") {
			t.Fatalf("got %+v, want created with a totals warning", r)
		}
	})
	t.Run("RetractAndRepublish", func(t *testing.T) {
		var out struct{ RetractPayslip bool }
		env.Do(t, key, `mutation { retractPayslip(externalId: "PS-2") }`, nil).Must(t, &out)
		if !out.RetractPayslip {
			t.Fatal("got false retracting a published payslip, want true")
		}
		env.Do(t, key, `mutation { retractPayslip(externalId: "PS-2") }`, nil).Must(t, &out)
		if out.RetractPayslip {
			t.Fatal("got true retracting twice, want false")
		}
		env.Do(t, key, `mutation { retractPayslip(externalId: "nope") }`, nil).WantCode(t, "NOT_FOUND")
		var got struct {
			Payslips []struct{ RetractedAt *string }
		}
		env.Do(t, key, `{ payslips(employeeExternalId: "E-2") { retractedAt } }`, nil).Must(t, &got)
		if len(got.Payslips) != 1 || got.Payslips[0].RetractedAt == nil {
			t.Fatalf("got %+v, want one retracted payslip", got.Payslips)
		}
	})
}

func TestPublishBatchIsAllOrNothing(t *testing.T) {
	env := testkit.Start(t)
	org, key := env.NewOrg(t, "Org")
	env.SeedEmployees(t, key, 2)
	before := changeCount(t, env, org)

	bad := []any{
		testkit.Payslip("PS-1", "E-1", "2026-10"), // valid
		testkit.Payslip("PS-2", "E-404", "2026-10"),
		testkit.Payslip("PS-3", "E-2", "2026-13"),
		testkit.Payslip("PS-1", "E-2", "2026-09"), // repeated external ID
		func() map[string]any { p := testkit.Payslip("PS-5", "E-2", "2026-10"); p["accrued"] = "-5"; return p }(),
		func() map[string]any { p := testkit.Payslip("PS-6", "E-2", "2026-10"); p["paid"] = "12,50"; return p }(),
		func() map[string]any {
			p := testkit.Payslip("PS-7", "E-2", "2026-10")
			p["publishedAt"] = "2030-01-01T00:00:00Z"
			return p
		}(),
	}
	e := env.Do(t, key, publishPayslips, map[string]any{"in": bad}).WantCode(t, "BAD_USER_INPUT")
	items, _ := e.Extensions["items"].([]any)
	badIndexes := map[int]bool{}
	for _, it := range items {
		badIndexes[int(it.(map[string]any)["index"].(float64))] = true
	}
	for i := 1; i <= 6; i++ {
		if !badIndexes[i] {
			t.Errorf("item %d is not reported (items: %v)", i, items)
		}
	}
	if badIndexes[0] {
		t.Errorf("valid item 0 reported as bad: %v", items)
	}
	var got struct{ Payslips []struct{ ExternalID string } }
	env.Do(t, key, `{ payslips { externalId } }`, nil).Must(t, &got)
	if len(got.Payslips) != 0 || changeCount(t, env, org) != before {
		t.Fatalf("a failed batch wrote something: payslips %+v", got.Payslips)
	}

	t.Run("Vacations", func(t *testing.T) {
		q := `mutation($in: [VacationInput!]!) { publishVacations(input: $in) { created } }`
		in := []any{
			map[string]any{"externalId": "V-1", "employeeExternalId": "E-1", "startsOn": "2026-12-10", "endsOn": "2026-12-01", "days": 5},
			map[string]any{"externalId": "V-2", "employeeExternalId": "E-1", "startsOn": "2026-12-01", "endsOn": "2026-12-05", "days": 9},
			map[string]any{"externalId": "V-3", "employeeExternalId": "E-1", "startsOn": "2026-02-30", "endsOn": "2026-03-05", "days": 2},
		}
		e := env.Do(t, key, q, map[string]any{"in": in}).WantCode(t, "BAD_USER_INPUT")
		if n := len(e.Extensions["items"].([]any)); n != 3 {
			t.Fatalf("got %d item errors, want 3: %v", n, e.Extensions["items"])
		}
	})
	t.Run("Employees", func(t *testing.T) {
		q := `mutation($in: [EmployeeInput!]!) { upsertEmployees(input: $in) { created warnings { externalId reason } } }`
		in := []any{
			map[string]any{"externalId": "E-9", "lastName": "", "firstName": "Иван"},
			map[string]any{"externalId": "E-10", "lastName": "Петров", "firstName": "Пётр", "email": "not-an-email"},
			map[string]any{"externalId": "E-11", "lastName": "Петров", "firstName": "Пётр", "phone": "12"},
			map[string]any{"externalId": "E-12", "lastName": "Петров", "firstName": "Пётр", "departmentExternalId": "D-404"},
			map[string]any{"externalId": "E-13", "lastName": "Петров", "firstName": "Пётр", "timezone": "Mars/Olympus"},
			map[string]any{"externalId": "E-14", "lastName": "Петров", "firstName": "Пётр", "dismissedOn": "31.10.2026"},
		}
		e := env.Do(t, key, q, map[string]any{"in": in}).WantCode(t, "BAD_USER_INPUT")
		if n := len(e.Extensions["items"].([]any)); n != 6 {
			t.Fatalf("got %d item errors, want 6: %v", n, e.Extensions["items"])
		}
		var out struct {
			UpsertEmployees struct {
				Created  int
				Warnings []struct{ ExternalID string }
			}
		}
		ok := []any{map[string]any{"externalId": "E-20", "lastName": "Сидоров", "firstName": "Семён", "phone": "8 (916) 555-12-34"}, map[string]any{"externalId": "E-21", "lastName": "Без", "firstName": "Контактов"}}
		env.Do(t, key, q, map[string]any{"in": ok}).Must(t, &out)
		if out.UpsertEmployees.Created != 2 || len(out.UpsertEmployees.Warnings) != 1 || out.UpsertEmployees.Warnings[0].ExternalID != "E-21" {
			t.Fatalf("got %+v, want 2 created and a no-contact warning for E-21", out.UpsertEmployees)
		}
		var emp struct{ Employees []struct{ Phone string } }
		env.Do(t, key, `{ employees(externalIds: ["E-20"]) { phone } }`, nil).Must(t, &emp)
		if len(emp.Employees) != 1 || emp.Employees[0].Phone != "+79165551234" {
			t.Fatalf("got %+v, want the phone normalised to +79165551234", emp.Employees)
		}
	})
	t.Run("OversizeBatch", func(t *testing.T) {
		var many []any
		for i := 0; i < 10_001; i++ {
			many = append(many, map[string]any{"externalId": fmt.Sprint("X", i), "name": "x"})
		}
		env.Do(t, key, `mutation($in: [DepartmentInput!]!) { upsertDepartments(input: $in) { created } }`, map[string]any{"in": many}).WantCode(t, "BAD_USER_INPUT")
	})
}

func TestManagerResolution(t *testing.T) {
	env := testkit.Start(t)
	_, key := env.NewOrg(t, "Org")
	env.Do(t, key, `mutation { upsertDepartments(input: [
		{externalId: "ROOT", name: "Дирекция", headExternalId: "BOSS"},
		{externalId: "IT", name: "ИТ", parentExternalId: "ROOT", headExternalId: "CTO"},
		{externalId: "WH", name: "Склад", parentExternalId: "ROOT"},
		{externalId: "HR", name: "Кадры", parentExternalId: "ROOT", headExternalId: "NOT-YET"},
		{externalId: "OPS", name: "Эксплуатация", parentExternalId: "IT"}]) { created } }`, nil).Must(t, nil)
	env.Do(t, key, `mutation { upsertEmployees(input: [
		{externalId: "BOSS", lastName: "Директоров", firstName: "Д", departmentExternalId: "ROOT", isOrganizationHead: true},
		{externalId: "CTO", lastName: "Технов", firstName: "Т", departmentExternalId: "IT"},
		{externalId: "DEV", lastName: "Кодов", firstName: "К", departmentExternalId: "IT"},
		{externalId: "STORE", lastName: "Складов", firstName: "С", departmentExternalId: "WH"},
		{externalId: "HRM", lastName: "Кадров", firstName: "К", departmentExternalId: "HR"},
		{externalId: "OPS1", lastName: "Дежурный", firstName: "Д", departmentExternalId: "OPS"}]) { created } }`, nil).Must(t, nil)
	var out struct {
		Employees []struct {
			ExternalID string
			Manager    *struct{ ExternalID string }
		}
	}
	env.Do(t, key, `{ employees { externalId manager { externalId } } }`, nil).Must(t, &out)
	want := map[string]string{"BOSS": "", "CTO": "BOSS", "DEV": "CTO", "STORE": "BOSS", "HRM": "BOSS",
		"OPS1": "BOSS"} // a headless department under IT: the organisation's head, not IT's
	for _, e := range out.Employees {
		got := ""
		if e.Manager != nil {
			got = e.Manager.ExternalID
		}
		if got != want[e.ExternalID] {
			t.Errorf("manager of %s: got %q, want %q", e.ExternalID, got, want[e.ExternalID])
		}
	}
	t.Run("ErrDepartmentCycle", func(t *testing.T) {
		env.Do(t, key, `mutation { upsertDepartments(input: [{externalId: "ROOT", name: "Дирекция", parentExternalId: "IT"}]) { created } }`, nil).WantCode(t, "BAD_USER_INPUT")
	})
}
