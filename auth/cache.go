package auth

import (
	"strings"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"

	"github.com/kabinet/kabinet"
)

// Phones send the same access token with every request for its whole
// lifetime, and sync — the most frequent request — is cheap, so checking the
// token (HMAC and JSON) and its session (a database read) would dominate it.
// Two bounded LRU caches keep both for a short while:
//
//   - a verified token's claims until the token expires (by the service's
//     clock); the key is the whole token, so nothing unverified is ever
//     trusted. A token carries no revocation state, so caching it changes
//     nothing about revocation.
//   - a session's state for at most SessionCacheTTL (by the service's
//     clock). This is the revocation bound: a revocation made on one
//     instance (logout, device revocation, HR block, password change,
//     refresh-token reuse) is in the shared database at once, and every
//     other instance re-reads the session, and refuses its tokens, within
//     SessionCacheTTL. On the instance that made it, the revoked sessions
//     leave the cache at once, so they fail on their very next request.
//
// Each cache holds at most maxCachedItems entries; past that the least
// recently used entry goes, one at a time, so a deployment with more phones
// than the cache never sees them all miss at once. The library's own expiry
// (real time, a little longer than ours) only frees memory.
const (
	SessionCacheTTL = time.Second
	maxCachedItems  = 20_000
	// tokenMemoryTTL bounds how long a token's entry holds memory; a token
	// living longer is verified again after that.
	tokenMemoryTTL = 15 * time.Minute
	// sessionMemoryTTL only frees memory: freshness is SessionCacheTTL,
	// checked against the service's clock. Longer than it, so the library's
	// cleaner wakes up rarely (every sessionMemoryTTL/100).
	sessionMemoryTTL = 10 * time.Second
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
	tokens   *expirable.LRU[string, cachedClaims]
	sessions *expirable.LRU[string, cachedSession]
}

func newAuthCache() *authCache {
	return &authCache{
		tokens:   expirable.NewLRU[string, cachedClaims](maxCachedItems, nil, tokenMemoryTTL),
		sessions: expirable.NewLRU[string, cachedSession](maxCachedItems, nil, sessionMemoryTTL),
	}
}

func (c *authCache) token(tok string, now time.Time) (claims, bool) {
	e, ok := c.tokens.Get(tok)
	if !ok || !now.Before(e.exp) {
		return claims{}, false
	}
	return e.c, true
}

func (c *authCache) putToken(tok string, cl claims) {
	if cl.ExpiresAt == nil {
		return
	}
	c.tokens.Add(strings.Clone(tok), cachedClaims{c: cl, exp: cl.ExpiresAt.Time}) // a copy: callers may pass aliased bytes
}

func (c *authCache) session(id string, now time.Time) (*kabinet.SessionInfo, bool) {
	e, ok := c.sessions.Get(id)
	if !ok || now.Sub(e.at) >= SessionCacheTTL || now.Before(e.at) {
		return nil, false
	}
	return e.info, true
}

func (c *authCache) putSession(info *kabinet.SessionInfo, now time.Time) {
	c.sessions.Add(info.ID, cachedSession{info: info, at: now})
}

// revokeSession forgets one session: it has just ended.
func (c *authCache) revokeSession(id string) { c.sessions.Remove(id) }

// revokeEmployee forgets the sessions of an employee (on one device if
// deviceID is set): they have just ended. It walks the cache (at most
// maxCachedItems entries) — revocations are rare, and emptying the whole
// cache instead would make every phone miss at once.
func (c *authCache) revokeEmployee(employeeID, deviceID string) {
	for _, e := range c.sessions.Values() {
		if e.info.EmployeeID == employeeID && (deviceID == "" || e.info.DeviceID == deviceID) {
			c.sessions.Remove(e.info.ID)
		}
	}
}
