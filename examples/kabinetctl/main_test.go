package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/examples/client"
	"github.com/kabinet/kabinet/internal/testkit"
)

// ctl runs kabinetctl against the test server and returns its exit code,
// stdout and stderr.
func ctl(t *testing.T, c *client.Client, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), c, args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func mustCtl(t *testing.T, c *client.Client, stdin string, args ...string) map[string]any {
	t.Helper()
	code, out, errOut := ctl(t, c, stdin, args...)
	if code != 0 {
		t.Fatalf("kabinetctl %v: exit %d: %s", args, code, errOut)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("kabinetctl %v: %v: %s", args, err, out)
	}
	return v
}

// TestEveryOperation runs every publication and HR command of the example
// against a live server, and the error paths an integration must handle.
func TestEveryOperation(t *testing.T) {
	env := testkit.Start(t)
	_, key := env.NewOrg(t, "ООО Пример")
	c := client.New(env.URL, key)

	created := func(v map[string]any, field string) float64 {
		return v[field].(map[string]any)["created"].(float64)
	}
	if n := created(mustCtl(t, c, `[{"externalId": "D-1", "name": "Бухгалтерия"}]`, "departments"), "upsertDepartments"); n != 1 {
		t.Errorf("departments: created %v, want 1", n)
	}
	emps := `[{"externalId": "E-1", "lastName": "Орлова", "firstName": "Вера", "email": "vera@example.com", "departmentExternalId": "D-1"},
	          {"externalId": "E-2", "lastName": "Петров", "firstName": "Пётр", "phone": "+79160000002", "departmentExternalId": "D-1"}]`
	if n := created(mustCtl(t, c, emps, "employees"), "upsertEmployees"); n != 2 {
		t.Errorf("employees: created %v, want 2", n)
	}
	slips, _ := json.Marshal([]map[string]any{testkit.Payslip("PS-1", "E-1", "2026-09"), testkit.Payslip("PS-2", "E-1", "2026-10")})
	if n := created(mustCtl(t, c, string(slips), "payslips"), "publishPayslips"); n != 2 {
		t.Errorf("payslips: created %v, want 2", n)
	}
	bal := `[{"employeeExternalId": "E-1", "leaveTypeCode": "ANNUAL", "leaveTypeTitle": "Ежегодный отпуск", "asOf": "2026-11-01", "entitledDays": "28", "usedDays": "14", "remainingDays": "14"}]`
	if n := created(mustCtl(t, c, bal, "leave-balances"), "publishLeaveBalances"); n != 1 {
		t.Errorf("leave balances: created %v, want 1", n)
	}
	vac := `[{"externalId": "V-1", "employeeExternalId": "E-1", "startsOn": "2026-12-14", "endsOn": "2026-12-27", "days": 14}]`
	if n := created(mustCtl(t, c, vac, "vacations"), "publishVacations"); n != 1 {
		t.Errorf("vacations: created %v, want 1", n)
	}
	if v := mustCtl(t, c, "", "retract-payslip", "PS-1"); v["retractPayslip"] != true {
		t.Errorf("retract: got %v", v)
	}
	if v := mustCtl(t, c, "", "cancel-vacation", "V-1"); v["cancelVacation"] != true {
		t.Errorf("cancel vacation: got %v", v)
	}

	t.Run("ErrRefusedBatch", func(t *testing.T) {
		code, _, errOut := ctl(t, c, `[{"externalId": "PS-9", "employeeExternalId": "E-1", "period": "2026-08", "accrued": "1", "deducted": "0", "paid": "1"},
			{"externalId": "PS-X", "employeeExternalId": "nobody", "period": "2026-13", "accrued": "1", "deducted": "0", "paid": "1"}]`, "payslips")
		if code != 2 || !strings.Contains(errOut, "refused, nothing written") || !strings.Contains(errOut, "item 1 (PS-X)") {
			t.Fatalf("got exit %d, %q; want 2 and item 1 named", code, errOut)
		}
		if code, _, _ := ctl(t, c, "", "retract-payslip", "PS-9"); code == 0 {
			t.Error("PS-9 of the refused batch was written")
		}
	})

	res := mustCtl(t, c, "", "create-cabinets", "E-1", "E-2")["createCabinets"].([]any)
	code1 := res[0].(map[string]any)["activationCode"].(string)
	mustCtl(t, c, "", "invite", "sms", "E-2")
	if got := mustCtl(t, c, "", "cabinets", "INVITED")["cabinets"].([]any); len(got) != 1 {
		t.Errorf("cabinets INVITED: got %d, want 1", len(got))
	}
	if v := mustCtl(t, c, "", "block", "E-2"); v["blockCabinet"].(map[string]any)["status"] != "BLOCKED" {
		t.Errorf("block: got %v", v)
	}
	mustCtl(t, c, "", "unblock", "E-2")
	mustCtl(t, c, "", "reissue-code", "E-2", "SMS")
	mustCtl(t, c, "", "cabinet-settings")
	mustCtl(t, c, `{"codeTtlDays": 14}`, "set-cabinet-settings")
	mustCtl(t, c, "", "auth-policy")
	mustCtl(t, c, `{"maxPinAttempts": 4}`, "set-auth-policy")
	mustCtl(t, c, "", "notification-settings")
	mustCtl(t, c, `{"payslipReminderDays": [3, 7]}`, "set-notification-settings")
	mustCtl(t, c, "", "remind", "2026-10")
	mustCtl(t, c, "", "deliveries", "E-1")
	if got := mustCtl(t, c, "", "audit", "50")["auditLog"].([]any); len(got) < 15 {
		t.Errorf("audit: got %d entries, want every mutation above", len(got))
	}
	if code, _, errOut := ctl(t, client.New(env.URL, "kbn_wrong"), "", "cabinets"); code != 1 || !strings.Contains(errOut, "kabinet org key") {
		t.Errorf("wrong key: got %d %q", code, errOut)
	}

	t.Run("PhoneResetRequired", func(t *testing.T) {
		var out bytes.Buffer
		if code := run(context.Background(), client.New(env.URL, ""), []string{"phone", "activate", code1, "a-long-secret-1", "phone-1"}, nil, &out, &out); code != 0 {
			t.Fatalf("activate: %s", out.String())
		}
		token := strings.TrimSpace(out.String()[strings.Index(out.String(), "KABINET_TOKEN=")+len("KABINET_TOKEN="):])
		phone := client.New(env.URL, token)
		state := filepath.Join(t.TempDir(), "state.json")
		os.WriteFile(state, []byte(`{"cursor": "not-a-cursor", "payslips": {"gone": "2020-01"}}`), 0o600)
		out.Reset()
		if code := runPhone(context.Background(), phone, []string{"sync", state}, &out, &out); code != 0 {
			t.Fatalf("sync: %s", out.String())
		}
		if !strings.Contains(out.String(), "syncing afresh") || !strings.Contains(out.String(), "1 payslips kept") {
			t.Fatalf("got %q, want a fresh sync keeping PS-2 only", out.String())
		}
	})

	t.Run("RateLimited", func(t *testing.T) {
		anon := client.New(env.URL, "")
		anon.MaxRetries = 0
		for i := 0; i < 100; i++ {
			code, _, errOut := ctl(t, anon, "", "phone", "activate", "AAAA-BBBB-CCCC", "a-long-secret-1", "phone-x")
			if strings.Contains(errOut, "rate limited: try again in") {
				return
			}
			if code == 0 {
				t.Fatal("a made-up code was accepted")
			}
		}
		t.Fatal("100 wrong codes and never RATE_LIMITED")
	})
}

// TestRetryAfter checks that the client waits out RATE_LIMITED as told.
func TestRetryAfter(t *testing.T) {
	env := testkit.Start(t)
	anon := client.New(env.URL, "")
	var waits []time.Duration
	anon.Sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	anon.MaxWait = 24 * time.Hour // the lock-out is longer than a minute; the sleep is ours
	var err error
	for i := 0; i < 100 && client.Code(err) != "RATE_LIMITED"; i++ {
		err = anon.Do(context.Background(), `mutation { activate(input: {activationCode: "AAAA-BBBB-CCCC", password: "a-long-secret-1", device: {id: "x", platform: ANDROID}}) { accessToken } }`, nil, nil)
	}
	var e *client.Error
	if !errors.As(err, &e) || e.Code != "RATE_LIMITED" || e.RetryAfter <= 0 {
		t.Fatalf("got %v, want RATE_LIMITED with a retry-after", err)
	}
	t.Logf("retry-after %s", e.RetryAfter)
	if len(waits) != anon.MaxRetries {
		t.Fatalf("got %d waits, want %d (one per retry)", len(waits), anon.MaxRetries)
	}
	for _, w := range waits {
		if w <= 0 || w > anon.MaxWait {
			t.Errorf("waited %s, want the server's retry-after", w)
		}
	}
}
