package app_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/kabinet/kabinet/app"
	"github.com/kabinet/kabinet/internal/testkit"
	"github.com/kabinet/kabinet/payroll"
)

func TestCreateOrganization(t *testing.T) {
	env := testkit.Start(t)
	t.Run("OK", func(t *testing.T) {
		var out struct {
			CreateOrganization struct {
				Organization struct{ ID, Name, Timezone string }
				APIKey       string
			}
		}
		env.Do(t, testkit.BootstrapToken, `mutation { createOrganization(input: {name: "ООО Ромашка", timezone: "Asia/Yekaterinburg"}) { organization { id name timezone } apiKey } }`, nil).Must(t, &out)
		c := out.CreateOrganization
		if c.Organization.Name != "ООО Ромашка" || c.Organization.Timezone != "Asia/Yekaterinburg" || !strings.HasPrefix(c.APIKey, "kbn_") {
			t.Fatalf("got %+v", c)
		}
		var org struct{ Organization struct{ ID string } }
		env.Do(t, c.APIKey, `{ organization { id } }`, nil).Must(t, &org)
		if org.Organization.ID != c.Organization.ID {
			t.Fatalf("the new key sees organisation %q, want %q", org.Organization.ID, c.Organization.ID)
		}
	})
	t.Run("ErrBadInput", func(t *testing.T) {
		env.Do(t, testkit.BootstrapToken, `mutation { createOrganization(input: {name: "  "}) { apiKey } }`, nil).WantCode(t, "BAD_USER_INPUT")
		env.Do(t, testkit.BootstrapToken, `mutation { createOrganization(input: {name: "X", timezone: "Moscow"}) { apiKey } }`, nil).WantCode(t, "BAD_USER_INPUT")
	})
	t.Run("ErrNoOrBadToken", func(t *testing.T) {
		q := `mutation { createOrganization(input: {name: "X"}) { apiKey } }`
		env.Do(t, "", q, nil).WantCode(t, "UNAUTHENTICATED")
		env.Do(t, "wrong-token", q, nil).WantCode(t, "UNAUTHENTICATED")
		env.Do(t, "kbn_forged", q, nil).WantCode(t, "UNAUTHENTICATED")
		_, key := env.NewOrg(t, "Other")
		env.Do(t, key, q, nil).WantCode(t, "FORBIDDEN")
	})
	t.Run("ErrDisabledWithoutBootstrapToken", func(t *testing.T) {
		env := testkit.Start(t, testkit.WithoutBootstrapToken())
		env.Do(t, testkit.BootstrapToken, `mutation { createOrganization(input: {name: "X"}) { apiKey } }`, nil).WantCode(t, "UNAUTHENTICATED")
	})
}

// TestTenantIsolation: organisation B's key sees nothing of A, whatever id
// it names, and gets the same answer as for ids that exist nowhere.
func TestTenantIsolation(t *testing.T) {
	env := testkit.Start(t)
	orgA, keyA := env.NewOrg(t, "A")
	_, keyB := env.NewOrg(t, "B")
	env.SeedEmployees(t, keyA, 2)
	env.PublishPayslips(t, keyA, testkit.Payslip("PS-A", "E-1", "2026-10"))
	env.Do(t, keyA, `mutation { publishVacations(input: [{externalId: "V-A", employeeExternalId: "E-1", startsOn: "2026-12-01", endsOn: "2026-12-14", days: 14}]) { created } }`, nil).Must(t, nil)

	var lists struct {
		Departments []struct{ ID string }
		Employees   []struct{ ID string }
		Payslips    []struct{ ID string }
		AuditLog    []struct{ ID string }
	}
	env.Do(t, keyB, `{ departments { id } employees(externalIds: ["E-1", "E-2"]) { id } payslips { id } auditLog { id } }`, nil).Must(t, &lists)
	if len(lists.Departments)+len(lists.Employees)+len(lists.Payslips) != 0 {
		t.Fatalf("B sees A's records: %+v", lists)
	}
	if len(lists.AuditLog) != 1 { // B's own creation only
		t.Fatalf("B's audit log has %d entries, want 1", len(lists.AuditLog))
	}

	existsInA := env.Do(t, keyB, `{ payslips(employeeExternalId: "E-1") { id } }`, nil).WantCode(t, "NOT_FOUND")
	existsNowhere := env.Do(t, keyB, `{ payslips(employeeExternalId: "E-404") { id } }`, nil).WantCode(t, "NOT_FOUND")
	if existsInA.Message != existsNowhere.Message {
		t.Fatalf("a foreign id answers %q, an unknown one %q: the difference leaks", existsInA.Message, existsNowhere.Message)
	}
	env.Do(t, keyB, `mutation { retractPayslip(externalId: "PS-A") }`, nil).WantCode(t, "NOT_FOUND")
	env.Do(t, keyB, `mutation { cancelVacation(externalId: "V-A") }`, nil).WantCode(t, "NOT_FOUND")
	env.PublishPayslips(t, keyB) // an empty batch is fine
	e := env.Do(t, keyB, publishPayslips, map[string]any{"in": []any{testkit.Payslip("PS-A", "E-1", "2026-10")}}).WantCode(t, "BAD_USER_INPUT")
	if !strings.Contains(e.Message, "not a published employee") {
		t.Fatalf("got %q, want B told that E-1 is not its employee", e.Message)
	}
	// B publishing the same external IDs creates its own records, leaving A's alone.
	env.SeedEmployees(t, keyB, 1)
	env.PublishPayslips(t, keyB, testkit.Payslip("PS-A", "E-1", "2026-10"))
	var a struct {
		Payslips []struct{ ExternalID, Paid string }
	}
	env.Do(t, keyA, `{ payslips { externalId paid } }`, nil).Must(t, &a)
	if len(a.Payslips) != 1 {
		t.Fatalf("A has %d payslips, want 1", len(a.Payslips))
	}
	// An employee token of A cannot reach B's HR data or A's either.
	tok := env.EmployeeToken(t, orgA, "E-1")
	env.Do(t, tok, `{ payslips { id } }`, nil).WantCode(t, "FORBIDDEN")
}

func TestAuditLog(t *testing.T) {
	env := testkit.Start(t)
	_, key := env.NewOrg(t, "Org")
	env.SeedEmployees(t, key, 1)
	env.PublishPayslips(t, key, testkit.Payslip("PS-1", "E-1", "2026-10"))
	env.Do(t, key, `mutation { retractPayslip(externalId: "PS-404") }`, nil).WantCode(t, "NOT_FOUND")

	var out struct {
		AuditLog []struct {
			Actor, Operation, Outcome, Address, RequestID string
			Targets                                       []string
		}
	}
	res := env.Do(t, key, `{ auditLog { actor operation targets outcome address requestId } }`, nil).Must(t, &out)
	raw := string(res.Data)
	for _, secret := range []string{"100000", "87000", "13000", key} {
		if strings.Contains(raw, secret) {
			t.Fatalf("the audit log contains %q: %s", secret, raw)
		}
	}
	ops := map[string]bool{}
	for _, e := range out.AuditLog {
		ops[e.Operation+"/"+e.Outcome] = true
		if !strings.HasPrefix(e.Actor, "key:") && e.Actor != "operator" || e.Address == "" || e.RequestID == "" {
			t.Errorf("incomplete audit entry %+v", e)
		}
		if e.Operation == "publishPayslips" && (len(e.Targets) != 2 || e.Targets[0] != "E-1" || e.Targets[1] != "PS-1") {
			t.Errorf("got publishPayslips targets %v, want [E-1 PS-1]", e.Targets)
		}
	}
	for _, want := range []string{"createOrganization/OK", "upsertDepartments/OK", "upsertEmployees/OK", "publishPayslips/OK", "retractPayslip/NOT_FOUND"} {
		if !ops[want] {
			t.Errorf("audit log lacks %s (has %v)", want, ops)
		}
	}
}

// TestAuditCommitsWithTheChange: a publication's audit entry is written in
// the transaction of the change it records, so it is there the moment the
// change is: a listener, told right after the commit and before the
// mutation returns, already finds it. (Written after the mutation, as it
// was, a crash between the two lost the entry of a committed batch.)
// Entries are not doubled, and a refused batch, which commits nothing, is
// still recorded with its code.
func TestAuditCommitsWithTheChange(t *testing.T) {
	var env *testkit.Env
	var orgID string
	var mu sync.Mutex
	seen := map[string]bool{} // operation/target found in the log at commit
	listener := payroll.ListenerFunc(func(ctx context.Context, ev payroll.Event) {
		if ev.Kind != payroll.EventEmployees || orgID == "" {
			return
		}
		entries, err := env.App.DB.AuditLog(context.Background(), orgID, 0, 100)
		if err != nil {
			t.Error(err)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		for _, e := range entries {
			for _, target := range e.Targets {
				seen[e.Operation+"/"+target] = true
			}
		}
	})
	env = testkit.Start(t, func(_ *app.Config, o *app.Options) { o.Listeners = append(o.Listeners, listener) })
	var key string
	orgID, key = env.NewOrg(t, "Org")
	env.Do(t, key, `mutation { upsertEmployees(input: [{externalId: "A-1", lastName: "Аудитов", firstName: "А"}]) { created } }`, nil).Must(t, nil)
	mu.Lock()
	if !seen["upsertEmployees/A-1"] {
		t.Errorf("at commit the audit log lacked upsertEmployees of A-1 (saw %v)", seen)
	}
	mu.Unlock()
	env.Do(t, key, `mutation { upsertEmployees(input: [{externalId: "", lastName: "Без номера", firstName: "Б"}]) { created } }`, nil).WantCode(t, "BAD_USER_INPUT")

	entries, err := env.App.DB.AuditLog(context.Background(), orgID, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, e := range entries {
		count[e.Operation+"/"+e.Outcome]++
	}
	if count["upsertEmployees/OK"] != 1 || count["upsertEmployees/BAD_USER_INPUT"] != 1 {
		t.Errorf("got audit entries %v, want one upsertEmployees/OK and one upsertEmployees/BAD_USER_INPUT", count)
	}
}
