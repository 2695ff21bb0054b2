package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/graph"
)

// store answers departments by panicking or failing; the rest is unused.
type store struct {
	graph.Store
	panic bool
}

func (s store) Departments(context.Context, string) ([]*kabinet.Department, error) {
	if s.panic {
		panic("boom: SELECT * FROM secret_table")
	}
	return nil, errors.New("sqlite: database is locked (SELECT …)")
}

func do(t *testing.T, h http.Handler) (code, message string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": `{ departments { id } }`})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req = req.WithContext(kabinet.NewContext(req.Context(), &kabinet.Actor{Role: kabinet.RoleOrganization, OrgID: "org_1", RequestID: "req-42"}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out struct {
		Errors []struct {
			Message    string
			Extensions map[string]any
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || len(out.Errors) != 1 {
		t.Fatalf("got %s, want one error", rec.Body)
	}
	return out.Errors[0].Extensions["code"].(string), out.Errors[0].Message
}

// TestInternalErrorsAreHidden: a panic or an unexpected error in a resolver
// reaches the client as INTERNAL with the request id, never with internals;
// the details go to the log.
func TestInternalErrorsAreHidden(t *testing.T) {
	for _, panics := range []bool{true, false} {
		var logs bytes.Buffer
		h := graph.NewHandler(&graph.Resolver{Store: store{panic: panics}}, graph.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		code, msg := do(t, h)
		if code != kabinet.EINTERNAL || !strings.Contains(msg, "req-42") || strings.Contains(msg, "SELECT") {
			t.Errorf("panic=%v: got %s %q, want INTERNAL naming the request and hiding the cause", panics, code, msg)
		}
		if !strings.Contains(logs.String(), "SELECT") || !strings.Contains(logs.String(), "req-42") {
			t.Errorf("panic=%v: the log lacks the cause and request id: %s", panics, logs.String())
		}
	}
}
