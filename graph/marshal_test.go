package graph_test

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
	"github.com/kabinet/kabinet/graph"
)

// payslipStore answers the payslips query with fixed payslips.
type payslipStore struct {
	graph.Store
	slips []*kabinet.Payslip
}

func (s payslipStore) Payslips(context.Context, string, kabinet.PayslipFilter) ([]*kabinet.Payslip, error) {
	return s.slips, nil
}

// query runs one query as an organisation and returns the raw response.
func query(t *testing.T, s graph.Store, q string) string {
	t.Helper()
	h := graph.NewHandler(&graph.Resolver{Store: s}, graph.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	body, _ := json.Marshal(map[string]any{"query": q})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req = req.WithContext(kabinet.NewContext(req.Context(), &kabinet.Actor{Role: kabinet.RoleOrganization, OrgID: "org_1", RequestID: "req-1"}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Body.String()
}

// TestPlainObjects: payslips and their lines are plain objects, marshalled
// in place (graph/marshal.go); the response is what GraphQL prescribes -
// aliases, __typename, fragments, repeated and skipped fields, selection
// order, null for absent optional values.
func TestPlainObjects(t *testing.T) {
	days := kabinet.Decimal(2100)
	viewed := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	s := payslipStore{slips: []*kabinet.Payslip{
		{ID: "ps_1", ExternalID: "P-1", Period: "2026-10", Currency: "RUB", Accrued: 10000, Deducted: 1300,
			PublishedAt: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC), ViewedAt: &viewed,
			Lines: []kabinet.PayslipLine{
				{Section: kabinet.SectionAccrual, Code: "010", Title: `Оклад "за" октябрь`, Amount: 10000, Days: &days},
				{Section: "DEDUCTION", Title: "НДФЛ", Amount: 1300},
			}},
		{ID: "ps_2", ExternalID: "P-2", Period: "2026-09", Currency: "RUB"},
	}}
	got := query(t, s, `{ payslips { __typename id p: period ...F lines { t: title section amount days code __typename hours @skip(if: true) } id viewedAt retractedAt } }
		fragment F on Payslip { netPay id currency }`)
	want := `{"data":{"payslips":[` +
		`{"__typename":"Payslip","id":"ps_1","p":"2026-10","netPay":"87.00","currency":"RUB","lines":[` +
		`{"t":"Оклад \"за\" октябрь","section":"ACCRUAL","amount":"100.00","days":"21.00","code":"010","__typename":"PayslipLine"},` +
		`{"t":"НДФЛ","section":"DEDUCTION","amount":"13.00","days":null,"code":"","__typename":"PayslipLine"}],` +
		`"viewedAt":"2026-11-02T10:00:00.000Z","retractedAt":null},` +
		`{"__typename":"Payslip","id":"ps_2","p":"2026-09","netPay":"0.00","currency":"RUB","lines":[],"viewedAt":null,"retractedAt":null}]}}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestPlainListNullElement: a null where a list of plain objects allows none
// is an error on the element's path, and the null propagates as the schema
// says.
func TestPlainListNullElement(t *testing.T) {
	s := payslipStore{slips: []*kabinet.Payslip{{ID: "ps_1"}, nil}}
	var out struct {
		Data   map[string]any
		Errors []struct {
			Path []any
		}
	}
	raw := query(t, s, `{ payslips { id } }`)
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		t.Fatal(err)
	}
	if out.Data != nil || len(out.Errors) != 1 || len(out.Errors[0].Path) != 2 || out.Errors[0].Path[0] != "payslips" || out.Errors[0].Path[1] != 1.0 {
		t.Errorf("got %s, want data null and one error on [payslips 1]", raw)
	}
}
