// Package pushtest holds local fakes of FCM and APNs that speak the
// providers' wire protocols, so that tests drive the real SDK clients
// (firebase.google.com/go/v4 and github.com/sideshow/apns2) end to end:
// OAuth2 token exchange, bearer and JWT checks, request decoding, and the
// providers' error bodies. Both fakes record what they received (safe for
// concurrent use) and answer according to a per-token script.
package pushtest

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Reply is one scripted answer of a fake. The zero Reply is success.
type Reply struct {
	// Status is the HTTP status; 0 means 200.
	Status int
	// Code is the provider's error code: for FCM the FcmError errorCode
	// (UNREGISTERED, INVALID_ARGUMENT, QUOTA_EXCEEDED, UNAVAILABLE,
	// INTERNAL, SENDER_ID_MISMATCH, THIRD_PARTY_AUTH_ERROR); for APNs the
	// reason (Unregistered, BadDeviceToken, TooManyRequests, …).
	Code string
	// RetryAfter, when set, is sent as the Retry-After header.
	RetryAfter time.Duration
	// Delay holds the answer back (to test timeouts); the fake honours the
	// request's cancellation.
	Delay time.Duration
}

// retryAfterHeader returns the Retry-After value for r ("" when unset).
func (r Reply) retryAfterHeader() string {
	if r.RetryAfter <= 0 {
		return ""
	}
	return strconv.Itoa(int((r.RetryAfter + time.Second - 1) / time.Second))
}

func (r Reply) status() int {
	if r.Status == 0 {
		return http.StatusOK
	}
	return r.Status
}

// Replies scripts a fake's answers per token. FCM and APNs embed it, so
// both are scripted the same way.
type Replies struct {
	mu        sync.Mutex
	queues    map[string][]Reply
	attempts  map[string]int
	def       Reply
	responder func(token string, attempt int) Reply
}

func newReplies() Replies {
	return Replies{queues: map[string][]Reply{}, attempts: map[string]int{}}
}

// Script queues replies for token, answered in order before the responder
// or the default.
func (s *Replies) Script(token string, replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queues[token] = append(s.queues[token], replies...)
}

// FailThenSucceed makes the next n requests for token answer r, then
// success (the zero Reply).
func (s *Replies) FailThenSucceed(token string, n int, r Reply) {
	s.Script(token, append(repeat(r, n), Reply{})...)
}

// SetDefault sets the reply for tokens with nothing queued (initially success).
func (s *Replies) SetDefault(r Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.def = r
}

// SetResponder decides replies for tokens with nothing queued; attempt
// counts this token's requests from 1. It is called with the script's lock
// held, so it must not script the fake.
func (s *Replies) SetResponder(fn func(token string, attempt int) Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.responder = fn
}

// next returns the reply for one request to token.
func (s *Replies) next(token string) Reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.attempts[token]++
	if q := s.queues[token]; len(q) > 0 {
		s.queues[token] = q[1:]
		return q[0]
	}
	if s.responder != nil {
		return s.responder(token, s.attempts[token])
	}
	return s.def
}

// repeat returns n copies of r.
func repeat(r Reply, n int) []Reply {
	out := make([]Reply, n)
	for i := range out {
		out[i] = r
	}
	return out
}

// Getenv merges environment maps (later ones win) into a getenv function,
// e.g. providers.FromEnv(ctx, pushtest.Getenv(fcm.Env(t), apns.Env(t)), log).
func Getenv(envs ...map[string]string) func(string) string {
	merged := map[string]string{}
	for _, e := range envs {
		for k, v := range e {
			merged[k] = v
		}
	}
	return func(k string) string { return merged[k] }
}

// listen is an unstarted httptest server for h on addr.
func listen(addr string, h http.Handler) (*httptest.Server, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &httptest.Server{Listener: l, Config: &http.Server{Handler: h}}, nil
}

// must turns an error into t.Fatal, for the test wrappers of the fakes.
func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
