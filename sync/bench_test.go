package sync_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/graph"
	"github.com/kabinet/kabinet/internal/testkit"
)

// benchEnv drives the whole server stack in-process - Fiber's middleware
// (request id, access log, gzip), token authentication, the gqlgen handler,
// the sync service and SQLite - without a socket, so a benchmark measures
// the server's time per request.
type benchEnv struct {
	*httpEnv
	handler fasthttp.RequestHandler
}

// startBench seeds E-1 with 60 payslips of 30 lines, 3 leave balances and
// 10 vacations (and E-2 with the same, so there is someone else's data).
func startBench(b *testing.B) *benchEnv {
	b.Helper()
	h := startHTTP(b, 2)
	h.f.seedEmployee(b, "E-1", 60, 30, 10)
	h.f.seedEmployee(b, "E-2", 60, 30, 10)
	return &benchEnv{httpEnv: h, handler: h.App.Server.App().Handler()}
}

// post runs one GraphQL request and returns the response body as sent
// (gzip-compressed, as phones ask for it).
func (e *benchEnv) post(b *testing.B, token string, body []byte) []byte {
	var req fasthttp.Request
	req.Header.SetMethod(fasthttp.MethodPost)
	req.SetRequestURI("/graphql")
	req.Header.SetContentType("application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept-Encoding", "gzip")
	req.SetBody(body)
	var ctx fasthttp.RequestCtx
	ctx.Init(&req, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}, nil)
	e.handler(&ctx)
	if ctx.Response.StatusCode() != 200 {
		b.Fatalf("HTTP %d: %s", ctx.Response.StatusCode(), ctx.Response.Body())
	}
	return append([]byte(nil), ctx.Response.Body()...)
}

func syncBody(b *testing.B, cursor string) []byte {
	vars := map[string]any{}
	if cursor != "" {
		vars["c"] = cursor
	}
	body, err := json.Marshal(map[string]any{"query": syncQuery, "variables": vars})
	if err != nil {
		b.Fatal(err)
	}
	return body
}

// apqBody is the request a phone sends once the query is persisted: its
// hash and the variables, no query text.
func apqBody(b *testing.B, cursor string) []byte {
	vars := map[string]any{}
	if cursor != "" {
		vars["c"] = cursor
	}
	sum := sha256.Sum256([]byte(syncQuery))
	body, err := json.Marshal(map[string]any{"variables": vars, "extensions": map[string]any{
		"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}})
	if err != nil {
		b.Fatal(err)
	}
	return body
}

// decode un-gzips a response and decodes its data, failing on errors.
func decode(b *testing.B, wire []byte) (*wireResult, int) {
	raw := wire
	if zr, err := gzip.NewReader(bytes.NewReader(wire)); err == nil {
		raw, err = io.ReadAll(zr)
		if err != nil {
			b.Fatal(err)
		}
	}
	var r struct {
		Data   wireResult
		Errors []testkit.Error
	}
	if err := json.Unmarshal(raw, &r); err != nil || len(r.Errors) > 0 {
		b.Fatalf("response: %v %+v: %s", err, r.Errors, raw)
	}
	return &r.Data, len(raw)
}

// run benchmarks one request and reports its size on the wire (gzip) and
// as JSON.
func (e *benchEnv) run(b *testing.B, token string, body []byte, check func(*wireResult)) {
	wire := e.post(b, token, body)
	res, raw := decode(b, wire)
	check(res)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		wire = e.post(b, token, body)
	}
	b.StopTimer()
	b.ReportMetric(float64(len(wire)), "wire-B/op")
	b.ReportMetric(float64(raw), "json-B/op")
}

// registerAPQ sends the query with its hash once, as a phone does on the
// first PERSISTED_QUERY_NOT_FOUND.
func (e *benchEnv) registerAPQ(b *testing.B, token string) {
	sum := sha256.Sum256([]byte(syncQuery))
	body, _ := json.Marshal(map[string]any{"query": syncQuery, "extensions": map[string]any{
		"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}})
	decode(b, e.post(b, token, body))
}

// BenchmarkSyncHTTP measures whole requests through the real handler stack,
// as a phone sends them: automatic persisted query (hash, no query text),
// an employee access token, gzip accepted.
func BenchmarkSyncHTTP(b *testing.B) {
	e := startBench(b)
	token := e.token(b, "E-1")
	e.registerAPQ(b, token)
	var first *wireResult
	b.Run("FirstSync", func(b *testing.B) {
		e.run(b, token, apqBody(b, ""), func(r *wireResult) {
			first = r
			s := r.Sync
			if len(s.Payslips) != 60 || len(s.Payslips[0].Lines) != 30 || len(s.LeaveBalances) != 3 || len(s.Vacations) != 10 || s.HasMore {
				b.Fatalf("first sync: got %d payslips, %d balances, %d vacations, hasMore=%v; want 60 (30 lines), 3, 10, false",
					len(s.Payslips), len(s.LeaveBalances), len(s.Vacations), s.HasMore)
			}
		})
	})
	if first == nil {
		first, _ = decode(b, e.post(b, token, apqBody(b, "")))
	}
	b.Run("NoChange", func(b *testing.B) {
		e.run(b, token, apqBody(b, first.Sync.Cursor), func(r *wireResult) {
			if n := len(r.Sync.Payslips) + len(r.Sync.Deleted); n != 0 || r.Sync.HasMore {
				b.Fatalf("no-change sync: got %d records, hasMore=%v; want nothing", n, r.Sync.HasMore)
			}
		})
	})
	b.Run("OneNewPayslip", func(b *testing.B) {
		// The cursor stays before the one publication, so every request
		// returns exactly that payslip.
		cursor := first.Sync.Cursor
		e.f.publish(b, payslip("E-1-NEW", "E-1", "2027-01", 1, 30))
		e.f.publish(b, payslip("E-2-NEW", "E-2", "2027-01", 1, 30))
		e.run(b, token, apqBody(b, cursor), func(r *wireResult) {
			if len(r.Sync.Payslips) != 1 || len(r.Sync.Payslips[0].Lines) != 30 {
				b.Fatalf("incremental sync: got %d payslips, want 1 of 30 lines", len(r.Sync.Payslips))
			}
		})
	})
}

// BenchmarkStackFloor is the cost of the handler stack itself: an employee
// request that reads nothing ({ __typename }), through the same path.
func BenchmarkStackFloor(b *testing.B) {
	e := startBench(b)
	body, _ := json.Marshal(map[string]any{"query": `{ __typename }`})
	wire := e.post(b, e.token(b, "E-1"), body)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		wire = e.post(b, e.token(b, "E-1"), body)
	}
	b.ReportMetric(float64(len(wire)), "wire-B/op")
}

// BenchmarkSyncGraph measures the gqlgen handler with the sync service,
// without Fiber and token checking (the actor is put in the context as the
// server's middleware would).
func BenchmarkSyncGraph(b *testing.B) {
	e := startBench(b)
	h := graph.NewHandler(&graph.Resolver{Store: e.App.DB, SyncService: e.App.Sync},
		graph.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	actor := &kabinet.Actor{Role: kabinet.RoleEmployee, OrgID: e.f.org, EmployeeID: e.f.emp["E-1"]}
	post := func(body []byte) []byte {
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req = req.WithContext(kabinet.NewContext(req.Context(), actor))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Body.Bytes()
	}
	first, _ := decode(b, post(syncBody(b, "")))
	cursor := first.Sync.Cursor
	run := func(name string, body []byte) {
		b.Run(name, func(b *testing.B) {
			out := post(body)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				out = post(body)
			}
			b.ReportMetric(float64(len(out)), "json-B/op")
		})
	}
	run("FirstSync", syncBody(b, ""))
	run("NoChange", syncBody(b, cursor))
	e.f.publish(b, payslip("E-1-NEW", "E-1", "2027-01", 1, 30))
	run("OneNewPayslip", syncBody(b, cursor))
}

// BenchmarkSyncService measures the service and store alone (no HTTP, no
// GraphQL), to show where the time of a request goes.
func BenchmarkSyncService(b *testing.B) {
	f := newFixture(b, "A", "B")
	f.seedEmployee(b, "A", 60, 30, 10)
	f.seedEmployee(b, "B", 60, 30, 10)
	ctx := context.Background()
	first := f.sync(b, "A", "", 200)
	bench := func(name, cursor string, want int) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				res, err := f.svc.Sync(ctx, f.org, f.emp["A"], cursor, nil)
				if err != nil || len(res.Payslips) != want {
					b.Fatalf("got %v payslips, %v; want %d", len(res.Payslips), err, want)
				}
			}
		})
	}
	bench("FirstSync", "", 60)
	bench("NoChange", first.Cursor, 0)
	f.publish(b, payslip("A-NEW", "A", "2027-01", 1, 30))
	bench("OneNewPayslip", first.Cursor, 1)
}
