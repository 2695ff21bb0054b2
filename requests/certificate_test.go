package requests_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/app"
	"github.com/kabinet/kabinet/internal/testkit"
	"github.com/kabinet/kabinet/push"
	"github.com/kabinet/kabinet/push/fcm"
	"github.com/kabinet/kabinet/push/pushtest"
)

// certEnv is a running server with two organisations, their employees on
// Android phones with FCM tokens, and HR's keys. Pushes go through the real
// FCM client to the wire-level fake.
type certEnv struct {
	env            *testkit.Env
	fcm            *pushtest.FCM
	org, key       string
	otherOrg, oKey string
	e1, e2, o1     string // access tokens: E-1 and E-2 of the organisation, E-1 of the other
}

func newCertEnv(t *testing.T) *certEnv {
	t.Helper()
	clock := testkit.NewClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	ff := pushtest.NewFCM(t)
	fs, err := fcm.New(context.Background(), fcm.Config{CredentialsFile: ff.WriteServiceAccount(t), Endpoint: ff.Endpoint(), Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	env := testkit.Start(t, func(_ *app.Config, o *app.Options) {
		o.Clock, o.PushSender, o.NoDispatcher = clock, push.NewRouter(map[string]push.Sender{kabinet.ProviderFCM: fs}), true
	})
	c := &certEnv{env: env, fcm: ff}
	c.org, c.key = env.NewOrg(t, "ООО Ромашка")
	c.otherOrg, c.oKey = env.NewOrg(t, "ООО Лютик")
	env.SeedEmployees(t, c.key, 2)
	env.SeedEmployees(t, c.oKey, 1)
	c.e1, c.e2, c.o1 = c.phone(t, c.org, "E-1"), c.phone(t, c.org, "E-2"), c.phone(t, c.otherOrg, "E-1")
	kinds := []map[string]any{
		{"code": "EMPLOYMENT", "title": "Справка с места работы", "needsPurpose": true, "promisedDays": 3},
		{"code": "2-NDFL", "title": "Справка о доходах (2-НДФЛ)", "needsPeriod": true, "promisedDays": 5},
		{"code": "OLD", "title": "Retired kind", "promisedDays": 1, "active": false},
	}
	for _, key := range []string{c.key, c.oKey} {
		env.Do(t, key, `mutation($in: [CertificateKindInput!]!) { upsertCertificateKinds(input: $in) { code } }`, map[string]any{"in": kinds}).Must(t, nil)
	}
	return c
}

// phone signs the employee in on an Android phone with an FCM token.
func (c *certEnv) phone(t *testing.T, orgID, emp string) string {
	t.Helper()
	s := c.env.EmployeeSession(t, orgID, emp, "phone-"+emp)
	c.env.Do(t, s.AccessToken, `mutation($t: String!) { registerPushToken(input: {provider: FCM, token: $t}) }`,
		map[string]any{"t": certToken(orgID, emp)}).Must(t, nil)
	return s.AccessToken
}

func certToken(orgID, emp string) string {
	return "fcm:" + orgID + "." + emp + "-abcdefghijklmnopqrstuvwxyz0123456789"
}

// certificate is CertificateRequest as the tests read it.
type certificate struct {
	ID, KindCode, KindTitle, Status, DueOn string
	Purpose, PeriodFrom, CancelReason      *string
	OnPaper                                bool
	FileSize                               *int
	FileSha256, FileURL                    *string
	Employee                               struct{ ExternalID string }
}

const certFields = `id kindCode kindTitle status dueOn purpose periodFrom cancelReason onPaper fileSize fileSha256 fileUrl employee { externalId }`

func (c *certEnv) create(t *testing.T, token string, in map[string]any) *testkit.Response {
	t.Helper()
	return c.env.Do(t, token, `mutation($in: CreateCertificateRequestInput!) { createCertificateRequest(input: $in) { `+certFields+` } }`,
		map[string]any{"in": in})
}

func (c *certEnv) decide(t *testing.T, key, op, id string) *testkit.Response {
	t.Helper()
	return c.env.Do(t, key, `mutation($id: ID!) { `+op+`(id: $id) { `+certFields+` } }`, map[string]any{"id": id})
}

// complete sends completeCertificateRequest as a GraphQL multipart request
// with the file, as an HR client would.
func (c *certEnv) complete(t *testing.T, key, id string, file []byte) *testkit.Response {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	ops, _ := json.Marshal(map[string]any{
		"query":     `mutation($id: ID!, $file: Upload) { completeCertificateRequest(id: $id, file: $file) { ` + certFields + ` } }`,
		"variables": map[string]any{"id": id, "file": nil},
	})
	w.WriteField("operations", string(ops))
	w.WriteField("map", `{"0": ["variables.file"]}`)
	part, _ := w.CreateFormFile("0", "certificate.pdf")
	part.Write(file)
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, c.env.URL+"/graphql", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	return c.env.Send(t, req)
}

// certSync is the part of a sync the certificate tests read.
type certSync struct {
	CertificateRequests []certificate
	Cursor              string
	Integrity           *struct{ CertificateRequests struct{ Count int } }
}

func (c *certEnv) sync(t *testing.T, token, cursor string) certSync {
	t.Helper()
	var out struct{ Sync certSync }
	var cur any
	if cursor != "" {
		cur = cursor
	}
	c.env.Do(t, token, `query($c: String) { sync(cursor: $c) { certificateRequests { `+certFields+` } cursor
		integrity { certificateRequests { count } } } }`, map[string]any{"c": cur}).Must(t, &out)
	return out.Sync
}

// download GETs a file URL with the token ("" for none).
func (c *certEnv) download(t *testing.T, url, token string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.env.URL+url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.env.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func (c *certEnv) fileURL(t *testing.T, token, id string) string {
	t.Helper()
	var got struct{ CertificateRequest certificate }
	c.env.Do(t, token, `query($id: ID!) { certificateRequest(id: $id) { `+certFields+` } }`, map[string]any{"id": id}).Must(t, &got)
	if got.CertificateRequest.FileURL == nil {
		t.Fatalf("got no fileUrl for %+v, want one", got.CertificateRequest)
	}
	return *got.CertificateRequest.FileURL
}

func TestCertificateFlow(t *testing.T) {
	c := newCertEnv(t)
	var kinds struct{ AvailableCertificateKinds []struct{ Code string } }
	c.env.Do(t, c.e1, `{ availableCertificateKinds { code } }`, nil).Must(t, &kinds)
	if len(kinds.AvailableCertificateKinds) != 2 {
		t.Fatalf("got kinds %+v, want the two active ones", kinds.AvailableCertificateKinds)
	}

	// The employee asks from the phone; a replay is harmless.
	in := map[string]any{"clientMutationId": "c-1", "kindCode": "EMPLOYMENT", "purpose": "для визы"}
	var created struct{ CreateCertificateRequest certificate }
	c.create(t, c.e1, in).Must(t, &created)
	r := created.CreateCertificateRequest
	if r.Status != "REQUESTED" || r.DueOn != "2026-11-05" || r.KindTitle != "Справка с места работы" || r.FileURL != nil || r.Employee.ExternalID != "E-1" {
		t.Fatalf("got %+v, want REQUESTED, due in 3 days, no file", r)
	}
	var again struct{ CreateCertificateRequest certificate }
	c.create(t, c.e1, in).Must(t, &again)
	if again.CreateCertificateRequest.ID != r.ID {
		t.Fatalf("got a replay %s, want the same request %s", again.CreateCertificateRequest.ID, r.ID)
	}
	c.create(t, c.e1, map[string]any{"clientMutationId": "c-1", "kindCode": "EMPLOYMENT", "purpose": "другое"}).WantCode(t, kabinet.ECONFLICT)

	// The phone's sync carries it, and E-2's does not.
	first := c.sync(t, c.e1, "")
	if len(first.CertificateRequests) != 1 || first.CertificateRequests[0].ID != r.ID || first.Integrity == nil ||
		first.Integrity.CertificateRequests.Count != 1 {
		t.Fatalf("got sync %+v, want E-1's request and its count in the integrity digest", first)
	}
	if other := c.sync(t, c.e2, ""); len(other.CertificateRequests) != 0 {
		t.Fatalf("got %d certificate requests in E-2's sync, want none", len(other.CertificateRequests))
	}

	// HR's queue, then in progress.
	var queue struct{ CertificateRequests []certificate }
	c.env.Do(t, c.key, `{ certificateRequests(status: REQUESTED) { `+certFields+` } }`, nil).Must(t, &queue)
	if len(queue.CertificateRequests) != 1 || queue.CertificateRequests[0].ID != r.ID || queue.CertificateRequests[0].FileURL != nil {
		t.Fatalf("got queue %+v, want the one request, without a fileUrl for HR", queue.CertificateRequests)
	}
	c.decide(t, c.key, "startCertificateRequest", r.ID).Must(t, nil)
	c.decide(t, c.key, "startCertificateRequest", r.ID).WantCode(t, kabinet.ECONFLICT)

	// Not a PDF, too large: refused, nothing written.
	if e := c.complete(t, c.key, r.ID, []byte("<html>not a certificate</html>")).WantCode(t, kabinet.EBADINPUT); !strings.Contains(e.Message, "not a PDF") {
		t.Errorf("got %q, want it to say the file is not a PDF", e.Message)
	}
	big := append([]byte("%PDF-1.4\n"), make([]byte, kabinet.MaxCertificateFile)...)
	if e := c.complete(t, c.key, r.ID, big).WantCode(t, kabinet.EBADINPUT); !strings.Contains(e.Message, "too large") {
		t.Errorf("got %q, want it to say the file is too large", e.Message)
	}
	var cur struct{ CertificateRequest certificate }
	c.env.Do(t, c.e1, `query($id: ID!) { certificateRequest(id: $id) { `+certFields+` } }`, map[string]any{"id": r.ID}).Must(t, &cur)
	if cur.CertificateRequest.Status != "IN_PROGRESS" || cur.CertificateRequest.FileSize != nil {
		t.Fatalf("got %+v after refused uploads, want IN_PROGRESS without a file", cur.CertificateRequest)
	}

	// Another organisation cannot touch it.
	c.decide(t, c.oKey, "startCertificateRequest", r.ID).WantCode(t, kabinet.ENOTFOUND)
	c.complete(t, c.oKey, r.ID, pdf(t, "x")).WantCode(t, kabinet.ENOTFOUND)

	// Ready with the PDF; the employee is told by push.
	doc := pdf(t, "Certificate of employment: E-1")
	sum := sha256.Sum256(doc)
	var done struct{ CompleteCertificateRequest certificate }
	c.complete(t, c.key, r.ID, doc).Must(t, &done)
	if d := done.CompleteCertificateRequest; d.Status != "READY" || d.FileSize == nil || *d.FileSize != len(doc) ||
		d.FileSha256 == nil || *d.FileSha256 != hex.EncodeToString(sum[:]) || d.OnPaper {
		t.Fatalf("got %+v, want READY with the file's size and hash", d)
	}
	c.complete(t, c.key, r.ID, doc).WantCode(t, kabinet.ECONFLICT)
	if next := c.sync(t, c.e1, first.Cursor); len(next.CertificateRequests) != 1 || next.CertificateRequests[0].Status != "READY" ||
		next.CertificateRequests[0].FileSha256 == nil || *next.CertificateRequests[0].FileSha256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("got sync %+v after the cursor, want the request READY with the PDF's hash", next)
	}
	if _, err := c.env.App.Dispatcher.DispatchDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	msgs := c.fcm.Delivered(certToken(c.org, "E-1"))
	if len(msgs) != 1 || msgs[0].Data["kind"] != kabinet.NotifyCertificateReady || msgs[0].Data["deepLink"] != "kabinet://certificates/"+r.ID ||
		!strings.Contains(msgs[0].Body, "Справка с места работы") {
		t.Fatalf("got FCM messages %+v, want one certificate-ready notice to E-1", msgs)
	}
	if n := len(c.fcm.Delivered(certToken(c.org, "E-2"))); n != 0 {
		t.Errorf("got %d messages to E-2, want none", n)
	}

	// The download: the employee's link with their token.
	url := c.fileURL(t, c.e1, r.ID)
	if strings.Contains(url, "?") || strings.Contains(url, c.e1) {
		t.Fatalf("got fileUrl %q, want a path without a query or the access token", url)
	}
	resp, body := c.download(t, url, c.e1)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment; filename=") ||
		resp.Header.Get("Cache-Control") != "no-store" || !bytes.Equal(body, doc) {
		t.Fatalf("got %d %v (%d bytes), want 200 application/pdf attachment no-store with the PDF", resp.StatusCode, resp.Header, len(body))
	}
	if resp, _ := c.download(t, url, c.e1); resp.StatusCode != http.StatusOK {
		t.Errorf("got %d on a second download, want 200 (once or more while the link lives)", resp.StatusCode)
	}
	for _, tt := range []struct {
		name, url, token string
		status           int
		code             string
	}{
		{"ErrNoAuth", url, "", http.StatusUnauthorized, kabinet.EUNAUTHENTICATED},
		{"ErrOtherEmployee", url, c.e2, http.StatusForbidden, kabinet.EFORBIDDEN},
		{"ErrOtherOrganisation", url, c.o1, http.StatusForbidden, kabinet.EFORBIDDEN},
		{"ErrOrganisationKey", url, c.key, http.StatusForbidden, kabinet.EFORBIDDEN},
		{"ErrForged", url[:len(url)-4] + "AAAA", c.e1, http.StatusForbidden, kabinet.EFORBIDDEN},
		{"ErrNoToken", "/files/certificates/" + r.ID, c.e1, http.StatusNotFound, kabinet.ENOTFOUND},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := c.download(t, tt.url, tt.token)
			if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.code) || bytes.Contains(body, doc[:32]) {
				t.Errorf("got %d %s, want %d %s and no PDF", resp.StatusCode, body, tt.status, tt.code)
			}
		})
	}
	t.Run("ErrExpired", func(t *testing.T) {
		c.env.Clock.Add(10*time.Minute + time.Second)
		resp, body := c.download(t, url, c.phone(t, c.org, "E-1"))
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "expired") {
			t.Errorf("got %d %s, want 403: the link has expired", resp.StatusCode, body)
		}
		fresh := c.phone(t, c.org, "E-1")
		if resp, _ := c.download(t, c.fileURL(t, fresh, r.ID), fresh); resp.StatusCode != http.StatusOK {
			t.Errorf("got %d with a fresh link, want 200", resp.StatusCode)
		}
	})
}

func TestCertificateBadInput(t *testing.T) {
	c := newCertEnv(t)
	for _, tt := range []struct {
		name string
		in   map[string]any
	}{
		{"ErrUnknownKind", map[string]any{"kindCode": "NOPE"}},
		{"ErrRetiredKind", map[string]any{"kindCode": "OLD"}},
		{"ErrNoPurpose", map[string]any{"kindCode": "EMPLOYMENT"}},
		{"ErrNoPeriod", map[string]any{"kindCode": "2-NDFL"}},
		{"ErrPeriodReversed", map[string]any{"kindCode": "2-NDFL", "periodFrom": "2026-06-30", "periodTo": "2026-01-01"}},
		{"ErrPeriodFuture", map[string]any{"kindCode": "2-NDFL", "periodFrom": "2026-01-01", "periodTo": "2027-01-01"}},
		{"ErrPeriodMalformed", map[string]any{"kindCode": "2-NDFL", "periodFrom": "2026-13-01", "periodTo": "2026-01-01"}},
		{"ErrPeriodNotNeeded", map[string]any{"kindCode": "EMPLOYMENT", "purpose": "x", "periodFrom": "2026-01-01", "periodTo": "2026-02-01"}},
		{"ErrNoClientMutationID", map[string]any{"kindCode": "EMPLOYMENT", "purpose": "x", "clientMutationId": ""}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, ok := tt.in["clientMutationId"]; !ok {
				tt.in["clientMutationId"] = tt.name
			}
			c.create(t, c.e1, tt.in).WantCode(t, kabinet.EBADINPUT)
		})
	}
	var queue struct{ CertificateRequests []certificate }
	c.env.Do(t, c.key, `{ certificateRequests { id } }`, nil).Must(t, &queue)
	if len(queue.CertificateRequests) != 0 {
		t.Fatalf("got %d requests after refused ones, want none", len(queue.CertificateRequests))
	}

	var ok struct{ CreateCertificateRequest certificate }
	c.create(t, c.e1, map[string]any{"clientMutationId": "p-1", "kindCode": "2-NDFL", "periodFrom": "2026-01-01", "periodTo": "2026-10-31"}).Must(t, &ok)
	id := ok.CreateCertificateRequest.ID
	t.Run("ErrNeitherFileNorPaper", func(t *testing.T) {
		c.env.Do(t, c.key, `mutation($id: ID!) { completeCertificateRequest(id: $id) { id } }`, map[string]any{"id": id}).WantCode(t, kabinet.EBADINPUT)
	})
	t.Run("ErrMultipartWithoutKey", func(t *testing.T) {
		if r := c.complete(t, "", id, pdf(t, "x")); r.Status != http.StatusBadRequest || r.Code() != kabinet.EBADINPUT {
			t.Errorf("got %d %q, want 400 BAD_USER_INPUT", r.Status, r.Code())
		}
	})
	t.Run("ErrEmployeeCompletes", func(t *testing.T) {
		c.complete(t, c.e1, id, pdf(t, "x")).WantCode(t, kabinet.EFORBIDDEN)
	})
	t.Run("OnPaper", func(t *testing.T) {
		var got struct{ CompleteCertificateRequest certificate }
		c.env.Do(t, c.key, `mutation($id: ID!) { completeCertificateRequest(id: $id, onPaper: true) { `+certFields+` } }`,
			map[string]any{"id": id}).Must(t, &got)
		if d := got.CompleteCertificateRequest; d.Status != "READY" || !d.OnPaper || d.FileURL != nil || d.FileSize != nil {
			t.Fatalf("got %+v, want READY on paper without a file", d)
		}
		var mine struct{ CertificateRequest certificate }
		c.env.Do(t, c.e1, `query($id: ID!) { certificateRequest(id: $id) { `+certFields+` } }`, map[string]any{"id": id}).Must(t, &mine)
		if mine.CertificateRequest.FileURL != nil {
			t.Errorf("got fileUrl %v on paper, want none", *mine.CertificateRequest.FileURL)
		}
		c.env.Do(t, c.e2, `query($id: ID!) { certificateRequest(id: $id) { id } }`, map[string]any{"id": id}).WantCode(t, kabinet.ENOTFOUND)
	})
	t.Run("Cancel", func(t *testing.T) {
		var other struct{ CreateCertificateRequest certificate }
		c.create(t, c.e2, map[string]any{"clientMutationId": "x-1", "kindCode": "EMPLOYMENT", "purpose": "банк"}).Must(t, &other)
		oid := other.CreateCertificateRequest.ID
		q := `mutation($id: ID!, $r: String!) { cancelCertificateRequest(id: $id, reason: $r) { ` + certFields + ` } }`
		c.env.Do(t, c.key, q, map[string]any{"id": oid, "r": " "}).WantCode(t, kabinet.EBADINPUT)
		c.env.Do(t, c.oKey, q, map[string]any{"id": oid, "r": "no"}).WantCode(t, kabinet.ENOTFOUND)
		var got struct{ CancelCertificateRequest certificate }
		c.env.Do(t, c.key, q, map[string]any{"id": oid, "r": "уже выдана"}).Must(t, &got)
		if d := got.CancelCertificateRequest; d.Status != "CANCELLED" || d.CancelReason == nil || *d.CancelReason != "уже выдана" {
			t.Fatalf("got %+v, want CANCELLED with the reason", d)
		}
		c.env.Do(t, c.key, q, map[string]any{"id": oid, "r": "again"}).WantCode(t, kabinet.ECONFLICT)
		c.decide(t, c.key, "startCertificateRequest", oid).WantCode(t, kabinet.ECONFLICT)
	})
	t.Run("ErrKinds", func(t *testing.T) {
		r := c.env.Do(t, c.key, `mutation($in: [CertificateKindInput!]!) { upsertCertificateKinds(input: $in) { code } }`,
			map[string]any{"in": []map[string]any{{"code": "A", "title": "ok", "promisedDays": 1}, {"code": "A", "title": "", "promisedDays": 0},
				{"code": "bad code", "title": "x", "promisedDays": 400}}})
		e := r.WantCode(t, kabinet.EBADINPUT)
		if items, _ := e.Extensions["items"].([]any); len(items) < 4 {
			t.Errorf("got items %v, want every problem of items 1 and 2", e.Extensions["items"])
		}
		var kinds struct{ CertificateKinds []struct{ Code string } }
		c.env.Do(t, c.key, `{ certificateKinds { code } }`, nil).Must(t, &kinds)
		if len(kinds.CertificateKinds) != 3 {
			t.Errorf("got %d kinds after a refused batch, want the 3 of before", len(kinds.CertificateKinds))
		}
	})
}
