package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kabinet/kabinet"
)

// TestAccessSummary: a window counts requests by route, method and status,
// closes on the first request a period after it opened, and reports
// percentiles within a bucket (9 %) of the truth and never above the max.
func TestAccessSummary(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	a := newAccessSummary(t0, time.Minute)
	for i := 1; i <= 100; i++ {
		if w := a.add(t0.Add(time.Duration(i)*time.Millisecond), "/graphql", "POST", 200, time.Duration(i)*time.Millisecond); w != nil {
			t.Fatalf("request %d closed the window early", i)
		}
	}
	a.add(t0.Add(time.Second), "/graphql", "POST", 500, 2*time.Second)
	a.add(t0.Add(time.Second), "other", "GET", 404, time.Microsecond/2)
	w := a.add(t0.Add(time.Minute), "/healthz", "GET", 200, time.Millisecond)
	if w == nil {
		t.Fatal("a request a minute later did not close the window")
	}
	got := w.summaries()
	if len(got) != 2 || got[0].Route != "/graphql" || got[0].Requests != 101 || got[1].Route != "other" {
		t.Fatalf("got %+v, want /graphql (101 requests) then other", got)
	}
	g := got[0]
	if g.ByStatus["200"] != 100 || g.ByStatus["500"] != 1 {
		t.Errorf("by status: got %v, want 100 × 200 and 1 × 500", g.ByStatus)
	}
	// The 51st of 101 durations is 51 ms; the 100th is 100 ms.
	if g.P50ms < 51 || g.P50ms > 51*1.095 {
		t.Errorf("p50: got %.2f ms, want 51 ms within 9 %%", g.P50ms)
	}
	if g.P99ms < 100 || g.P99ms > 100*1.095 {
		t.Errorf("p99: got %.2f ms, want 100 ms within 9 %%", g.P99ms)
	}
	if g.Maxms != 2000 {
		t.Errorf("max: got %.2f ms, want 2000", g.Maxms)
	}
	if o := got[1]; o.P99ms != 0 || o.Maxms != 0 {
		t.Errorf("a sub-microsecond request: got p99 %v, max %v; want 0", o.P99ms, o.Maxms)
	}
	// The new window holds the request that closed the old one.
	if w := a.take(t0.Add(2 * time.Minute)); w == nil || w.summaries()[0].Route != "/healthz" {
		t.Fatalf("the next window: got %+v, want the /healthz request", w)
	}
	if w := a.take(t0.Add(3 * time.Minute)); w != nil {
		t.Fatalf("an empty window: got %+v, want nil", w.summaries())
	}
}

// TestBuckets: every duration falls in a bucket whose upper bound is at
// most 9 % (or 1 µs) above it.
func TestBuckets(t *testing.T) {
	for _, d := range []time.Duration{1500 * time.Nanosecond, 37 * time.Microsecond, time.Millisecond, 499 * time.Millisecond, 7 * time.Second, time.Hour} {
		up := bucketUpperMS(bucketOf(d)) * float64(time.Millisecond)
		if d < time.Hour && (up < float64(d) || up > float64(d)*1.095+float64(time.Microsecond)) { // bounds are whole µs
			t.Errorf("%v: bucket bound %v ms", d, up/float64(time.Millisecond))
		}
	}
	if got := bucketOf(time.Hour); got != latencyBuckets-1 {
		t.Errorf("an hour: bucket %d, want the last (%d)", got, latencyBuckets-1)
	}
}

// TestAccessLogLevels runs requests through the real Fiber app: at info,
// a fast request writes no line, a slow one a warn line, a server error an
// error line, and the summary counts them all; at debug every request has
// its line.
func TestAccessLogLevels(t *testing.T) {
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		t.Run(level.String(), func(t *testing.T) {
			var logs bytes.Buffer
			s := New(Config{
				Logger:        slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: level})),
				SlowRequest:   50 * time.Millisecond,
				Authenticate:  func(context.Context, string) (*kabinet.Actor, error) { return nil, nil },
				WithAuthError: func(ctx context.Context, _ error) context.Context { return ctx },
				GraphQL: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					switch r.URL.Query().Get("q") {
					case "slow":
						time.Sleep(60 * time.Millisecond)
					case "fail":
						w.WriteHeader(http.StatusInternalServerError)
					}
					io.WriteString(w, `{"data":{}}`)
				}),
			})
			for _, target := range []string{"/healthz", "/graphql?q=fast", "/graphql?q=slow", "/graphql?q=fail", "/nowhere"} {
				resp, err := s.App().Test(httptest.NewRequest(http.MethodGet, target, nil), -1)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
			}
			s.flushSummary()
			var lines []map[string]any
			for _, l := range bytes.Split(bytes.TrimSpace(logs.Bytes()), []byte("\n")) {
				var m map[string]any
				if err := json.Unmarshal(l, &m); err != nil {
					t.Fatalf("log line %q: %v", l, err)
				}
				lines = append(lines, m)
			}
			count := map[string]int{}
			var summary map[string]any
			for _, m := range lines {
				count[m["msg"].(string)]++
				if m["msg"] == "http summary" {
					summary = m
				}
			}
			want := map[string]int{"http slow request": 1, "http server error": 1, "http summary": 1}
			if level == slog.LevelDebug {
				want["http"] = 3 // healthz, fast, nowhere
			}
			for msg, n := range want {
				if count[msg] != n {
					t.Errorf("%q lines: got %d, want %d (%v)", msg, count[msg], n, count)
				}
			}
			if count["http"] != want["http"] {
				t.Errorf("per-request lines: got %d, want %d", count["http"], want["http"])
			}
			if summary == nil {
				t.Fatal("no summary")
			}
			if summary["requests"] != float64(5) {
				t.Errorf("summary: got %v requests, want 5: %v", summary["requests"], summary)
			}
			routes, _ := summary["routes"].([]any)
			first, _ := routes[0].(map[string]any)
			if first["route"] != "/graphql" || first["requests"] != float64(3) {
				t.Errorf("summary's busiest route: got %v, want /graphql with 3", first)
			}
		})
	}
}
