// Package passhash hashes low-entropy secrets (passwords, PINs) with
// argon2id, memory-hard, in the PHC string format. Concurrent hashing is
// bounded by a semaphore, so a storm of sign-ins queues instead of
// exhausting memory: at most Concurrency × Memory KiB are in use at once.
package passhash

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// DefaultParams are one of OWASP's equivalent minimum settings for argon2id
// (9 MiB, t=4, p=1; the cheat sheet rates it as strong as 19 MiB, t=2): about
// 25 ms a hash here, and half the memory, which is what a sign-in storm
// runs out of first. Hashes made with other parameters still verify.
var DefaultParams = Params{Memory: 9 * 1024, Time: 4, Threads: 1}

// Hasher hashes and verifies. The zero value is not usable; use New.
type Hasher struct {
	params   Params
	sem      chan struct{}
	computed atomic.Uint64
}

// Computed is how many argon2id computations the hasher has made (hashes
// and verifications).
func (h *Hasher) Computed() uint64 { return h.computed.Load() }

// New returns a hasher running at most concurrency hashes at once
// (GOMAXPROCS when ≤ 0).
func New(p Params, concurrency int) *Hasher {
	if concurrency <= 0 {
		concurrency = runtime.GOMAXPROCS(0)
	}
	return &Hasher{params: p, sem: make(chan struct{}, concurrency)}
}

var b64 = base64.RawStdEncoding

// Hash returns the PHC encoding of secret with a random salt. A non-nil
// pepper (a server-side key that is not stored in the database) is mixed in
// with HMAC first.
func (h *Hasher) Hash(ctx context.Context, secret string, pepper []byte) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	return h.HashWithSalt(ctx, secret, pepper, salt)
}

// HashWithSalt is Hash with a given salt. The same secret, salt, pepper and
// parameters give the same string, so one computation can be compared (in
// constant time, see Equal) with several stored hashes made that way.
func (h *Hasher) HashWithSalt(ctx context.Context, secret string, pepper, salt []byte) (string, error) {
	key, err := h.derive(ctx, secret, pepper, salt, h.params)
	if err != nil {
		return "", err
	}
	return h.Prefix(salt) + b64.EncodeToString(key), nil
}

// Prefix is how every hash this hasher makes with salt begins (the
// algorithm, the current parameters and the salt): a stored hash without it
// was made with another salt or older parameters.
func (h *Hasher) Prefix(salt []byte) string {
	p := h.params
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$", argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt))
}

// Equal compares two encoded hashes in constant time.
func Equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// Verify reports whether secret matches the encoded hash, in constant time.
// It uses the parameters stored in the hash, so raising the defaults does
// not lock anyone out.
func (h *Hasher) Verify(ctx context.Context, encoded, secret string, pepper []byte) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("passhash: not an argon2id hash")
	}
	var v int
	var p Params
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false, errors.New("passhash: unsupported argon2 version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false, errors.New("passhash: bad parameters")
	}
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false, errors.New("passhash: bad encoding")
	}
	got, err := h.derive(ctx, secret, pepper, salt, p)
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

func (h *Hasher) derive(ctx context.Context, secret string, pepper, salt []byte, p Params) ([]byte, error) {
	select {
	case h.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-h.sem }()
	h.computed.Add(1)
	in := []byte(secret)
	if pepper != nil {
		m := hmac.New(sha256.New, pepper)
		m.Write(in)
		in = m.Sum(nil)
	}
	return argon2.IDKey(in, salt, p.Time, p.Memory, p.Threads, 32), nil
}
