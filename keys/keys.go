// Package keys derives Kabinet's signing keys from one master secret:
// KABINET_SECRET when set, else 32 random bytes generated once and stored in
// the database, so that tokens and cursors survive restarts.
package keys

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
)

// Store keeps the generated master secret.
type Store interface {
	Secret(ctx context.Context, name string, n int) ([]byte, error)
}

// Ring derives independent keys per purpose, so that a key leaked from one
// use (say, sync cursors) cannot forge another (access tokens).
type Ring struct{ master []byte }

// Load returns the ring of the configured secret, or of the stored one.
func Load(ctx context.Context, st Store, secret string) (*Ring, error) {
	if secret != "" {
		if len(secret) < 32 {
			return nil, errors.New("KABINET_SECRET must be at least 32 characters")
		}
		return &Ring{master: []byte(secret)}, nil
	}
	m, err := st.Secret(ctx, "master", 32)
	if err != nil {
		return nil, err
	}
	return &Ring{master: m}, nil
}

// Derive returns the 32-byte key for a purpose ("access-token", "sync-cursor", …).
func (r *Ring) Derive(purpose string) []byte {
	k, err := hkdf.Key(sha256.New, r.master, nil, "kabinet/"+purpose, 32)
	if err != nil {
		panic(err) // only for lengths hkdf cannot produce
	}
	return k
}
