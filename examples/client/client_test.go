package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kabinet/kabinet/examples/client"
)

// TestDo covers what a proxy or an overloaded server may answer, apart from
// the live-server tests in examples/kabinetctl.
func TestDo(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		switch {
		case r.Header.Get("Authorization") != "Bearer kbn_test":
			w.Write([]byte(`{"errors":[{"message":"invalid token","extensions":{"code":"UNAUTHENTICATED"}}]}`))
		case strings.Contains(r.URL.RawQuery, "proxy"):
			w.WriteHeader(http.StatusBadGateway)
			w.Write([]byte(`<html>502 Bad Gateway</html>`))
		case n == 1:
			w.Write([]byte(`{"errors":[{"message":"slow down","extensions":{"code":"RATE_LIMITED","retryAfterSeconds":7}}]}`))
		default:
			w.Write([]byte(`{"data":{"ok":true}}`))
		}
	}))
	defer srv.Close()

	c := client.New(srv.URL, "kbn_test")
	var waited []time.Duration
	c.Sleep = func(_ context.Context, d time.Duration) error { waited = append(waited, d); return nil }
	var out struct{ OK bool }
	if err := c.Do(context.Background(), `{ ok }`, nil, &out); err != nil || !out.OK {
		t.Fatalf("got %v %+v, want ok after one retry", err, out)
	}
	if len(waited) != 1 || waited[0] != 7*time.Second {
		t.Errorf("got waits %v, want one of 7s", waited)
	}

	c.URL = srv.URL + "/?proxy"
	if err := c.Do(context.Background(), `{ ok }`, nil, nil); err == nil || !strings.Contains(err.Error(), "HTTP 502: not a GraphQL response") {
		t.Errorf("proxy page: got %v", err)
	}

	bad := client.New(srv.URL, "kbn_wrong")
	err := bad.Do(context.Background(), `{ ok }`, nil, nil)
	var e *client.Error
	if !errors.As(err, &e) || e.Code != "UNAUTHENTICATED" || client.Code(err) != "UNAUTHENTICATED" {
		t.Errorf("got %v, want UNAUTHENTICATED", err)
	}

	calls.Store(0)
	c.URL = srv.URL
	c.Sleep = nil
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Do(ctx, `{ ok }`, nil, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: got %v", err)
	}
}
