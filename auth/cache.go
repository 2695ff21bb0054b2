package auth

import (
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"

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
//
// Each is a least-recently-used list of maxCachedItems entries
// (hashicorp/golang-lru's simplelru, under this cache's one lock): when it is
// full the entry unused longest goes, so that the phones in use stay cached
// instead of all missing at once. Expiry is checked here against the
// service's injected clock; golang-lru's expirable variant reads the wall
// clock, which tests move past.
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
	tokens   *simplelru.LRU[string, cachedClaims]
	sessions *simplelru.LRU[string, cachedSession]
}

func newLRU[V any]() *simplelru.LRU[string, V] {
	l, _ := simplelru.NewLRU[string, V](maxCachedItems, nil) // errs only for a size < 1
	return l
}

// init makes the lists on first use (the zero authCache is ready); c.mu is held.
func (c *authCache) init() {
	if c.tokens == nil {
		c.tokens, c.sessions = newLRU[cachedClaims](), newLRU[cachedSession]()
	}
}

func (c *authCache) token(tok string, now time.Time) (claims, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.init()
	e, ok := c.tokens.Get(tok)
	if !ok {
		return claims{}, false
	}
	if !now.Before(e.exp) {
		c.tokens.Remove(tok)
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
	c.init()
	c.tokens.Add(strings.Clone(tok), cachedClaims{c: cl, exp: cl.ExpiresAt.Time}) // a copy: callers may pass aliased bytes
}

func (c *authCache) session(id string, now time.Time) (*kabinet.SessionInfo, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.init()
	e, ok := c.sessions.Get(id)
	if !ok || now.Sub(e.at) >= sessionTTL || now.Before(e.at) {
		return nil, false
	}
	return e.info, true
}

func (c *authCache) putSession(info *kabinet.SessionInfo, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.init()
	c.sessions.Add(info.ID, cachedSession{info: info, at: now})
}

// revoked forgets every cached session: some session has just ended. A new
// list, not Purge: that would delete the entries one by one under the lock.
func (c *authCache) revoked() {
	c.mu.Lock()
	c.init()
	c.sessions = newLRU[cachedSession]()
	c.mu.Unlock()
}
