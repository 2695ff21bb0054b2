package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/kabinet/kabinet"
)

// wireStore answers payslips with text that json.Marshal escapes, and
// departments with an error.
type wireStore struct{ Store }

func (wireStore) Payslips(context.Context, string, kabinet.PayslipFilter) ([]*kabinet.Payslip, error) {
	return []*kabinet.Payslip{{ID: "ps_1", Period: "2026-10", Lines: []kabinet.PayslipLine{
		{Section: "ACCRUAL", Title: "A&B <b>\u2028\u2029 \"q\" \\ \t é 😀", Amount: 12345}}}}, nil
}

func (wireStore) Departments(context.Context, string) ([]*kabinet.Department, error) {
	return nil, kabinet.Errorf(kabinet.ENOTFOUND, "no <departments> & such")
}

// TestJSONPOSTSameBytes: jsonPOST answers every request that ran byte for
// byte as gqlgen's transport.POST does - status, content type and body -
// for data, errors and partial results. (Requests that did not run are
// answered as the GraphQL-over-HTTP specification asks, which
// transport.POST does not: see TestGraphQLOverHTTP.)
func TestJSONPOSTSameBytes(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	fast := newHandler(&Resolver{Store: wireStore{}}, Options{Logger: log}, jsonPOST{})
	std := newHandler(&Resolver{Store: wireStore{}}, Options{Logger: log}, transport.POST{})
	type request struct{ body, accept string }
	for _, r := range []request{
		{body: `{"query":"{ payslips { id period lines { title amount section days } } }"}`},
		{body: `{"query":"{ payslips { id } departments { id } }"}`},
		{body: `{"query":"{ departments { id } }"}`},
		{body: `{"query":"{ payslips { id } }"}`, accept: "text/html, application/*;q=0.9"},
	} {
		do := func(h http.Handler) *httptest.ResponseRecorder {
			req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(r.body))
			req.Header.Set("Content-Type", "application/json")
			if r.accept != "" {
				req.Header.Set("Accept", r.accept)
			}
			req = req.WithContext(kabinet.NewContext(req.Context(), &kabinet.Actor{Role: kabinet.RoleOrganization, OrgID: "org_1", RequestID: "req-1"}))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			return rec
		}
		got, want := do(fast), do(std)
		if got.Code != want.Code || got.Header().Get("Content-Type") != want.Header().Get("Content-Type") || got.Body.String() != want.Body.String() {
			t.Errorf("%s (Accept %q):\ngot  %d %s %s\nwant %d %s %s", r.body, r.accept,
				got.Code, got.Header().Get("Content-Type"), got.Body, want.Code, want.Header().Get("Content-Type"), want.Body)
		}
	}
}

func TestNeedsHTMLEscape(t *testing.T) {
	for _, s := range []string{"", `{"a":"b"}`, "Оклад é 😀", "\u2027\u202a", "x\xe2", "x\xe2\x80", `"\u003c"`,
		"<", ">", "&", "a\u2028", "\u2029b", "\xe2\xe2\x80\xa8", "Оклад <", "\xe2\x80\xa9"} {
		var b bytes.Buffer
		json.HTMLEscape(&b, []byte(s))
		if got, want := needsHTMLEscape([]byte(s)), b.String() != s; got != want {
			t.Errorf("%q: got %v, want %v", s, got, want)
		}
	}
}
