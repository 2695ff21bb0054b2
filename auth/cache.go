package auth

import (
	"strings"
	"sync"
	"time"

	"github.com/kabinet/kabinet"
)

// Phones send the same access token with every request for its whole
// lifetime, and sync — the most frequent request — is cheap, so checking the
// token (HMAC and JSON) and its session (a database read) would dominate it.
// These caches keep both for a short while:
//
//   - a verified token's claims until the token expires; the key is the
//     whole token, so nothing unverified is ever trusted;
//   - a session's state for sessionTTL. Every revocation made through this
//     Service (logout, device revocation, HR block, refresh-token reuse)
//     empties the cache at once, so in one process a revoked session fails
//     on its next request. Another instance sharing the database sees it
//     within sessionTTL.
const (
	sessionTTL     = time.Second
	maxCachedItems = 20_000
)

type cachedClaims struct {
	c   claims
	exp time.Time
}

type cachedSession struct {
	info *kabinet.SessionInfo
	at   time.Time
}

type authCache struct {
	mu       sync.Mutex
	tokens   map[string]cachedClaims
	sessions map[string]cachedSession
}

func (c *authCache) token(tok string, now time.Time) (claims, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.tokens[tok]
	if !ok || !now.Before(e.exp) {
		return claims{}, false
	}
	return e.c, true
}

func (c *authCache) putToken(tok string, cl claims) {
	if cl.ExpiresAt == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tokens == nil || len(c.tokens) >= maxCachedItems {
		c.tokens = make(map[string]cachedClaims) // crude but bounded: refill from live traffic
	}
	c.tokens[strings.Clone(tok)] = cachedClaims{c: cl, exp: cl.ExpiresAt.Time} // a copy: callers may pass aliased bytes
}

func (c *authCache) session(id string, now time.Time) (*kabinet.SessionInfo, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.sessions[id]
	if !ok || now.Sub(e.at) >= sessionTTL || now.Before(e.at) {
		return nil, false
	}
	return e.info, true
}

func (c *authCache) putSession(info *kabinet.SessionInfo, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sessions == nil || len(c.sessions) >= maxCachedItems {
		c.sessions = make(map[string]cachedSession)
	}
	c.sessions[info.ID] = cachedSession{info: info, at: now}
}

// revoked forgets every cached session: some session has just ended.
func (c *authCache) revoked() {
	c.mu.Lock()
	c.sessions = nil
	c.mu.Unlock()
}
