package pushtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Scripted APNs answers, as APNs sends them.
var (
	APNsOK                     = Reply{}
	APNsUnregistered           = Reply{Status: http.StatusGone, Code: "Unregistered"}
	APNsBadDeviceToken         = Reply{Status: http.StatusBadRequest, Code: "BadDeviceToken"}
	APNsDeviceTokenNotForTopic = Reply{Status: http.StatusBadRequest, Code: "DeviceTokenNotForTopic"}
	APNsPayloadTooLarge        = Reply{Status: http.StatusRequestEntityTooLarge, Code: "PayloadTooLarge"}
	APNsBadCollapseID          = Reply{Status: http.StatusBadRequest, Code: "BadCollapseId"}
	APNsTooManyRequests        = Reply{Status: http.StatusTooManyRequests, Code: "TooManyRequests", RetryAfter: 20 * time.Second}
	APNsInternalServerError    = Reply{Status: http.StatusInternalServerError, Code: "InternalServerError"}
	APNsServiceUnavailable     = Reply{Status: http.StatusServiceUnavailable, Code: "ServiceUnavailable"}
	APNsExpiredProviderToken   = Reply{Status: http.StatusForbidden, Code: "ExpiredProviderToken"}
)

// APNsRequest is one request the APNs fake received.
type APNsRequest struct {
	Token      string // from the path /3/device/<token>
	Topic      string // apns-topic
	ID         string // apns-id as sent ("" when APNs was to assign one)
	CollapseID string // apns-collapse-id
	Priority   string // apns-priority
	Expiration string // apns-expiration
	PushType   string // apns-push-type
	Payload    json.RawMessage
	// Status is what the fake answered; ResponseID the apns-id it returned.
	Status     int
	ResponseID string
}

// Alert decodes aps.alert, aps.badge (-1 when absent) and the custom keys.
func (r APNsRequest) Alert() (title, body string, badge int, custom map[string]any) {
	var p struct {
		Aps struct {
			Alert struct{ Title, Body string }
			Badge *int
		}
	}
	json.Unmarshal(r.Payload, &p)
	custom = map[string]any{}
	json.Unmarshal(r.Payload, &custom)
	delete(custom, "aps")
	badge = -1
	if p.Aps.Badge != nil {
		badge = *p.Aps.Badge
	}
	return p.Aps.Alert.Title, p.Aps.Alert.Body, badge, custom
}

// APNs is a fake of the APNs provider API: HTTP/2 over TLS with token
// (JWT, ES256) authentication. Create it with NewAPNs; it stops with the test.
type APNs struct {
	// URL is the server's base URL (what KABINET_APNS_HOST takes).
	URL string
	// KeyID and TeamID are the credentials the fake expects in the JWT.
	KeyID, TeamID string
	// Topic is the bundle id it expects in apns-topic.
	Topic string

	srv *httptest.Server
	key *ecdsa.PrivateKey

	mu       sync.Mutex
	noRecord bool
	requests int
	reqs     []APNsRequest
	Replies
}

// NewAPNs starts a fake APNs with a fresh P-256 signing key, key id
// "ABC123DEFG", team id "DEF123GHIJ" and topic "ru.kabinet.app".
func NewAPNs(t testing.TB) *APNs {
	a, err := ServeAPNs("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a
}

// ServeAPNs is NewAPNs outside a test (the load harness): it listens on
// addr ("127.0.0.1:0" for any free port) until Close.
func ServeAPNs(addr string) (*APNs, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	a := &APNs{KeyID: "ABC123DEFG", TeamID: "DEF123GHIJ", Topic: "ru.kabinet.app", key: key, Replies: newReplies()}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /3/device/{token}", a.serve)
	if a.srv, err = listen(addr, mux); err != nil {
		return nil, fmt.Errorf("fake APNs: %w", err)
	}
	a.srv.EnableHTTP2 = true
	a.srv.StartTLS()
	a.URL = a.srv.URL
	return a, nil
}

// Close stops the fake.
func (a *APNs) Close() { a.srv.Close() }

// WriteKey writes the fake's signing key as an Apple .p8 file (PKCS#8 PEM)
// and returns its path (for KABINET_APNS_KEY_FILE).
func (a *APNs) WriteKey(t testing.TB) string {
	t.Helper()
	return must[string](t)(a.writeKey(t.TempDir()))
}

func (a *APNs) writeKey(dir string) (string, error) {
	der, err := x509.MarshalPKCS8PrivateKey(a.key)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "AuthKey_"+a.KeyID+".p8")
	return path, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
}

// WriteCA writes the server's certificate, its own root, as PEM and returns
// its path (for KABINET_APNS_CA_FILE).
func (a *APNs) WriteCA(t testing.TB) string {
	t.Helper()
	return must[string](t)(a.writeCA(t.TempDir()))
}

func (a *APNs) writeCA(dir string) (string, error) {
	path := filepath.Join(dir, "apns-ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: a.srv.Certificate().Raw})
	return path, os.WriteFile(path, pemBytes, 0o600)
}

// Requests returns a copy of every authenticated request, in arrival order.
func (a *APNs) Requests() []APNsRequest {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]APNsRequest(nil), a.reqs...)
}

// Delivered returns the requests answered with 200 for token.
func (a *APNs) Delivered(token string) []APNsRequest {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []APNsRequest
	for _, r := range a.reqs {
		if r.Token == token && r.Status == http.StatusOK {
			out = append(out, r)
		}
	}
	return out
}

// Count is the number of requests received, including rejected ones.
func (a *APNs) Count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.requests
}

func (a *APNs) serve(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.requests++
	a.mu.Unlock()
	if r.ProtoMajor != 2 {
		apnsError(w, Reply{Status: http.StatusBadRequest, Code: "BadPath"})
		return
	}
	if err := a.verifyJWT(r.Header.Get("Authorization")); err != nil {
		apnsError(w, Reply{Status: http.StatusForbidden, Code: "InvalidProviderToken"})
		return
	}
	if r.Header.Get("apns-topic") != a.Topic {
		apnsError(w, Reply{Status: http.StatusBadRequest, Code: "BadTopic"})
		return
	}
	payload, err := io.ReadAll(r.Body)
	if err != nil || !json.Valid(payload) {
		apnsError(w, Reply{Status: http.StatusBadRequest, Code: "PayloadEmpty"})
		return
	}
	req := APNsRequest{
		Token:      r.PathValue("token"),
		Topic:      r.Header.Get("apns-topic"),
		ID:         r.Header.Get("apns-id"),
		CollapseID: r.Header.Get("apns-collapse-id"),
		Priority:   r.Header.Get("apns-priority"),
		Expiration: r.Header.Get("apns-expiration"),
		PushType:   r.Header.Get("apns-push-type"),
		Payload:    payload,
	}
	a.mu.Lock()
	reply := a.Replies.next(req.Token)
	req.Status = reply.status()
	req.ResponseID = req.ID
	if req.ResponseID == "" {
		req.ResponseID = newUUID()
	}
	if !a.noRecord {
		a.reqs = append(a.reqs, req)
	}
	a.mu.Unlock()

	if reply.Delay > 0 {
		select {
		case <-time.After(reply.Delay):
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("apns-id", req.ResponseID)
	if req.Status == http.StatusOK {
		w.WriteHeader(http.StatusOK)
		return
	}
	apnsError(w, reply)
}

// apnsError writes {"reason": …} (plus "timestamp" for 410) as APNs does.
func apnsError(w http.ResponseWriter, r Reply) {
	body := map[string]any{"reason": r.Code}
	if r.status() == http.StatusGone {
		body["timestamp"] = time.Now().UnixMilli()
	}
	if ra := r.retryAfterHeader(); ra != "" {
		w.Header().Set("Retry-After", ra)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(r.status())
	json.NewEncoder(w).Encode(body)
}

// verifyJWT checks "bearer <jwt>": ES256, kid = KeyID, iss = TeamID, iat
// within the last hour, signed by the fake's key.
func (a *APNs) verifyJWT(auth string) error {
	tok, ok := strings.CutPrefix(auth, "bearer ")
	if !ok {
		return fmt.Errorf("no bearer token")
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return fmt.Errorf("not a JWT")
	}
	var hdr struct{ Alg, Kid string }
	var claims struct {
		Iss string
		Iat int64
	}
	if err := decodeSegment(parts[0], &hdr); err != nil {
		return err
	}
	if err := decodeSegment(parts[1], &claims); err != nil {
		return err
	}
	if hdr.Alg != "ES256" || hdr.Kid != a.KeyID || claims.Iss != a.TeamID {
		return fmt.Errorf("wrong alg, kid or iss")
	}
	if now := time.Now().Unix(); claims.Iat > now+60 || claims.Iat < now-3600 {
		return fmt.Errorf("iat out of range")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return fmt.Errorf("bad signature encoding")
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	rr, ss := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(&a.key.PublicKey, sum[:], rr, ss) {
		return fmt.Errorf("bad signature")
	}
	return nil
}

func newUUID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// DisableRecording stops keeping requests (counters still count), so that
// benchmarks measure the sender, not the fake's memory.
func (a *APNs) DisableRecording() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.noRecord = true
}

// Env returns the KABINET_APNS_* variables that point a deployment at the
// fake: its key, ids, topic, host and CA.
func (a *APNs) Env(t testing.TB) map[string]string {
	return must[map[string]string](t)(a.EnvIn(t.TempDir()))
}

// EnvIn is Env outside a test: the key and the CA are written into dir.
func (a *APNs) EnvIn(dir string) (map[string]string, error) {
	key, err := a.writeKey(dir)
	if err != nil {
		return nil, err
	}
	ca, err := a.writeCA(dir)
	if err != nil {
		return nil, err
	}
	return map[string]string{
		"KABINET_APNS_KEY_FILE": key,
		"KABINET_APNS_KEY_ID":   a.KeyID,
		"KABINET_APNS_TEAM_ID":  a.TeamID,
		"KABINET_APNS_TOPIC":    a.Topic,
		"KABINET_APNS_ENV":      "development",
		"KABINET_APNS_HOST":     a.URL,
		"KABINET_APNS_CA_FILE":  ca,
	}, nil
}
