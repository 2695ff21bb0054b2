package auth

import (
	"fmt"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/kabinet/kabinet"
)

// BenchmarkCacheHit is the hot path of every phone request: a cached token
// and a cached session, from many goroutines.
func BenchmarkCacheHit(b *testing.B) {
	var c authCache
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	const n = 2000
	toks := make([]string, n)
	for i := range toks {
		toks[i] = fmt.Sprintf("token-%06d-%s", i, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")
		c.putToken(toks[i], claims{Sess: fmt.Sprint("s", i), RegisteredClaims: jwt.RegisteredClaims{ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour))}})
		c.putSession(&kabinet.SessionInfo{ID: fmt.Sprint("s", i)}, now)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			cl, ok := c.token(toks[i%n], now)
			if !ok {
				b.Fatal("token miss")
			}
			if _, ok := c.session(cl.Sess, now); !ok {
				b.Fatal("session miss")
			}
			i++
		}
	})
}

// TestCacheEvictsLeastRecentlyUsed: a full cache drops the entry unused
// longest, not everything, and expiry follows the clock it is given.
func TestCacheEvictsLeastRecentlyUsed(t *testing.T) {
	var c authCache
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	exp := jwt.RegisteredClaims{ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour))}
	for i := range maxCachedItems {
		c.putToken(fmt.Sprint("t", i), claims{Sess: fmt.Sprint("s", i), RegisteredClaims: exp})
	}
	if _, ok := c.token("t0", now); !ok { // t0 is now the most recently used, t1 the least
		t.Fatal("t0: got a miss, want a hit")
	}
	c.putToken("one-more", claims{RegisteredClaims: exp})
	for tok, want := range map[string]bool{"t0": true, "t1": false, "t2": true, "one-more": true, fmt.Sprint("t", maxCachedItems-1): true} {
		if _, ok := c.token(tok, now); ok != want {
			t.Errorf("%s: got cached %v, want %v", tok, ok, want)
		}
	}
	if n := c.tokens.Len(); n != maxCachedItems {
		t.Errorf("got %d tokens cached, want the bound %d", n, maxCachedItems)
	}
	if _, ok := c.token("t2", now.Add(time.Hour)); ok {
		t.Error("t2 at its expiry: got a hit, want a miss")
	}
	c.putSession(&kabinet.SessionInfo{ID: "s"}, now)
	if _, ok := c.session("s", now.Add(sessionTTL-time.Millisecond)); !ok {
		t.Error("session within its TTL: got a miss")
	}
	if _, ok := c.session("s", now.Add(sessionTTL)); ok {
		t.Error("session at its TTL: got a hit")
	}
	c.putSession(&kabinet.SessionInfo{ID: "s"}, now)
	c.revoked()
	if _, ok := c.session("s", now); ok {
		t.Error("session after a revocation: got a hit")
	}
}
