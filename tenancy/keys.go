package tenancy

import (
	"context"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/kabinet/kabinet"
)

// APIKey is an organisation API key as its administrators see it: a name,
// who made it and when, its last use, and whether it is revoked. The key
// itself is shown once, when made.
type APIKey struct {
	ID         string
	OrgID      string
	Name       string
	CreatedBy  string // the HR user's name, or "" for the first key
	CreatedAt  time.Time
	RevokedAt  *time.Time
	LastUsedAt *time.Time
}

// KeyStore keeps named API keys (internal/sqlstore). Methods return
// NOT_FOUND for an unknown key of the organisation.
type KeyStore interface {
	// APIKeys lists the organisation's keys, live ones first, newest
	// first, at most limit.
	APIKeys(ctx context.Context, orgID string, limit int) ([]*APIKey, error)
	// CreateNamedAPIKey stores a key (its id and times set by the caller).
	CreateNamedAPIKey(ctx context.Context, k *APIKey, keyHash string) error
	// RevokeAPIKey revokes a live key at at.
	RevokeAPIKey(ctx context.Context, orgID, id string, at time.Time) error
	// RotateAPIKey revokes the live key id and stores next in its place,
	// in one transaction.
	RotateAPIKey(ctx context.Context, orgID, id string, next *APIKey, keyHash string) error
	// TouchAPIKey records the key's use at at.
	TouchAPIKey(ctx context.Context, id string, at time.Time) error
}

const (
	// maxLiveKeys bounds the live keys of an organisation.
	maxLiveKeys = 20
	// maxListedKeys bounds the keys listed (revoked ones included).
	maxListedKeys = 200
	// touchEvery: a key's last use is written at most this often per
	// process, so that API requests are not each a write.
	touchEvery = time.Minute
	// maxTouchMemo bounds the memo of last writes.
	maxTouchMemo = 10_000
)

// keyTouches remembers when each key's use was last written.
type keyTouches struct {
	mu   sync.Mutex
	last map[string]time.Time
}

// due tells whether the use of key id at now should be written, and if so
// remembers it.
func (t *keyTouches) due(id string, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.last == nil || len(t.last) >= maxTouchMemo {
		t.last = map[string]time.Time{}
	}
	if prev, ok := t.last[id]; ok && now.Sub(prev) < touchEvery {
		return false
	}
	t.last[id] = now
	return true
}

// CheckKeyName validates a key's name (1 to 100 characters on one line)
// and returns it trimmed; BAD_USER_INPUT otherwise.
func CheckKeyName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if n := utf8.RuneCountInString(name); n == 0 || n > 100 || strings.ContainsAny(name, "\r\n\t") {
		return "", kabinet.Errorf(kabinet.EBADINPUT, "the key's name must be 1 to 100 characters on one line")
	}
	return name, nil
}

// APIKeys lists the organisation's keys (live first, then revoked).
func (s *Service) APIKeys(ctx context.Context, orgID string) ([]*APIKey, error) {
	return s.Store.APIKeys(ctx, orgID, maxListedKeys)
}

// CreateAPIKey makes a named key for the organisation and returns it with
// the secret (shown once; only its hash is stored). createdBy names who
// made it. BAD_USER_INPUT for a bad name, CONFLICT when the organisation
// has maxLiveKeys live keys already.
func (s *Service) CreateAPIKey(ctx context.Context, orgID, name, createdBy string) (*APIKey, string, error) {
	name, err := CheckKeyName(name)
	if err != nil {
		return nil, "", err
	}
	keys, err := s.Store.APIKeys(ctx, orgID, maxListedKeys)
	if err != nil {
		return nil, "", err
	}
	live := 0
	for _, k := range keys {
		if k.RevokedAt == nil {
			live++
		}
	}
	if live >= maxLiveKeys {
		return nil, "", kabinet.Errorf(kabinet.ECONFLICT, "an organisation may have at most %d live API keys; revoke one first", maxLiveKeys)
	}
	k, secret := s.newKey(orgID, name, createdBy)
	if err := s.Store.CreateNamedAPIKey(ctx, k, kabinet.HashSecret(secret)); err != nil {
		return nil, "", err
	}
	return k, secret, nil
}

func (s *Service) newKey(orgID, name, createdBy string) (*APIKey, string) {
	secret := kabinet.NewAPIKey()
	return &APIKey{ID: kabinet.NewID("key"), OrgID: orgID, Name: name, CreatedBy: createdBy, CreatedAt: s.now()}, secret
}

// RotateAPIKey replaces a live key with a new one of the same name: the
// old stops working at once, the new is returned with its secret (shown
// once). NOT_FOUND for an unknown or revoked key of the organisation.
func (s *Service) RotateAPIKey(ctx context.Context, orgID, id, createdBy string) (*APIKey, string, error) {
	keys, err := s.Store.APIKeys(ctx, orgID, maxListedKeys)
	if err != nil {
		return nil, "", err
	}
	for _, k := range keys {
		if k.ID == id && k.RevokedAt == nil {
			next, secret := s.newKey(orgID, k.Name, createdBy)
			if err := s.Store.RotateAPIKey(ctx, orgID, id, next, kabinet.HashSecret(secret)); err != nil {
				return nil, "", err
			}
			return next, secret, nil
		}
	}
	return nil, "", kabinet.Errorf(kabinet.ENOTFOUND, "no such live API key")
}

// RevokeAPIKey revokes a live key of the organisation: it stops working at
// once. NOT_FOUND for an unknown or revoked key.
func (s *Service) RevokeAPIKey(ctx context.Context, orgID, id string) error {
	return s.Store.RevokeAPIKey(ctx, orgID, id, s.now())
}

func (s *Service) now() time.Time {
	if s.Clock == nil {
		return kabinet.SystemClock{}.Now()
	}
	return s.Clock.Now()
}
