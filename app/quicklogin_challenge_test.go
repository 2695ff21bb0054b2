package app_test

import (
	"context"
	"database/sql"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/testkit"
)

// TestQuickLoginChallengeFloodKeepsPending: a flood of challenges for one
// install id — anonymous, from anywhere — leaves that install's pending
// challenge usable, and writes nothing.
func TestQuickLoginChallengeFloodKeepsPending(t *testing.T) {
	e := startQuick(t)
	secret := e.setupPIN(t, e.sess.AccessToken, "4817")
	pending := e.Challenge(t, "device-1")
	db, err := rawDB(t, e.Env).Conn(context.Background()) // data_version is per connection
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	before := dbChanges(t, db)
	for range 100 {
		e.Challenge(t, "device-1")
	}
	if after := dbChanges(t, db); after != before {
		t.Errorf("100 challenges changed the database (data_version %d → %d), want no write", before, after)
	}
	r := e.Do(t, "", quickQ, map[string]any{"in": map[string]any{"deviceId": "device-1", "challenge": pending, "pin": "4817", "deviceSecret": secret}})
	wantSignedIn(t, e, r, "PIN")
}

// dbChanges is a counter SQLite moves when another connection commits.
func dbChanges(t *testing.T, db *sql.Conn) int {
	t.Helper()
	var v int
	if err := db.QueryRowContext(context.Background(), `PRAGMA data_version`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestQuickLoginChallengeRules: a challenge works once, for the install it
// was issued to, within its lifetime, on any instance sharing the database.
func TestQuickLoginChallengeRules(t *testing.T) {
	e := startQuick(t)
	secret := e.setupPIN(t, e.sess.AccessToken, "4817")
	pin := func(c, id string) map[string]any {
		return map[string]any{"in": map[string]any{"deviceId": id, "challenge": c, "pin": "4817", "deviceSecret": secret}}
	}
	t.Run("OtherInstall", func(t *testing.T) {
		c := e.Challenge(t, "device-2")
		e.Do(t, "", quickQ, pin(c, "device-1")).WantCode(t, "UNAUTHENTICATED")
	})
	t.Run("Replay", func(t *testing.T) {
		c := e.Challenge(t, "device-1")
		wantSignedIn(t, e, e.Do(t, "", quickQ, pin(c, "device-1")), "PIN")
		e.Do(t, "", quickQ, pin(c, "device-1")).WantCode(t, "UNAUTHENTICATED")
	})
	t.Run("Expired", func(t *testing.T) {
		c := e.Challenge(t, "device-1")
		e.Clock.Add(61 * time.Second)
		e.Do(t, "", quickQ, pin(c, "device-1")).WantCode(t, "UNAUTHENTICATED")
	})
	t.Run("Tampered", func(t *testing.T) {
		for _, i := range []int{0, 13, 31} { // nonce, expiry, MAC
			c, err := base64.StdEncoding.DecodeString(e.Challenge(t, "device-1"))
			if err != nil {
				t.Fatal(err)
			}
			c[i] ^= 1
			e.Do(t, "", quickQ, pin(base64.StdEncoding.EncodeToString(c), "device-1")).WantCode(t, "UNAUTHENTICATED")
		}
	})
	t.Run("OtherInstance", func(t *testing.T) {
		e2 := secondInstance(t, e.Env)
		c := e.Challenge(t, "device-1")
		wantSignedIn(t, e, e2.Do(t, "", quickQ, pin(c, "device-1")), "PIN")
		// …and it is spent for the first instance too.
		e.Do(t, "", quickQ, pin(c, "device-1")).WantCode(t, "UNAUTHENTICATED")
	})
}

// TestQuickLoginOldPINVerifier: a PIN set up when verifiers were argon2id
// still signs in, once with the slow hash; the verifier is then re-stored
// as a MAC, and a wrong PIN is still counted.
func TestQuickLoginOldPINVerifier(t *testing.T) {
	e := startQuick(t)
	secret := e.setupPIN(t, e.sess.AccessToken, "4817")
	old, err := e.App.Auth.Hasher.Hash(context.Background(), secret+":4817", e.App.Keys.Derive("pin-pepper"))
	if err != nil {
		t.Fatal(err)
	}
	testkit.SQLiteOnly(t) // the rest edits the SQLite file
	rw, err := sql.Open("sqlite3", "file:"+e.DBPath+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer rw.Close()
	if _, err := rw.Exec(`UPDATE quick_logins SET pin_hash = ?`, old); err != nil {
		t.Fatal(err)
	}
	e.pinLogin(t, "device-1", secret, "1111").WantCode(t, "UNAUTHENTICATED")
	stored := func() string {
		var s string
		if err := rw.QueryRow(`SELECT pin_hash FROM quick_logins`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	if s := stored(); s != old {
		t.Fatalf("a wrong PIN changed the verifier to %q", s)
	}
	wantSignedIn(t, e, e.pinLogin(t, "device-1", secret, "4817"), "PIN")
	if s := stored(); !strings.HasPrefix(s, "hmac-sha256$") {
		t.Fatalf("got verifier %q after a right PIN, want it re-stored as hmac-sha256$…", s)
	}
	wantSignedIn(t, e, e.pinLogin(t, "device-1", secret, "4817"), "PIN")
	e.pinLogin(t, "device-1", secret, "1111").WantCode(t, "UNAUTHENTICATED")
}
