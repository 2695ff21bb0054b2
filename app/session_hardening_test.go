package app_test

import (
	"bytes"
	"database/sql"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	_ "github.com/mattn/go-sqlite3"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/testkit"
)

const refreshQ = `mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken } }`

type refreshOut struct {
	RefreshSession struct{ AccessToken, RefreshToken string }
}

func refresh(t *testing.T, env *testkit.Env, token string) *testkit.Response {
	t.Helper()
	return env.Do(t, "", refreshQ, map[string]any{"t": token})
}

// rawDB opens the test database read-only, to check what is stored.
func rawDB(t *testing.T, env *testkit.Env) *sql.DB {
	t.Helper()
	testkit.SQLiteOnly(t) // the rest reads the SQLite file
	db, err := sql.Open("sqlite3", "file:"+env.DBPath+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestRefreshConcurrentYieldsOneSuccessor(t *testing.T) {
	env := testkit.Start(t)
	org, key := env.NewOrg(t, "Org")
	env.SeedEmployees(t, key, 1)
	s := env.EmployeeSession(t, org, "E-1", "")

	const n = 8
	var wg sync.WaitGroup
	start := make(chan struct{})
	results := make([]*testkit.Response, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i] = refresh(t, env, s.RefreshToken)
		}()
	}
	close(start)
	wg.Wait()
	var ok int
	for _, r := range results {
		switch r.Code() {
		case "":
			ok++
		case "UNAUTHENTICATED":
		default:
			t.Fatalf("got error %+v, want success or UNAUTHENTICATED", r.Errors)
		}
	}
	if ok != 1 {
		t.Fatalf("got %d successful refreshes out of %d concurrent ones with one token, want exactly 1", ok, n)
	}
	var tokens int
	if err := rawDB(t, env).QueryRow(`SELECT count(*) FROM refresh_tokens WHERE session_id = ?`, s.ID).Scan(&tokens); err != nil {
		t.Fatal(err)
	}
	if tokens != 2 {
		t.Fatalf("got %d refresh tokens in the family, want 2 (the original and one successor)", tokens)
	}
}

func TestRefreshTokenStorage(t *testing.T) {
	env := testkit.Start(t)
	org, key := env.NewOrg(t, "Org")
	env.SeedEmployees(t, key, 1)
	s := env.EmployeeSession(t, org, "E-1", "")
	var out refreshOut
	refresh(t, env, s.RefreshToken).Must(t, &out)
	for _, tok := range []string{s.RefreshToken, out.RefreshSession.RefreshToken} {
		// 256 bits in base32: 52 characters.
		if len(tok) != 52 {
			t.Fatalf("got a refresh token of %d characters, want 52 (256 bits)", len(tok))
		}
		var n int
		if err := rawDB(t, env).QueryRow(`SELECT count(*) FROM refresh_tokens WHERE token_hash = ?`, kabinet.HashSecret(tok)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("got %d rows with the token's SHA-256, want 1", n)
		}
		for _, f := range []string{env.DBPath, env.DBPath + "-wal"} {
			b, err := os.ReadFile(f)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			if bytes.Contains(b, []byte(tok)) {
				t.Fatalf("found a refresh token in clear in %s", f)
			}
		}
	}
}

func TestTokenExpiry(t *testing.T) {
	env := testkit.Start(t)
	org, key := env.NewOrg(t, "Org")
	env.SeedEmployees(t, key, 1)
	const day = 24 * time.Hour

	t.Run("AccessTokenByPolicy", func(t *testing.T) {
		env.Do(t, key, `mutation { updateAuthPolicy(input: {accessTokenTtlSeconds: 60}) { pinLength } }`, nil).Must(t, nil)
		defer func() {
			env.Do(t, key, `mutation { updateAuthPolicy(input: {accessTokenTtlSeconds: 900}) { pinLength } }`, nil).Must(t, nil)
		}()
		s := env.EmployeeSession(t, org, "E-1", "")
		env.Clock.Add(50 * time.Second)
		env.Do(t, s.AccessToken, meQ, nil).Must(t, nil)
		env.Clock.Add(16 * time.Second) // past 60 s and the 5 s leeway
		env.Do(t, s.AccessToken, meQ, nil).WantCode(t, "UNAUTHENTICATED")
		// The refresh token still works and gives a fresh access token.
		var out refreshOut
		refresh(t, env, s.RefreshToken).Must(t, &out)
		env.Do(t, out.RefreshSession.AccessToken, meQ, nil).Must(t, nil)
	})
	t.Run("RefreshIdle", func(t *testing.T) {
		s := env.EmployeeSession(t, org, "E-1", "")
		env.Clock.Add(30*day - time.Minute)
		var out refreshOut
		refresh(t, env, s.RefreshToken).Must(t, &out)
		env.Clock.Add(30 * day)
		refresh(t, env, out.RefreshSession.RefreshToken).WantCode(t, "UNAUTHENTICATED")
	})
	t.Run("RefreshAbsolute", func(t *testing.T) {
		s := env.EmployeeSession(t, org, "E-1", "")
		tok := s.RefreshToken
		for range 6 { // used every 29 days: never idle, 174 days in all
			env.Clock.Add(29 * day)
			var out refreshOut
			refresh(t, env, tok).Must(t, &out)
			tok = out.RefreshSession.RefreshToken
		}
		env.Clock.Add(7 * day) // 181 days after sign-in
		refresh(t, env, tok).WantCode(t, "UNAUTHENTICATED")
	})
}

func TestTokensRefused(t *testing.T) {
	env := testkit.Start(t)
	org, key := env.NewOrg(t, "Org")
	env.SeedEmployees(t, key, 1)
	s := env.EmployeeSession(t, org, "E-1", "")
	now := env.Clock.Now()
	good := jwt.MapClaims{"iss": "kabinet", "aud": "kabinet-app", "sub": s.EmployeeID, "org": org, "did": s.DeviceID, "sid": s.ID,
		"iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix()}
	with := func(k string, v any) jwt.MapClaims {
		c := jwt.MapClaims{}
		for kk, vv := range good {
			c[kk] = vv
		}
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	realKey := env.App.Keys.Derive("access-token")
	sign := func(m jwt.SigningMethod, c jwt.MapClaims, k any) string {
		tok, err := jwt.NewWithClaims(m, c).SignedString(k)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	// The forging works: with the real key and good claims the token passes.
	env.Do(t, sign(jwt.SigningMethodHS256, good, realKey), meQ, nil).Must(t, nil)

	logout := env.EmployeeSession(t, org, "E-1", "")
	env.Do(t, logout.AccessToken, `mutation { logout }`, nil).Must(t, nil)

	for _, tc := range []struct{ name, token string }{
		{"ForeignKey", sign(jwt.SigningMethodHS256, good, []byte("another server's key, 32 bytes!!"))},
		{"HS512", sign(jwt.SigningMethodHS512, good, realKey)},
		{"AlgNone", sign(jwt.SigningMethodNone, good, jwt.UnsafeAllowNoneSignatureType)},
		{"WrongAudience", sign(jwt.SigningMethodHS256, with("aud", "other-app"), realKey)},
		{"WrongIssuer", sign(jwt.SigningMethodHS256, with("iss", "someone"), realKey)},
		{"NoExpiry", sign(jwt.SigningMethodHS256, with("exp", nil), realKey)},
		{"Expired", sign(jwt.SigningMethodHS256, with("exp", now.Add(-time.Minute).Unix()), realKey)},
		{"UnknownSession", sign(jwt.SigningMethodHS256, with("sid", "ses_unknown"), realKey)},
		{"OtherEmployeesSession", sign(jwt.SigningMethodHS256, with("sub", "emp_other"), realKey)},
		{"LoggedOut", logout.AccessToken},
		{"Garbage", "not-a-token"},
		{"RefreshTokenAsAccess", s.RefreshToken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env.Do(t, tc.token, meQ, nil).WantCode(t, "UNAUTHENTICATED")
		})
	}

	t.Run("EmployeeOnHROperation", func(t *testing.T) {
		for _, q := range []string{
			`{ departments { name } }`,
			`{ employees { externalId } }`,
			`{ authPolicy { pinLength } }`,
			`{ auditLog { id } }`,
			`mutation { updateAuthPolicy(input: {pinLength: 6}) { pinLength } }`,
			`mutation { retractPayslip(externalId: "P-1") }`,
			`mutation { createOrganization(input: {name: "X"}) { apiKey } }`,
		} {
			env.Do(t, s.AccessToken, q, nil).WantCode(t, "FORBIDDEN")
		}
	})
	t.Run("OrganizationKeyOnEmployeeOperation", func(t *testing.T) {
		for _, q := range []string{meQ, `{ devices { id } }`, `{ loginHistory { at } }`, `mutation { logout }`} {
			env.Do(t, key, q, nil).WantCode(t, "FORBIDDEN")
		}
	})
	t.Run("NoToken", func(t *testing.T) {
		env.Do(t, "", meQ, nil).WantCode(t, "UNAUTHENTICATED")
		env.Do(t, "", setupQ, map[string]any{"m": "PIN", "p": "4817"}).WantCode(t, "UNAUTHENTICATED")
	})
}

// gqlgen does not execute JSON-array batches: a batch of quick logins is
// refused whole, so it cannot slip attempts past the counters.
func TestBatchedRequestRefused(t *testing.T) {
	e := startQuick(t)
	secret := e.setupPIN(t, e.sess.AccessToken, "4817")
	var batch []map[string]any
	for range 3 {
		batch = append(batch, map[string]any{"query": quickQ, "variables": map[string]any{"in": map[string]any{
			"deviceId": "device-1", "challenge": e.Challenge(t, "device-1"), "pin": "9999", "deviceSecret": secret}}})
	}
	r := e.Post(t, "", batch)
	if r.Status != 400 || len(r.Errors) == 0 {
		t.Fatalf("got HTTP %d with errors %+v for a batch, want 400 with an error", r.Status, r.Errors)
	}
	for range 4 { // the batch counted nothing: four wrong PINs remain before the lock
		e.pinLogin(t, "device-1", secret, "9999").WantCode(t, "UNAUTHENTICATED")
	}
	wantSignedIn(t, e, e.pinLogin(t, "device-1", secret, "4817"), "PIN")
}
