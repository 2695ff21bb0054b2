package pushtest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Scripted FCM answers, as FCM v1 sends them.
var (
	FCMOK               = Reply{}
	FCMUnregistered     = Reply{Status: http.StatusNotFound, Code: "UNREGISTERED"}
	FCMSenderIDMismatch = Reply{Status: http.StatusForbidden, Code: "SENDER_ID_MISMATCH"}
	// FCMInvalidArgument is a payload error: 400 INVALID_ARGUMENT with a
	// google.rpc.BadRequest detail naming a field of the message.
	FCMInvalidArgument = Reply{Status: http.StatusBadRequest, Code: "INVALID_ARGUMENT"}
	FCMQuotaExceeded   = Reply{Status: http.StatusTooManyRequests, Code: "QUOTA_EXCEEDED", RetryAfter: 30 * time.Second}
	FCMInternal        = Reply{Status: http.StatusInternalServerError, Code: "INTERNAL"}
	FCMUnavailable     = Reply{Status: http.StatusServiceUnavailable, Code: "UNAVAILABLE"}
)

// FCMMessage is one message the FCM fake received, decoded from the wire.
type FCMMessage struct {
	Token        string
	Title, Body  string
	Data         map[string]string
	CollapseKey  string // android.collapse_key
	Priority     string // android.priority
	TTL          string // android.ttl as sent, e.g. "3600s"
	Tag          string // android.notification.tag
	ValidateOnly bool
	// Status is what the fake answered.
	Status int
	// Raw is the request body.
	Raw json.RawMessage
}

// FCM is a fake of the FCM HTTP v1 API and of Google's OAuth2 token
// endpoint. Create it with NewFCM; it stops with the test.
type FCM struct {
	// URL is the server's base URL; the messaging endpoint is URL+"/v1"
	// (what KABINET_FCM_ENDPOINT takes) and the token endpoint URL+"/token".
	URL string
	// ProjectID is the project the fake serves.
	ProjectID string

	srv *httptest.Server

	mu            sync.Mutex
	noRecord      bool
	keys          map[string]*rsa.PublicKey // client_email → key
	accessTokens  map[string]bool
	tokenRequests int
	requests      int
	msgs          []FCMMessage
	Replies
}

// NewFCM starts a fake FCM for project "kabinet-test".
func NewFCM(t testing.TB) *FCM {
	f, err := ServeFCM("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	return f
}

// ServeFCM is NewFCM outside a test (the load harness): it listens on addr
// ("127.0.0.1:0" for any free port) until Close.
func ServeFCM(addr string) (*FCM, error) {
	f := &FCM{ProjectID: "kabinet-test", keys: map[string]*rsa.PublicKey{}, accessTokens: map[string]bool{}, Replies: newReplies()}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", f.serveToken)
	mux.HandleFunc("POST /v1/projects/{project}/messages:send", f.serveSend)
	srv, err := listen(addr, mux)
	if err != nil {
		return nil, fmt.Errorf("fake FCM: %w", err)
	}
	f.srv = srv
	f.srv.Start()
	f.URL = f.srv.URL
	return f, nil
}

// Close stops the fake.
func (f *FCM) Close() { f.srv.Close() }

// Endpoint is the value for KABINET_FCM_ENDPOINT.
func (f *FCM) Endpoint() string { return f.URL + "/v1" }

// Client returns an HTTP client for the fake (plain HTTP).
func (f *FCM) Client() *http.Client { return f.srv.Client() }

// WriteServiceAccount writes a service-account JSON with a fresh RSA key
// whose token_uri points at the fake, and returns its path; the fake
// accepts assertions signed by that key.
func (f *FCM) WriteServiceAccount(t testing.TB) string {
	t.Helper()
	return must[string](t)(f.writeServiceAccount(t.TempDir()))
}

func (f *FCM) writeServiceAccount(dir string) (string, error) {
	b, err := f.serviceAccountJSON()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "service-account.json")
	return path, os.WriteFile(path, b, 0o600)
}

// ServiceAccountJSON is WriteServiceAccount without the file.
func (f *FCM) ServiceAccountJSON(t testing.TB) []byte {
	t.Helper()
	return must[[]byte](t)(f.serviceAccountJSON())
}

func (f *FCM) serviceAccountJSON() ([]byte, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	email := fmt.Sprintf("kabinet-%d@%s.iam.gserviceaccount.com", len(f.keys)+1, f.ProjectID)
	f.keys[email] = &key.PublicKey
	f.mu.Unlock()
	sa := map[string]string{
		"type":           "service_account",
		"project_id":     f.ProjectID,
		"private_key_id": "test-key-1",
		"private_key":    string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email":   email,
		"client_id":      "1234567890",
		"token_uri":      f.URL + "/token",
	}
	return json.MarshalIndent(sa, "", "  ")
}

// Messages returns a copy of every message received, in arrival order.
func (f *FCM) Messages() []FCMMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]FCMMessage(nil), f.msgs...)
}

// Delivered returns the messages answered with 200 to token.
func (f *FCM) Delivered(token string) []FCMMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []FCMMessage
	for _, m := range f.msgs {
		if m.Token == token && m.Status == http.StatusOK {
			out = append(out, m)
		}
	}
	return out
}

// Requests is the number of messages:send requests (including rejected
// ones); TokenRequests the number of OAuth2 token exchanges.
func (f *FCM) Requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

// TokenRequests is the number of successful OAuth2 token exchanges.
func (f *FCM) TokenRequests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tokenRequests
}

// serveToken implements the JWT-bearer grant (RFC 7523) as Google's token
// endpoint does: it verifies the RS256 assertion against the service
// account's key and returns an access token.
func (f *FCM) serveToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, "invalid_request", err.Error())
		return
	}
	if g := r.PostForm.Get("grant_type"); g != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		oauthError(w, "unsupported_grant_type", g)
		return
	}
	claims, err := f.verifyAssertion(r.PostForm.Get("assertion"))
	if err != nil {
		oauthError(w, "invalid_grant", err.Error())
		return
	}
	if claims.Aud != f.URL+"/token" {
		oauthError(w, "invalid_grant", "wrong audience "+claims.Aud)
		return
	}
	if !strings.Contains(claims.Scope, "firebase.messaging") && !strings.Contains(claims.Scope, "cloud-platform") {
		oauthError(w, "invalid_scope", claims.Scope)
		return
	}
	f.mu.Lock()
	f.tokenRequests++
	tok := fmt.Sprintf("ya29.fake-%d-%s", f.tokenRequests, randomHex(8))
	f.accessTokens[tok] = true
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "expires_in": 3600, "token_type": "Bearer"})
}

type assertionClaims struct {
	Iss, Aud, Scope string
	Exp, Iat        int64
}

func (f *FCM) verifyAssertion(jwt string) (*assertionClaims, error) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("assertion is not a JWT")
	}
	var hdr struct{ Alg string }
	var c assertionClaims
	if err := decodeSegment(parts[0], &hdr); err != nil {
		return nil, err
	}
	if err := decodeSegment(parts[1], &c); err != nil {
		return nil, err
	}
	if hdr.Alg != "RS256" {
		return nil, fmt.Errorf("alg %q, want RS256", hdr.Alg)
	}
	f.mu.Lock()
	pub := f.keys[c.Iss]
	f.mu.Unlock()
	if pub == nil {
		return nil, fmt.Errorf("unknown service account %q", c.Iss)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
		return nil, fmt.Errorf("bad signature: %v", err)
	}
	if now := time.Now().Unix(); c.Exp < now || c.Iat > now+60 {
		return nil, fmt.Errorf("assertion expired or from the future")
	}
	return &c, nil
}

func oauthError(w http.ResponseWriter, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

// wireMessage is the FCM v1 request body.
type wireMessage struct {
	ValidateOnly bool `json:"validate_only"`
	Message      struct {
		Token        string            `json:"token"`
		Data         map[string]string `json:"data"`
		Notification *struct {
			Title string `json:"title"`
			Body  string `json:"body"`
		} `json:"notification"`
		Android *struct {
			CollapseKey  string `json:"collapse_key"`
			Priority     string `json:"priority"`
			TTL          string `json:"ttl"`
			Notification *struct {
				Tag string `json:"tag"`
			} `json:"notification"`
		} `json:"android"`
	} `json:"message"`
}

func (f *FCM) serveSend(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("project") != f.ProjectID {
		fcmError(w, Reply{Status: http.StatusNotFound}, "NOT_FOUND", "Requested entity was not found.")
		return
	}
	bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	known := ok && f.accessTokens[bearer]
	f.mu.Unlock()
	if !known {
		fcmError(w, Reply{Status: http.StatusUnauthorized}, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
		return
	}
	raw, err := io.ReadAll(r.Body)
	var wm wireMessage
	if err == nil {
		err = json.Unmarshal(raw, &wm)
	}
	if err != nil || wm.Message.Token == "" {
		fcmError(w, FCMInvalidArgument, "INVALID_ARGUMENT", "Invalid JSON payload received.")
		return
	}
	m := FCMMessage{Token: wm.Message.Token, Data: wm.Message.Data, ValidateOnly: wm.ValidateOnly, Raw: raw}
	if n := wm.Message.Notification; n != nil {
		m.Title, m.Body = n.Title, n.Body
	}
	if a := wm.Message.Android; a != nil {
		m.CollapseKey, m.Priority, m.TTL = a.CollapseKey, a.Priority, a.TTL
		if a.Notification != nil {
			m.Tag = a.Notification.Tag
		}
	}

	f.mu.Lock()
	f.requests++
	reply := f.Replies.next(m.Token)
	m.Status = reply.status()
	if !f.noRecord {
		f.msgs = append(f.msgs, m)
	}
	id := f.requests
	f.mu.Unlock()

	if reply.Delay > 0 {
		select {
		case <-time.After(reply.Delay):
		case <-r.Context().Done():
			return
		}
	}
	if m.Status == http.StatusOK {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"name":"projects/%s/messages/%d"}`, f.ProjectID, id)
		return
	}
	status, msg := statusName(m.Status)
	fcmError(w, reply, status, msg)
}

// fcmError writes a google.rpc.Status error as FCM v1 does, with an
// FcmError detail when r.Code is set and a BadRequest detail for
// INVALID_ARGUMENT.
func fcmError(w http.ResponseWriter, r Reply, status, message string) {
	var details []any
	if r.Code != "" {
		details = append(details, map[string]any{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": r.Code})
	}
	if status == "INVALID_ARGUMENT" {
		details = append(details, map[string]any{
			"@type":           "type.googleapis.com/google.rpc.BadRequest",
			"fieldViolations": []map[string]string{{"field": "message.data[0].key", "description": "Invalid data key: from"}},
		})
		message = "Request contains an invalid argument."
	}
	body := map[string]any{"error": map[string]any{"code": r.status(), "message": message, "status": status, "details": details}}
	if ra := r.retryAfterHeader(); ra != "" {
		w.Header().Set("Retry-After", ra)
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(r.status())
	json.NewEncoder(w).Encode(body)
}

func statusName(code int) (status, message string) {
	switch code {
	case http.StatusBadRequest:
		return "INVALID_ARGUMENT", "Request contains an invalid argument."
	case http.StatusUnauthorized:
		return "UNAUTHENTICATED", "Request had invalid authentication credentials."
	case http.StatusForbidden:
		return "PERMISSION_DENIED", "SenderId mismatch"
	case http.StatusNotFound:
		return "NOT_FOUND", "Requested entity was not found."
	case http.StatusTooManyRequests:
		return "RESOURCE_EXHAUSTED", "Quota exceeded."
	case http.StatusServiceUnavailable:
		return "UNAVAILABLE", "The service is currently unavailable."
	}
	return "INTERNAL", "Internal error encountered."
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return fmt.Sprintf("%x", b)
}

// DisableRecording stops keeping requests (counters still count), so that
// benchmarks measure the sender, not the fake's memory.
func (f *FCM) DisableRecording() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.noRecord = true
}

// Env returns the KABINET_FCM_* variables that point a deployment at the
// fake, with a fresh service account.
func (f *FCM) Env(t testing.TB) map[string]string {
	return must[map[string]string](t)(f.EnvIn(t.TempDir()))
}

// EnvIn is Env outside a test: the service account is written into dir.
func (f *FCM) EnvIn(dir string) (map[string]string, error) {
	sa, err := f.writeServiceAccount(dir)
	if err != nil {
		return nil, err
	}
	return map[string]string{"KABINET_FCM_CREDENTIALS": sa, "KABINET_FCM_ENDPOINT": f.Endpoint()}, nil
}
