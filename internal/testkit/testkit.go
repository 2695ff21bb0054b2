// Package testkit boots the whole Kabinet — the Fiber app, the real gqlgen
// handler, a real SQLite file in t.TempDir() or a PostgreSQL schema of its
// own — on 127.0.0.1:0, with a clock the test moves, and talks GraphQL to it
// over HTTP.
//
// The store is SQLite unless KABINET_TEST_STORE=postgres (or the Store
// option) says otherwise: CI runs the end-to-end tests once per store.
package testkit

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/app"
	"github.com/kabinet/kabinet/internal/pgtest"
	"github.com/kabinet/kabinet/postgres"
)

// BootstrapToken is the operator token every test server accepts.
const BootstrapToken = "test-bootstrap-token-0123456789"

// Clock is a kabinet.Clock that only moves when told to.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t.UTC()} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Add moves the clock forward by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t.UTC()
	c.mu.Unlock()
}

// Env is a running server under test.
type Env struct {
	App   *app.App
	Clock *Clock
	URL   string // http://127.0.0.1:port
	// MetricsURL serves /metrics and /debug/pprof (Config.MetricsAddr), ""
	// when an option unset it.
	MetricsURL string
	// DBPath is the SQLite file, or the postgres:// URL of the test's schema.
	DBPath string
	// Store is StoreSQLite or StorePostgres.
	Store  string
	Client *http.Client

	pw *passwordCache // shared by copies of the Env
}

// passwordCache holds EmployeePassword's hash (passwordHash).
type passwordCache struct {
	once sync.Once
	hash string
	err  error
}

// Option adjusts the configuration before the server starts.
type Option func(*app.Config, *app.Options)

// The stores a test server runs on.
const (
	StoreSQLite   = "sqlite"
	StorePostgres = "postgres"
)

// DefaultStore is the store of KABINET_TEST_STORE (sqlite when unset).
func DefaultStore() string {
	if os.Getenv("KABINET_TEST_STORE") == StorePostgres {
		return StorePostgres
	}
	return StoreSQLite
}

// StoreDSN returns a fresh database of the given store for tb: a SQLite
// file in tb.TempDir(), or a PostgreSQL schema dropped at cleanup (skipped
// or failed as pgtest.DSN says when no server is reachable).
func StoreDSN(tb testing.TB, store string) string {
	tb.Helper()
	if store == StorePostgres {
		return pgtest.DSN(tb)
	}
	return filepath.Join(tb.TempDir(), "kabinet.db")
}

// Store runs the server on the given store instead of DefaultStore.
func Store(store string) Option {
	return func(c *app.Config, _ *app.Options) { c.DB = "store:" + store }
}

// SQLiteOnly skips a test that reads the SQLite file itself when the
// suite runs on PostgreSQL.
func SQLiteOnly(tb testing.TB) {
	tb.Helper()
	if DefaultStore() != StoreSQLite {
		tb.Skip("reads the SQLite file directly; covered by the SQLite run")
	}
}

// Start boots a server for the test and closes it at cleanup. The clock
// starts at 2026-11-02 09:00 UTC unless an option sets another.
func Start(tb testing.TB, opts ...Option) *Env {
	tb.Helper()
	cfg := app.DefaultConfig()
	cfg.Addr = "127.0.0.1:0"
	cfg.DB = "store:" + DefaultStore()
	cfg.BootstrapToken = BootstrapToken
	cfg.ShutdownGrace = 5 * time.Second
	cfg.MetricsAddr = "127.0.0.1:0"
	clock := NewClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	o := app.Options{Clock: clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if testing.Verbose() {
		o.Logger = slog.New(slog.NewTextHandler(testWriter{tb}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	for _, opt := range opts {
		opt(&cfg, &o)
	}
	store, isStore := strings.CutPrefix(cfg.DB, "store:")
	if isStore {
		cfg.DB = StoreDSN(tb, store)
	} else if store = StoreSQLite; postgres.IsDSN(cfg.DB) {
		store = StorePostgres
	}
	a, err := app.New(context.Background(), cfg, o)
	if err != nil {
		tb.Fatalf("app.New: %v", err)
	}
	if err := a.Start(); err != nil {
		a.Close()
		tb.Fatalf("start: %v", err)
	}
	env := &Env{pw: &passwordCache{}, App: a, Clock: clock, URL: "http://" + a.Addr(), DBPath: cfg.DB, Store: store, Client: &http.Client{Timeout: 30 * time.Second}}
	if addr := a.MetricsAddr(); addr != "" {
		env.MetricsURL = "http://" + addr
	}
	if c, ok := o.Clock.(*Clock); ok {
		env.Clock = c
	}
	tb.Cleanup(func() {
		if err := a.Close(); err != nil {
			tb.Errorf("close: %v", err)
		}
	})
	return env
}

type testWriter struct{ tb testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.tb.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// Response is a decoded GraphQL response.
type Response struct {
	Status int
	Data   json.RawMessage `json:"data"`
	Errors []Error         `json:"errors"`
	Header http.Header     `json:"-"`
}

// Error is one GraphQL error.
type Error struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Code is the extensions.code of the error.
func (e Error) Code() string { s, _ := e.Extensions["code"].(string); return s }

// Do sends a GraphQL operation with the bearer token ("" for none).
func (e *Env) Do(tb testing.TB, token, query string, vars map[string]any) *Response {
	tb.Helper()
	return e.Post(tb, token, map[string]any{"query": query, "variables": vars})
}

// Post sends any JSON body to /graphql.
func (e *Env) Post(tb testing.TB, token string, body any) *Response {
	tb.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		tb.Fatalf("marshal: %v", err)
	}
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/graphql", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return e.Send(tb, req)
}

// Send sends a prepared request and decodes the GraphQL response.
func (e *Env) Send(tb testing.TB, req *http.Request) *Response {
	tb.Helper()
	resp, err := e.Client.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := &Response{Status: resp.StatusCode, Header: resp.Header}
	if err := json.Unmarshal(raw, r); err != nil {
		tb.Fatalf("decode response (HTTP %d): %v: %s", resp.StatusCode, err, raw)
	}
	return r
}

// Must fails the test if the response has errors, and decodes data into v
// (if v is not nil).
func (r *Response) Must(tb testing.TB, v any) *Response {
	tb.Helper()
	if len(r.Errors) > 0 {
		tb.Fatalf("unexpected GraphQL errors: %+v", r.Errors)
	}
	if v != nil {
		if err := json.Unmarshal(r.Data, v); err != nil {
			tb.Fatalf("decode data: %v: %s", err, r.Data)
		}
	}
	return r
}

// Code is the extensions.code of the first error, "" when there is none.
func (r *Response) Code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	return r.Errors[0].Code()
}

// WantCode fails the test unless the first error has the code.
func (r *Response) WantCode(tb testing.TB, code string) Error {
	tb.Helper()
	if got := r.Code(); got != code {
		tb.Fatalf("got error code %q, want %q (errors: %+v, data: %s)", got, code, r.Errors, r.Data)
	}
	return r.Errors[0]
}

// NewOrg creates an organisation as the operator and returns its id and key.
func (e *Env) NewOrg(tb testing.TB, name string) (id, key string) {
	tb.Helper()
	var out struct {
		CreateOrganization struct {
			Organization struct{ ID string }
			APIKey       string
		}
	}
	e.Do(tb, BootstrapToken, `mutation($n: String!) { createOrganization(input: {name: $n}) { organization { id } apiKey } }`,
		map[string]any{"n": name}).Must(tb, &out)
	return out.CreateOrganization.Organization.ID, out.CreateOrganization.APIKey
}

// WithoutBootstrapToken starts the server with no operator token, so that
// createOrganization is disabled.
func WithoutBootstrapToken() Option {
	return func(c *app.Config, _ *app.Options) { c.BootstrapToken = "" }
}
