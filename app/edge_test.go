package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/app"
	"github.com/kabinet/kabinet/internal/testkit"
	"github.com/kabinet/kabinet/payroll"
)

// rawAnswer is one HTTP answer of /graphql, kept whole.
type rawAnswer struct {
	status      int
	contentType string
	header      http.Header
	body        map[string]json.RawMessage
	text        string
}

func (a rawAnswer) code() string {
	var errs []struct{ Extensions map[string]any }
	json.Unmarshal(a.body["errors"], &errs)
	if len(errs) == 0 {
		return ""
	}
	c, _ := errs[0].Extensions["code"].(string)
	return c
}

func send(t *testing.T, req *http.Request) rawAnswer {
	t.Helper()
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := rawAnswer{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), header: resp.Header, text: string(b)}
	json.Unmarshal(b, &a.body)
	return a
}

// TestGraphQLOverHTTP checks the server section of the GraphQL-over-HTTP
// specification, rule by rule, over HTTP.
func TestGraphQLOverHTTP(t *testing.T) {
	env := testkit.Start(t)
	_, key := env.NewOrg(t, "Org")
	const gqlResp = "application/graphql-response+json"
	type tc struct {
		name, method, contentType, accept, body, query string
		status                                         int
		media                                          string // "" for application/json
		data                                           bool   // a "data" entry
		code                                           string // extensions.code of the first error
	}
	ok := `{"query":"{ organization { name } }"}`
	for _, c := range []tc{
		// Media types: application/json by default and on request, the
		// GraphQL response type on request, 406 for neither.
		{name: "NoAccept", body: ok, status: 200, data: true},
		{name: "AcceptJSON", accept: "application/json", body: ok, status: 200, data: true},
		{name: "AcceptAny", accept: "*/*", body: ok, status: 200, data: true},
		{name: "AcceptGraphQLResponse", accept: gqlResp, body: ok, status: 200, media: gqlResp, data: true},
		{name: "AcceptFirstKnown", accept: "text/html, " + gqlResp + ", application/json", body: ok, status: 200, media: gqlResp, data: true},
		{name: "AcceptQZero", accept: gqlResp + ";q=0, application/json", body: ok, status: 200, data: true},
		{name: "NotAcceptable", accept: "text/html", body: ok, status: 406, code: "BAD_USER_INPUT"},
		{name: "Charset", contentType: "application/json; charset=utf-8", body: ok, status: 200, data: true},
		// Requests that are not well-formed: 400 whatever the media type.
		{name: "NotJSON", body: `not json`, status: 400, code: "BAD_USER_INPUT"},
		{name: "NotJSONGraphQLResponse", accept: gqlResp, body: `{"query":`, status: 400, code: "BAD_USER_INPUT"},
		{name: "Array", body: `[` + ok + `]`, status: 400, code: "BAD_USER_INPUT"},
		{name: "QueryNotString", body: `{"query":1}`, status: 400, code: "BAD_USER_INPUT"},
		{name: "NoQuery", body: `{}`, status: 400, code: "BAD_USER_INPUT"},
		{name: "VariablesNotObject", body: `{"query":"{ organization { name } }","variables":[1]}`, status: 400, code: "BAD_USER_INPUT"},
		{name: "ExtensionsNotObject", body: `{"query":"{ organization { name } }","extensions":"x"}`, status: 400, code: "BAD_USER_INPUT"},
		{name: "TrailingData", body: ok + ` {}`, status: 400, code: "BAD_USER_INPUT"},
		// Request errors: no "data"; 200 in application/json, 400 in the
		// GraphQL response type.
		{name: "ParseError", body: `{"query":"{ organization { name "}`, status: 200, code: "BAD_USER_INPUT"},
		{name: "ParseErrorGraphQLResponse", accept: gqlResp, body: `{"query":"{ organization { name "}`, status: 400, media: gqlResp, code: "BAD_USER_INPUT"},
		{name: "ValidationError", body: `{"query":"{ nosuchfield }"}`, status: 200, code: "BAD_USER_INPUT"},
		{name: "ValidationErrorGraphQLResponse", accept: gqlResp, body: `{"query":"{ nosuchfield }"}`, status: 400, media: gqlResp, code: "BAD_USER_INPUT"},
		{name: "CoercionError", body: `{"query":"query($n: Int!) { auditLog(limit: $n) { id } }","variables":{"n":"x"}}`, status: 200, code: "BAD_USER_INPUT"},
		{name: "CoercionErrorGraphQLResponse", accept: gqlResp, body: `{"query":"query($n: Int!) { auditLog(limit: $n) { id } }","variables":{"n":"x"}}`, status: 400, media: gqlResp, code: "BAD_USER_INPUT"},
		{name: "UnknownOperation", body: `{"query":"query A { organization { name } }","operationName":"B"}`, status: 200, code: "BAD_USER_INPUT"},
		// Field errors during execution: 200 with data in both.
		{name: "FieldError", body: `{"query":"mutation { retractPayslip(externalId: \"nope\") }"}`, status: 200, data: true, code: "NOT_FOUND"},
		{name: "FieldErrorGraphQLResponse", accept: gqlResp, body: `{"query":"mutation { retractPayslip(externalId: \"nope\") }"}`, status: 200, media: gqlResp, data: true, code: "NOT_FOUND"},
		// Methods and content types.
		{name: "Get", method: "GET", query: "query=" + url.QueryEscape("{ organization { name } }"), status: 200, data: true},
		{name: "GetGraphQLResponse", method: "GET", accept: gqlResp, query: "query=" + url.QueryEscape("{ organization { name } }"), status: 200, media: gqlResp, data: true},
		{name: "GetVariables", method: "GET", query: "query=" + url.QueryEscape("query($n: Int) { auditLog(limit: $n) { id } }") + "&variables=" + url.QueryEscape(`{"n":1}`), status: 200, data: true},
		{name: "GetMutation", method: "GET", query: "query=" + url.QueryEscape(`mutation { retractPayslip(externalId: "x") }`), status: 405, code: "BAD_USER_INPUT"},
		{name: "GetBadVariables", method: "GET", query: "query=" + url.QueryEscape("{ organization { name } }") + "&variables=nope", status: 400, code: "BAD_USER_INPUT"},
		{name: "GetNoQuery", method: "GET", status: 400, code: "BAD_USER_INPUT"},
		{name: "Put", method: "PUT", body: ok, status: 405, code: "BAD_USER_INPUT"},
		{name: "TextPlain", contentType: "text/plain", body: ok, status: 415, code: "BAD_USER_INPUT"},
		{name: "Multipart", contentType: "multipart/form-data; boundary=x", body: "--x\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n" + ok + "\r\n--x--\r\n", status: 422, code: "BAD_USER_INPUT"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.method == "" {
				c.method = http.MethodPost
			}
			req, _ := http.NewRequest(c.method, env.URL+"/graphql?"+c.query, strings.NewReader(c.body))
			if c.method == http.MethodGet {
				req.Body = nil
			} else if c.contentType == "" {
				req.Header.Set("Content-Type", "application/json")
			} else {
				req.Header.Set("Content-Type", c.contentType)
			}
			if c.accept != "" {
				req.Header.Set("Accept", c.accept)
			}
			req.Header.Set("Authorization", "Bearer "+key)
			a := send(t, req)
			if c.media == "" {
				c.media = "application/json"
			}
			_, hasData := a.body["data"]
			if a.status != c.status || !strings.HasPrefix(a.contentType, c.media) || hasData != c.data || a.code() != c.code {
				t.Errorf("got %d %s data=%v code=%q: %s\nwant %d %s data=%v code=%q", a.status, a.contentType, hasData, a.code(), a.text,
					c.status, c.media, c.data, c.code)
			}
			if a.body["errors"] == nil && c.code != "" {
				t.Errorf("got no errors entry: %s", a.text)
			}
		})
	}
}

// TestSecurityHeaders: every answer, GraphQL or not, refusal or not, is
// not to be cached, sniffed or referred from; HSTS goes to requests that
// came over TLS through a trusted proxy, and only to those.
func TestSecurityHeaders(t *testing.T) {
	env := testkit.Start(t, func(c *app.Config, _ *app.Options) {
		c.BodyLimit = 4096
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	})
	_, key := env.NewOrg(t, "Org")
	chunked := func() *http.Request {
		req, _ := http.NewRequest(http.MethodPost, env.URL+"/graphql", io.MultiReader(strings.NewReader(`{"query":"`), strings.NewReader(strings.Repeat(" ", 10000)), strings.NewReader(`"}`)))
		req.Header.Set("Content-Type", "application/json")
		return req // no length: sent chunked
	}
	for name, req := range map[string]*http.Request{
		"Query":    jsonRequest(env.URL, key, `{"query":"{ organization { name } }"}`),
		"Refused":  jsonRequest(env.URL, "", `not json`),
		"Chunked":  chunked(),
		"Healthz":  mustRequest(http.MethodGet, env.URL+"/healthz"),
		"NotFound": mustRequest(http.MethodGet, env.URL+"/nope"),
	} {
		a := send(t, req)
		for h, want := range map[string]string{"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"} {
			if got := a.header.Get(h); got != want {
				t.Errorf("%s: got %s %q, want %q", name, h, got, want)
			}
		}
		if a.header.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: got HSTS over plain HTTP", name)
		}
		if name == "Chunked" && (a.status != http.StatusRequestEntityTooLarge || a.code() != "BAD_USER_INPUT") {
			t.Errorf("a chunked body over the limit: got %d %s, want 413 in the GraphQL error shape", a.status, a.text)
		}
		if name == "NotFound" && (a.status != http.StatusNotFound || a.code() != "BAD_USER_INPUT") {
			t.Errorf("an unknown path: got %d %s, want 404 in the GraphQL error shape", a.status, a.text)
		}
	}
	req := mustRequest(http.MethodGet, env.URL+"/healthz")
	req.Header.Set("X-Forwarded-Proto", "https")
	if got := send(t, req).header.Get("Strict-Transport-Security"); got != "max-age=31536000" {
		t.Errorf("through a trusted TLS proxy: got HSTS %q, want max-age=31536000", got)
	}
	// A client that is not a trusted proxy cannot claim TLS.
	plain := testkit.Start(t)
	req = mustRequest(http.MethodGet, plain.URL+"/healthz")
	req.Header.Set("X-Forwarded-Proto", "https")
	if got := send(t, req).header.Get("Strict-Transport-Security"); got != "" {
		t.Errorf("X-Forwarded-Proto from an untrusted peer: got HSTS %q, want none", got)
	}
}

func mustRequest(method, u string) *http.Request {
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		panic(err)
	}
	return req
}

func jsonRequest(base, key, body string) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader([]byte(body)))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	return req
}

// TestCORS: no CORS headers by default; an allowed origin gets them.
func TestCORS(t *testing.T) {
	preflight := func(base, origin string) rawAnswer {
		req := mustRequest(http.MethodOptions, base+"/graphql")
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
		return send(t, req)
	}
	closed := testkit.Start(t)
	if got := preflight(closed.URL, "https://evil.example").header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("default: got Access-Control-Allow-Origin %q, want none", got)
	}
	open := testkit.Start(t, func(c *app.Config, _ *app.Options) { c.CORSOrigins = []string{"https://hr.example.com"} })
	if got := preflight(open.URL, "https://hr.example.com").header.Get("Access-Control-Allow-Origin"); got != "https://hr.example.com" {
		t.Errorf("allowed origin: got Access-Control-Allow-Origin %q, want it", got)
	}
	if got := preflight(open.URL, "https://evil.example").header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("another origin: got Access-Control-Allow-Origin %q, want none", got)
	}
}

// TestIntrospection: off by default (production), with no suggestions in
// validation errors; on in development.
func TestIntrospection(t *testing.T) {
	for _, dev := range []bool{false, true} {
		env := testkit.Start(t, func(c *app.Config, _ *app.Options) { c.Development = dev })
		_, key := env.NewOrg(t, "Org")
		r := env.Do(t, key, `{ __schema { queryType { name } } }`, nil)
		if dev {
			r.Must(t, nil)
		} else {
			r.WantCode(t, "FORBIDDEN")
		}
		r = env.Do(t, key, `{ organizatio { name } }`, nil)
		if e := r.WantCode(t, "BAD_USER_INPUT"); strings.Contains(e.Message, "Did you mean") != dev {
			t.Errorf("development=%v: got %q", dev, e.Message)
		}
		env.Do(t, key, `{ organization { __typename name } }`, nil).Must(t, nil)
	}
}

// TestQueryLimits: a query over KABINET_MAX_QUERY_BYTES is refused; the
// text of an invalid persisted query is not kept; a long invalid value is
// quoted short.
func TestQueryLimits(t *testing.T) {
	env := testkit.Start(t, func(c *app.Config, _ *app.Options) { c.MaxQueryBytes = 1024 })
	_, key := env.NewOrg(t, "Org")
	big := `{ organization { name } }` + strings.Repeat(" ", 1100)
	if e := env.Do(t, key, big, nil).WantCode(t, "BAD_USER_INPUT"); !strings.Contains(e.Message, "limit is 1024") {
		t.Errorf("got %q, want the query limit", e.Message)
	}
	bad := `{ nosuchfield }`
	sum := sha256.Sum256([]byte(bad))
	ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}
	env.Post(t, key, map[string]any{"query": bad, "extensions": ext}).WantCode(t, "BAD_USER_INPUT")
	env.Post(t, key, map[string]any{"extensions": ext}).WantCode(t, "PERSISTED_QUERY_NOT_FOUND")
	ext["persistedQuery"].(map[string]any)["sha256Hash"] = strings.Repeat("0", 64)
	env.Post(t, key, map[string]any{"query": `{ organization { name } }`, "extensions": ext}).WantCode(t, "BAD_USER_INPUT")

	// A mutation kept under its hash cannot be run over GET.
	mut := `mutation { retractPayslip(externalId: "x") }`
	msum := sha256.Sum256([]byte(mut))
	mext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(msum[:])}}
	env.Post(t, key, map[string]any{"query": mut, "extensions": mext}).WantCode(t, "NOT_FOUND")
	extJSON, _ := json.Marshal(mext)
	if a := send(t, mustRequest(http.MethodGet, env.URL+"/graphql?extensions="+url.QueryEscape(string(extJSON)))); a.status != http.StatusMethodNotAllowed {
		t.Errorf("a persisted mutation over GET: got %d %s, want 405", a.status, a.text)
	}

	long := strings.Repeat("Z", 5000)
	for _, r := range []*testkit.Response{
		env.Do(t, key, `query($s: CabinetStatus) { cabinets(status: $s) { status } }`, map[string]any{"s": long}),
		env.Do(t, key, `{ cabinets(status: `+long[:900]+`) { status } }`, nil),
		env.Do(t, key, `query($d: Decimal!) { __typename }`, map[string]any{"d": long}),
	} {
		e := r.WantCode(t, "BAD_USER_INPUT")
		if len(e.Message) > 300 || strings.Contains(e.Message, strings.Repeat("Z", 100)) {
			t.Errorf("got a %d-byte message echoing the value: %.120s", len(e.Message), e.Message)
		}
	}
}

// TestClientGoneCancels: when the client closes its connection while its
// request runs, the request's context is cancelled: no work goes on for
// nobody.
func TestClientGoneCancels(t *testing.T) {
	env := testkit.Start(t)
	_, key := env.NewOrg(t, "Org")
	env.SeedEmployees(t, key, 1)
	inFlight, cancelled := make(chan struct{}), make(chan bool, 1)
	env.App.Payroll.Listeners = append(env.App.Payroll.Listeners, payroll.ListenerFunc(func(ctx context.Context, _ payroll.Event) {
		close(inFlight)
		select {
		case <-ctx.Done():
			cancelled <- true
		case <-time.After(10 * time.Second):
			cancelled <- false
		}
	}))
	body, _ := json.Marshal(map[string]any{"query": publishPayslips, "variables": map[string]any{"in": []any{testkit.Payslip("PS-1", "E-1", "2026-10")}}})
	conn, err := net.Dial("tcp", strings.TrimPrefix(env.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n%s", key, len(body), body)
	<-inFlight
	start := time.Now()
	conn.Close()
	if !<-cancelled {
		t.Fatal("the request's context was not cancelled when its client went away")
	}
	t.Logf("cancelled %v after the client closed", time.Since(start))
	// The server still serves the next client.
	env.Do(t, key, `{ organization { name } }`, nil).Must(t, nil)
}
