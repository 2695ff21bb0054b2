package graph_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/graph"
)

// post sends one GraphQL request to h as an organisation and decodes the
// answer.
func post(t testing.TB, h http.Handler, body map[string]any) (int, gqlResponse) {
	t.Helper()
	b, _ := json.Marshal(body)
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req = req.WithContext(kabinet.NewContext(req.Context(), &kabinet.Actor{Role: kabinet.RoleOrganization, OrgID: "org_1", RequestID: "req-1"}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out gqlResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("got %d %s: %v", rec.Code, rec.Body, err)
	}
	return rec.Code, out
}

type gqlResponse struct {
	Data   json.RawMessage
	Errors []struct {
		Message    string
		Extensions map[string]any
	}
}

func (r gqlResponse) reason() string {
	if len(r.Errors) == 0 {
		return ""
	}
	s, _ := r.Errors[0].Extensions["reason"].(string)
	return s
}

// fanOut is a document of n fragments, each spreading the next one twice:
// about 50 bytes a level, 2^n selections once expanded.
func fanOut(n int, leaf string) string {
	var b strings.Builder
	b.WriteString("{ ...F0 }")
	for i := range n {
		fmt.Fprintf(&b, " fragment F%d on Query { ...F%d ...F%d }", i, i+1, i+1)
	}
	fmt.Fprintf(&b, " fragment F%d on Query { %s }", n, leaf)
	return b.String()
}

// TestHostileDocumentsRefusedFast: a small document whose fragments spread
// one another twice over is refused in milliseconds, and so are documents
// of thousands of arguments or variables (the validator compares those
// pairwise). Expanded, the 40-level
// one is 2^40 selections: a walk that expands fragments would not finish
// (the old depth and complexity walks took seconds at 24 levels).
func TestHostileDocumentsRefusedFast(t *testing.T) {
	h := graph.NewHandler(&graph.Resolver{Store: store{}}, graph.Options{})
	for _, tc := range []struct {
		name, query, reason string
	}{
		{"Wide", fanOut(40, "organization { id }"), "TOO_MANY_SELECTIONS"},
		{"Deep", "{ employees { ...D0 } }" + func() string {
			var b strings.Builder
			for i := range 20 {
				fmt.Fprintf(&b, " fragment D%d on Employee { manager { ...D%d ...D%d } }", i, i+1, i+1)
			}
			return b.String() + " fragment D20 on Employee { id }"
		}(), "TOO_MANY_SELECTIONS"},
		{"DeepChain", "{ employees { ...D0 } }" + func() string {
			var b strings.Builder
			for i := range 20 {
				fmt.Fprintf(&b, " fragment D%d on Employee { manager { ...D%d } }", i, i+1)
			}
			return b.String() + " fragment D20 on Employee { id }"
		}(), "DEPTH_LIMIT_EXCEEDED"},
		{"Arguments", "{ organization(" + strings.Repeat("a: 1 ", 5000) + ") { id } }", "LIST_TOO_LONG"},
		{"Variables", "query(" + strings.Repeat("$a: Int ", 5000) + ") { __typename }", "LIST_TOO_LONG"},
		{"Introspection", "{ __schema { ...T0 } }" + strings.ReplaceAll(strings.TrimPrefix(fanOut(40, "name"), "{ ...F0 }"), "F", "T"), "TOO_MANY_SELECTIONS"},
		{"Definitions", fanOut(150, "__typename"), "TOO_MANY_DEFINITIONS"},
		// One field repeated: the validator's overlapping-fields rule compares
		// same-named fields pairwise, so it must never see thousands of them.
		{"RepeatedField", "{ " + strings.Repeat("__typename ", 5900) + "}", "COMPLEXITY_LIMIT_EXCEEDED"},
		{"RepeatedFieldInFragments", "{ ...R0 }" + func() string {
			var b strings.Builder
			for i := range 9 {
				fmt.Fprintf(&b, " fragment R%d on Query { %s}", i, strings.Repeat("__typename ", 600))
			}
			return strings.Replace(b.String(), "fragment R0 on Query { ", "fragment R0 on Query { ...R1 ...R2 ...R3 ...R4 ...R5 ...R6 ...R7 ...R8 ", 1)
		}(), "TOO_MANY_SELECTIONS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			status, out := post(t, h, map[string]any{"query": tc.query})
			if d := time.Since(start); d > 500*time.Millisecond {
				t.Errorf("refused after %v, want milliseconds", d)
			}
			if status != http.StatusOK || len(out.Errors) == 0 || out.Errors[0].Extensions["code"] != kabinet.EBADINPUT {
				t.Fatalf("got %d %+v, want BAD_USER_INPUT", status, out)
			}
			if tc.reason != "" && out.reason() != tc.reason {
				t.Errorf("got reason %q (%s), want %s", out.reason(), out.Errors[0].Message, tc.reason)
			}
		})
	}
}
