// Package pushtest holds local fakes of FCM and APNs that speak the
// providers' wire protocols, so that tests drive the real SDK clients
// (firebase.google.com/go/v4 and github.com/sideshow/apns2) end to end:
// OAuth2 token exchange, bearer and JWT checks, request decoding, and the
// providers' error bodies. Both fakes record what they received (safe for
// concurrent use) and answer according to a per-token script.
package pushtest

import (
	"net/http"
	"strconv"
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

// script answers per token: queued replies first, then the responder, then
// the default.
type script struct {
	queues    map[string][]Reply
	attempts  map[string]int
	def       Reply
	responder func(token string, attempt int) Reply
}

func newScript() script {
	return script{queues: map[string][]Reply{}, attempts: map[string]int{}}
}

// next returns the reply for one request to token. The caller holds the lock.
func (s *script) next(token string) Reply {
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
