package app_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/app"
	"github.com/kabinet/kabinet/internal/testkit"
	"github.com/kabinet/kabinet/payroll"
)

func get(t *testing.T, url string, header ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestProbesAndMetrics(t *testing.T) {
	env := testkit.Start(t)
	_, key := env.NewOrg(t, "Org")
	env.Do(t, key, `{ departments { id } }`, nil).Must(t, nil)
	env.Do(t, "", `{ departments { id } }`, nil).WantCode(t, "UNAUTHENTICATED")
	env.Do(t, key, `mutation { retractPayslip(externalId: "nope") }`, nil).WantCode(t, "NOT_FOUND")
	// Many requests of several methods and routes: label values must not
	// alias fasthttp's reused buffers (they did, and /metrics answered 500).
	var wg sync.WaitGroup
	for w := 0; w < 5; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				for _, u := range []string{env.URL + "/healthz", env.MetricsURL + "/metrics"} {
					if resp, err := env.Client.Get(u); err == nil {
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
					}
				}
				env.Do(t, key, `{ departments { id } }`, nil)
			}
		}()
	}
	wg.Wait()
	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready"} {
		resp, body := get(t, env.URL+path)
		if resp.StatusCode != 200 || body != want {
			t.Errorf("GET %s: got %d %q, want 200 %q", path, resp.StatusCode, body, want)
		}
	}
	resp, body := get(t, env.MetricsURL+"/metrics")
	for _, want := range []string{
		`kabinet_http_requests_total{method="POST",route="/graphql",status="200"}`,
		`kabinet_graphql_operations_total{code="OK",field="query.departments"} 51`,
		`kabinet_http_requests_total{method="GET",route="/healthz",status="200"} 51`,
		`process_resident_memory_bytes`,
		`kabinet_graphql_operations_total{code="UNAUTHENTICATED",field="query.departments"} 1`,
		`kabinet_graphql_operations_total{code="NOT_FOUND",field="mutation.retractPayslip"} 1`,
		`kabinet_graphql_operations_total{code="OK",field="mutation.createOrganization"} 1`,
		`go_goroutines`,
	} {
		if resp.StatusCode != 200 || !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// Not on the public port: metrics and profiles are for the operator.
	for _, p := range []string{"/metrics", "/debug/pprof/"} {
		if resp, _ := get(t, env.URL+p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s on the public port: got %d, want 404", p, resp.StatusCode)
		}
	}
	if resp, _ := get(t, env.URL+"/healthz", "X-Request-Id", "abc-123"); resp.Header.Get("X-Request-Id") != "abc-123" {
		t.Errorf("got X-Request-Id %q, want the client's abc-123", resp.Header.Get("X-Request-Id"))
	}
}

func TestReadyzFailsWithoutDatabase(t *testing.T) {
	env := testkit.Start(t)
	env.App.DB.Close() // the store is gone; the process is still up
	if resp, _ := get(t, env.URL+"/readyz"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("got /readyz %d with a closed database, want 503", resp.StatusCode)
	}
	if resp, _ := get(t, env.URL+"/healthz"); resp.StatusCode != 200 {
		t.Fatalf("got /healthz %d, want 200", resp.StatusCode)
	}
}

func TestTransport(t *testing.T) {
	logs := &testkit.Buffer{}
	env := testkit.Start(t, func(c *app.Config, o *app.Options) {
		c.BodyLimit = 4096
		o.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	_, key := env.NewOrg(t, "Org")
	env.SeedEmployees(t, key, 3)

	t.Run("Gzip", func(t *testing.T) {
		q := url.QueryEscape(`{ employees { externalId lastName firstName middleName email phone position } }`)
		resp, body := get(t, env.URL+"/graphql?query="+q, "Authorization", "Bearer "+key, "Accept-Encoding", "gzip")
		if resp.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("got Content-Encoding %q, want gzip", resp.Header.Get("Content-Encoding"))
		}
		zr, err := gzip.NewReader(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		plain, _ := io.ReadAll(zr)
		if !strings.Contains(string(plain), `"externalId":"E-3"`) {
			t.Fatalf("got %s", plain)
		}
	})
	t.Run("GetRefusesMutations", func(t *testing.T) {
		q := url.QueryEscape(`mutation { retractPayslip(externalId: "x") }`)
		resp, body := get(t, env.URL+"/graphql?query="+q, "Authorization", "Bearer "+key)
		if resp.StatusCode != http.StatusMethodNotAllowed || !strings.Contains(body, `"code":"BAD_USER_INPUT"`) {
			t.Fatalf("a mutation over GET: got %d %s, want 405 with BAD_USER_INPUT", resp.StatusCode, body)
		}
		resp, body = get(t, env.URL+"/graphql?query="+url.QueryEscape(`{ organization { name } }`)+"&variables=nope", "Authorization", "Bearer "+key)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `"code":"BAD_USER_INPUT"`) {
			t.Fatalf("bad GET variables: got %d %s", resp.StatusCode, body)
		}
	})
	t.Run("ErrContentType", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, env.URL+"/graphql", strings.NewReader(`{ departments { id } }`))
		req.Header.Set("Content-Type", "text/plain")
		r := env.Send(t, req)
		if r.Status != http.StatusUnsupportedMediaType {
			t.Errorf("got HTTP %d, want 415", r.Status)
		}
		r.WantCode(t, "BAD_USER_INPUT")
	})
	t.Run("ErrBodyTooLarge", func(t *testing.T) {
		big := `{ departments { id } }` + strings.Repeat(" ", 5000)
		r := env.Post(t, key, map[string]any{"query": big})
		if r.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("got HTTP %d, want 413", r.Status)
		}
		r.WantCode(t, "BAD_USER_INPUT")
	})
	t.Run("ErrTooDeep", func(t *testing.T) {
		q := `{ employees { ` + strings.Repeat(`manager { `, 14) + `id` + strings.Repeat(` }`, 14) + ` } }`
		env.Do(t, key, q, nil).WantCode(t, "BAD_USER_INPUT")
		frag := `query { employees { ...M } } fragment M on Employee { manager { manager { manager { manager { manager { manager { manager { manager { manager { manager { manager { manager { id } } } } } } } } } } } } }`
		env.Do(t, key, frag, nil).WantCode(t, "BAD_USER_INPUT")
		env.Do(t, key, `{ employees { manager { manager { id } } } }`, nil).Must(t, nil)
	})
	t.Run("ErrTooComplex", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("{")
		for i := 0; i < 400; i++ {
			fmt.Fprintf(&b, " a%d: organization { id name timezone }", i)
		}
		b.WriteString("}")
		env.Post(t, key, map[string]any{"query": b.String()}).WantCode(t, "BAD_USER_INPUT")
	})
	t.Run("ErrMalformed", func(t *testing.T) {
		env.Do(t, key, `{ departments { id `, nil).WantCode(t, "BAD_USER_INPUT")
		env.Do(t, key, `{ nosuchfield }`, nil).WantCode(t, "BAD_USER_INPUT")
		// Broken JSON carrying a password: BAD_USER_INPUT, and the body is
		// neither echoed nor logged.
		req, _ := http.NewRequest(http.MethodPost, env.URL+"/graphql",
			strings.NewReader(`{"query":"mutation { login(input: {login: \"x\", password: \"SECRET-PW-123\"}) { accessToken } }",}`))
		req.Header.Set("Content-Type", "application/json")
		r := env.Send(t, req)
		if r.Status != 400 || r.Code() != "BAD_USER_INPUT" || strings.Contains(r.Errors[0].Message, "SECRET") {
			t.Fatalf("got HTTP %d %+v for broken JSON, want 400 BAD_USER_INPUT without the body", r.Status, r.Errors)
		}
		if strings.Contains(logs.String(), "SECRET-PW-123") {
			t.Fatalf("the password reached the log: %s", logs.String())
		}
		env.Do(t, key, `mutation($p: [PayslipInput!]!) { publishPayslips(input: $p) { created } }`,
			map[string]any{"p": []any{map[string]any{"externalId": "x", "employeeExternalId": "E-1", "period": "2026-10", "accrued": 1.5, "deducted": "0", "paid": "0"}}}).
			WantCode(t, "BAD_USER_INPUT")
		env.Do(t, key, `{ auditLog(limit: 0) { id } }`, nil).WantCode(t, "BAD_USER_INPUT")
	})
	t.Run("APQ", func(t *testing.T) {
		q := `{ organization { name } }`
		sum := sha256.Sum256([]byte(q))
		ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}
		r := env.Post(t, key, map[string]any{"extensions": ext})
		if r.Code() != "PERSISTED_QUERY_NOT_FOUND" {
			t.Fatalf("got %q for an unknown hash, want PERSISTED_QUERY_NOT_FOUND", r.Code())
		}
		env.Post(t, key, map[string]any{"query": q, "extensions": ext}).Must(t, nil)
		var out struct{ Organization struct{ Name string } }
		env.Post(t, key, map[string]any{"extensions": ext}).Must(t, &out)
		if out.Organization.Name != "Org" {
			t.Fatalf("got %q by hash, want Org", out.Organization.Name)
		}
	})
}

// TestGracefulShutdown: a request in flight when shutdown starts finishes,
// and its writes are kept.
func TestGracefulShutdown(t *testing.T) {
	inFlight, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	env := testkit.Start(t, func(_ *app.Config, o *app.Options) {
		o.Listeners = []payroll.Listener{payroll.ListenerFunc(func(_ context.Context, ev payroll.Event) {
			if ev.Kind != payroll.EventPayslips {
				return // the employees seeded below
			}
			once.Do(func() { close(inFlight) })
			<-release
		})}
	})
	_, key := env.NewOrg(t, "Org")
	env.SeedEmployees(t, key, 1)
	done := make(chan *testkit.Response)
	go func() {
		body, _ := jsonBody(map[string]any{"query": publishPayslips, "variables": map[string]any{"in": []any{testkit.Payslip("PS-1", "E-1", "2026-10")}}})
		req, _ := http.NewRequest(http.MethodPost, env.URL+"/graphql", body)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+key)
		done <- env.Send(t, req)
	}()
	<-inFlight
	closed := make(chan error)
	go func() { closed <- env.App.Server.Shutdown(context.Background()) }()
	// Wait until the listener refuses new connections: shutdown has begun.
	addr := strings.TrimPrefix(env.URL, "http://")
	for i := 0; ; i++ {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			break
		}
		c.Close()
		if i > 1000 {
			t.Fatal("the server still accepts connections during shutdown")
		}
		time.Sleep(time.Millisecond)
	}
	close(release)
	r := <-done
	var out struct{ PublishPayslips publishResult }
	r.Must(t, &out)
	if out.PublishPayslips.Created != 1 {
		t.Fatalf("got %+v, want the in-flight publication to complete", out.PublishPayslips)
	}
	if err := <-closed; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
}

func jsonBody(v any) (io.Reader, error) {
	var b bytes.Buffer
	err := jsonEncode(&b, v)
	return &b, err
}
