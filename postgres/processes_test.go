package postgres_test

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/app"
	"github.com/kabinet/kabinet/auth"
	"github.com/kabinet/kabinet/internal/pgtest"
	"github.com/kabinet/kabinet/internal/testkit"
)

// serve starts `kabinet serve` on dsn and returns its base URL.
func serve(t *testing.T, dsn string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var log bytes.Buffer
	cmd := exec.Command(testkit.Binary(t), "serve")
	cmd.Env = append(os.Environ(), "KABINET_ADDR="+addr, "KABINET_DB="+dsn, "KABINET_LOG_LEVEL=error", "KABINET_DB_MAX_CONNS=4", "GOMAXPROCS=1")
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("log of the instance on %s:\n%s", addr, log.String())
		}
	})
	url := "http://" + addr
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return url
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the instance on %s never became ready: %v\n%s", addr, err, log.String())
		}
	}
}

const phoneSync = `query($c: String) { sync(cursor: $c, limit: 7) {
	payslips { id externalId lines { title } } deleted { type id } cursor hasMore } }`

type syncPage struct {
	Sync struct {
		Payslips []struct {
			ID, ExternalID string
			Lines          []struct{ Title string }
		}
		Deleted []struct{ Type, ID string }
		Cursor  string
		HasMore bool
	}
}

// phone is an employee's replica: payslip id → external id and first line.
type phone struct {
	emp, token, cursor string
	have               map[string]string
}

// pull syncs until nothing more is pending, through the given instance.
func (p *phone) pull(t *testing.T, via *testkit.Env) {
	t.Helper()
	for range 100 {
		var page syncPage
		vars := map[string]any{}
		if p.cursor != "" {
			vars["c"] = p.cursor
		}
		via.Do(t, p.token, phoneSync, vars).Must(t, &page)
		seen := map[string]bool{}
		for _, s := range page.Sync.Payslips {
			if seen[s.ID] {
				t.Fatalf("%s: payslip %s twice in one page", p.emp, s.ExternalID)
			}
			seen[s.ID] = true
			p.have[s.ID] = s.ExternalID + "|" + s.Lines[0].Title
		}
		for _, d := range page.Sync.Deleted {
			delete(p.have, d.ID)
		}
		p.cursor = page.Sync.Cursor
		if !page.Sync.HasMore {
			return
		}
	}
	t.Fatalf("%s: still hasMore after 100 pages", p.emp)
}

// TestInstancesShareOnePostgreSQL: three `kabinet serve` processes on one
// database. HR publishes, corrects and retracts through instance A while
// the phones sync through B and C in turn, some of them while A is
// publishing; at the end every phone holds exactly what HR's listing
// through A says, nothing missed, nothing extra.
func TestInstancesShareOnePostgreSQL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dsn := pgtest.DSN(t)
	// The seeding app shares the database; its clock is the wall clock so
	// that the tokens it issues are valid for the processes.
	seed := testkit.Start(t, func(c *app.Config, o *app.Options) { c.DB = dsn; o.NoDispatcher = true })
	seed.Clock.Set(time.Now())
	org, key := seed.NewOrg(t, "ООО Кластер")
	emps := seed.SeedEmployees(t, key, 6)
	a, b, c := *seed, *seed, *seed
	a.URL, b.URL, c.URL = serve(t, dsn), serve(t, dsn), serve(t, dsn)
	var phones []*phone
	for _, e := range emps {
		phones = append(phones, &phone{emp: e, token: seed.EmployeeSession(t, org, e, "phone").AccessToken, have: map[string]string{}})
	}
	slip := func(ext, emp string, round int) map[string]any {
		s := testkit.Payslip(ext, emp, "2026-10")
		s["lines"].([]map[string]any)[0]["title"] = fmt.Sprintf("Оплата по окладу, выпуск %d", round)
		return s
	}
	for round := 1; round <= 6; round++ {
		var batch []map[string]any
		for _, e := range emps {
			batch = append(batch, slip(fmt.Sprintf("PS-%d-%s", round, e), e, round)) // new
			if round > 1 {
				batch = append(batch, slip("PS-1-"+e, e, round)) // a correction
			}
		}
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { // phones sync while A publishes
			defer wg.Done()
			for i, p := range phones {
				via := &b
				if (i+round)%2 == 0 {
					via = &c
				}
				p.pull(t, via)
			}
		}()
		a.PublishPayslips(t, key, batch...)
		if round == 4 {
			for _, e := range emps[:3] {
				a.Do(t, key, `mutation($id: String!) { retractPayslip(externalId: $id) }`,
					map[string]any{"id": "PS-2-" + e}).Must(t, nil)
			}
		}
		wg.Wait()
	}
	for i, p := range phones {
		via := &c
		if i%2 == 0 {
			via = &b
		}
		p.pull(t, via)
		var hr struct {
			Payslips []struct {
				ID, ExternalID string
				RetractedAt    *string
				Lines          []struct{ Title string }
			}
		}
		a.Do(t, key, `query($e: String!) { payslips(employeeExternalId: $e) { id externalId retractedAt lines { title } } }`,
			map[string]any{"e": p.emp}).Must(t, &hr)
		want := map[string]string{}
		for _, s := range hr.Payslips {
			if s.RetractedAt == nil {
				want[s.ID] = s.ExternalID + "|" + s.Lines[0].Title
			}
		}
		if n := 6 - boolInt(i < 3); len(want) != n {
			t.Errorf("%s: HR lists %d live payslips, want %d", p.emp, len(want), n)
		}
		for id, w := range want {
			if p.have[id] != w {
				t.Errorf("%s: phone has %q for %s, want %q", p.emp, p.have[id], id, w)
			}
		}
		for id, got := range p.have {
			if _, ok := want[id]; !ok {
				t.Errorf("%s: phone still has %s (%s), which HR no longer lists", p.emp, id, got)
			}
		}
	}
	// A logout on A is refused on B within the session cache's bound.
	if d := refusedWithin(t, &a, &b, phones[0].token); d > auth.SessionCacheTTL+time.Second {
		t.Errorf("B accepted the token %v after the logout on A, want at most %v (auth.SessionCacheTTL) plus a second", d, auth.SessionCacheTTL)
	} else {
		t.Logf("B refused the logged-out token after %v (bound: auth.SessionCacheTTL = %v)", d, auth.SessionCacheTTL)
	}
}

// refusedWithin logs the employee out through A and returns how long B went
// on accepting the token.
func refusedWithin(t *testing.T, a, b *testkit.Env, token string) time.Duration {
	t.Helper()
	b.Do(t, token, phoneSync, nil).Must(t, nil) // B has the session cached
	a.Do(t, token, `mutation { logout }`, nil).Must(t, nil)
	start := time.Now()
	for time.Since(start) < 10*time.Second {
		if b.Do(t, token, phoneSync, nil).Code() == "UNAUTHENTICATED" {
			return time.Since(start)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("instance B still accepts the token 10s after the logout on A")
	return 0
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
