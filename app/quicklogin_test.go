package app_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/app"
	"github.com/kabinet/kabinet/internal/testkit"
	"github.com/kabinet/kabinet/throttle"
)

const (
	setupQ = `mutation($m: QuickLoginMethod!, $p: String, $k: String) {
		setupQuickLogin(input: {method: $m, pin: $p, publicKey: $k}) { method deviceId deviceSecret } }`
	quickQ = `mutation($in: QuickLoginInput!) {
		quickLogin(input: $in) { accessToken refreshToken accessTokenExpiresAt quickLoginMethod employee { externalId } } }`
	meQ = `{ me { externalId } }`
)

type setupOut struct {
	SetupQuickLogin struct {
		Method, DeviceID string
		DeviceSecret     *string
	}
}

type quickOut struct {
	QuickLogin struct {
		AccessToken, RefreshToken string
		QuickLoginMethod          *string
		Employee                  struct{ ExternalID string }
	}
}

// quickEnv is an organisation with two employees; E-1 has signed in with
// the password on "device-1".
type quickEnv struct {
	*testkit.Env
	org, key string
	sess     *kabinet.Session
}

func startQuick(t *testing.T, opts ...testkit.Option) *quickEnv {
	t.Helper()
	env := testkit.Start(t, opts...)
	org, key := env.NewOrg(t, "Org")
	env.SeedEmployees(t, key, 2)
	return &quickEnv{Env: env, org: org, key: key, sess: env.EmployeeSession(t, org, "E-1", "device-1")}
}

func (e *quickEnv) setupPIN(t *testing.T, token, pin string) string {
	t.Helper()
	var out setupOut
	e.Do(t, token, setupQ, map[string]any{"m": "PIN", "p": pin}).Must(t, &out)
	s := out.SetupQuickLogin
	if s.Method != "PIN" || s.DeviceSecret == nil || s.DeviceID != "device-1" {
		t.Fatalf("got set-up %+v, want method PIN, deviceId device-1 and a device secret", s)
	}
	return *s.DeviceSecret
}

func (e *quickEnv) setupBiometric(t *testing.T, token string) *testkit.PhoneKey {
	t.Helper()
	k := testkit.NewPhoneKey(t)
	var out setupOut
	e.Do(t, token, setupQ, map[string]any{"m": "BIOMETRIC", "k": k.PublicKey}).Must(t, &out)
	if s := out.SetupQuickLogin; s.Method != "BIOMETRIC" || s.DeviceSecret != nil {
		t.Fatalf("got set-up %+v, want method BIOMETRIC without device secret", s)
	}
	return k
}

func (e *quickEnv) pinLogin(t *testing.T, clientID, secret, pin string) *testkit.Response {
	t.Helper()
	c := e.Challenge(t, clientID)
	return e.Do(t, "", quickQ, map[string]any{"in": map[string]any{"deviceId": clientID, "challenge": c, "pin": pin, "deviceSecret": secret}})
}

func (e *quickEnv) bioLogin(t *testing.T, clientID string, k *testkit.PhoneKey) *testkit.Response {
	t.Helper()
	c := e.Challenge(t, clientID)
	return e.Do(t, "", quickQ, map[string]any{"in": map[string]any{"deviceId": clientID, "challenge": c, "signature": k.Sign(t, c)}})
}

func wantSignedIn(t *testing.T, e *quickEnv, r *testkit.Response, method string) quickOut {
	t.Helper()
	var out quickOut
	r.Must(t, &out)
	q := out.QuickLogin
	if q.QuickLoginMethod == nil || *q.QuickLoginMethod != method || q.Employee.ExternalID != "E-1" || q.RefreshToken == "" {
		t.Fatalf("got quickLogin %+v, want E-1 signed in with quickLoginMethod %s", q, method)
	}
	var me struct{ Me struct{ ExternalID string } }
	e.Do(t, q.AccessToken, meQ, nil).Must(t, &me)
	if me.Me.ExternalID != "E-1" {
		t.Fatalf("got me %q, want E-1", me.Me.ExternalID)
	}
	return out
}

func TestQuickLoginBiometric(t *testing.T) {
	e := startQuick(t)
	k := e.setupBiometric(t, e.sess.AccessToken)

	t.Run("OK", func(t *testing.T) {
		out := wantSignedIn(t, e, e.bioLogin(t, "device-1", k), "BIOMETRIC")
		// A biometric session is not fresh enough to set up quick login again.
		e.Do(t, out.QuickLogin.AccessToken, setupQ, map[string]any{"m": "BIOMETRIC", "k": k.PublicKey}).WantCode(t, "FORBIDDEN")
		// The refreshed session still reports the device's method.
		var r struct {
			RefreshSession struct{ QuickLoginMethod *string }
		}
		e.Do(t, "", `mutation($t: String!) { refreshSession(refreshToken: $t) { quickLoginMethod } }`,
			map[string]any{"t": out.QuickLogin.RefreshToken}).Must(t, &r)
		if m := r.RefreshSession.QuickLoginMethod; m == nil || *m != "BIOMETRIC" {
			t.Fatalf("got refreshed quickLoginMethod %v, want BIOMETRIC", m)
		}
	})
	t.Run("ErrOtherKey", func(t *testing.T) {
		e.bioLogin(t, "device-1", testkit.NewPhoneKey(t)).WantCode(t, "UNAUTHENTICATED")
	})
	t.Run("ErrReusedChallenge", func(t *testing.T) {
		c := e.Challenge(t, "device-1")
		in := map[string]any{"in": map[string]any{"deviceId": "device-1", "challenge": c, "signature": k.Sign(t, c)}}
		e.Do(t, "", quickQ, in).Must(t, nil)
		e.Do(t, "", quickQ, in).WantCode(t, "UNAUTHENTICATED")
	})
	t.Run("ErrChallengeOfOtherDevice", func(t *testing.T) {
		c := e.Challenge(t, "device-2")
		e.Do(t, "", quickQ, map[string]any{"in": map[string]any{"deviceId": "device-1", "challenge": c, "signature": k.Sign(t, c)}}).
			WantCode(t, "UNAUTHENTICATED")
	})
	t.Run("ErrExpiredChallenge", func(t *testing.T) {
		c := e.Challenge(t, "device-1")
		e.Clock.Add(61 * time.Second)
		e.Do(t, "", quickQ, map[string]any{"in": map[string]any{"deviceId": "device-1", "challenge": c, "signature": k.Sign(t, c)}}).
			WantCode(t, "UNAUTHENTICATED")
		// One just within the minute still works.
		c = e.Challenge(t, "device-1")
		e.Clock.Add(59 * time.Second)
		e.Do(t, "", quickQ, map[string]any{"in": map[string]any{"deviceId": "device-1", "challenge": c, "signature": k.Sign(t, c)}}).Must(t, nil)
	})
	t.Run("UnknownDeviceGetsAChallengeThatFails", func(t *testing.T) {
		e.bioLogin(t, "never-seen", k).WantCode(t, "UNAUTHENTICATED")
	})
	t.Run("HistoryShowsQuickLoginsAndFailures", func(t *testing.T) {
		var out struct {
			LoginHistory []struct {
				Method, Address string
				DeviceID        *string
				Success         bool
			}
		}
		e.Do(t, e.sess.AccessToken, `{ loginHistory { at deviceId deviceModel address method success } }`, nil).Must(t, &out)
		var ok, failed int
		for _, ev := range out.LoginHistory {
			if ev.Method == "BIOMETRIC" && ev.Address == "127.0.0.1" && ev.DeviceID != nil && *ev.DeviceID == e.sess.DeviceID {
				if ev.Success {
					ok++
				} else {
					failed++
				}
			}
		}
		// OK, ErrReusedChallenge and ErrExpiredChallenge signed in; ErrOtherKey failed.
		if ok != 3 || failed != 1 {
			t.Fatalf("got %d biometric sign-ins and %d failures in the history, want 3 and 1: %+v", ok, failed, out.LoginHistory)
		}
	})
}

func TestQuickLoginPIN(t *testing.T) {
	e := startQuick(t)
	secret := e.setupPIN(t, e.sess.AccessToken, "4817")

	t.Run("OK", func(t *testing.T) {
		wantSignedIn(t, e, e.pinLogin(t, "device-1", secret, "4817"), "PIN")
		var out struct {
			Devices []struct {
				QuickLoginMethod *string
				Current          bool
			}
		}
		e.Do(t, e.sess.AccessToken, `{ devices { id quickLoginMethod current } }`, nil).Must(t, &out)
		if len(out.Devices) != 1 || out.Devices[0].QuickLoginMethod == nil || *out.Devices[0].QuickLoginMethod != "PIN" || !out.Devices[0].Current {
			t.Fatalf("got devices %+v, want the current device with PIN", out.Devices)
		}
	})
	t.Run("ErrWrongSecret", func(t *testing.T) {
		e.pinLogin(t, "device-1", kabinet.RandomToken(32), "4817").WantCode(t, "UNAUTHENTICATED")
	})
	t.Run("ErrSecretOfOtherInstall", func(t *testing.T) {
		e.pinLogin(t, "device-2", secret, "4817").WantCode(t, "UNAUTHENTICATED")
	})
	t.Run("ReplacedByBiometric", func(t *testing.T) {
		k := e.setupBiometric(t, e.sess.AccessToken)
		e.pinLogin(t, "device-1", secret, "4817").WantCode(t, "UNAUTHENTICATED")
		wantSignedIn(t, e, e.bioLogin(t, "device-1", k), "BIOMETRIC")
		secret = e.setupPIN(t, e.sess.AccessToken, "4817")
		e.bioLogin(t, "device-1", k).WantCode(t, "UNAUTHENTICATED")
		wantSignedIn(t, e, e.pinLogin(t, "device-1", secret, "4817"), "PIN")
	})
}

func TestQuickLoginSetupNeedsRecentPassword(t *testing.T) {
	e := startQuick(t)
	e.Clock.Add(5*time.Minute + time.Second)
	r := e.Do(t, e.sess.AccessToken, setupQ, map[string]any{"m": "PIN", "p": "4817"})
	if err := r.WantCode(t, "FORBIDDEN"); !strings.Contains(err.Message, "password") {
		t.Fatalf("got message %q, want it to ask for a password sign-in", err.Message)
	}
	// A fresh password sign-in on the device allows it.
	s := e.EmployeeSession(t, e.org, "E-1", "device-1")
	e.setupPIN(t, s.AccessToken, "4817")
	// The refreshed family keeps its password time, and so ages out too.
	e.Clock.Add(4 * time.Minute)
	var r2 struct{ RefreshSession struct{ AccessToken string } }
	e.Do(t, "", `mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken } }`, map[string]any{"t": s.RefreshToken}).Must(t, &r2)
	e.setupPIN(t, r2.RefreshSession.AccessToken, "4817")
	e.Clock.Add(2 * time.Minute)
	e.Do(t, r2.RefreshSession.AccessToken, setupQ, map[string]any{"m": "PIN", "p": "4817"}).WantCode(t, "FORBIDDEN")
}

func TestQuickLoginPINLock(t *testing.T) {
	e := startQuick(t)
	secret := e.setupPIN(t, e.sess.AccessToken, "4817")

	for i := 1; i <= 4; i++ {
		err := e.pinLogin(t, "device-1", secret, "9999").WantCode(t, "UNAUTHENTICATED")
		if want := fmt.Sprintf("%d attempt(s) left", 5-i); !strings.Contains(err.Message, want) {
			t.Fatalf("attempt %d: got %q, want %q", i, err.Message, want)
		}
	}
	// A right PIN before the limit clears the counter…
	wantSignedIn(t, e, e.pinLogin(t, "device-1", secret, "4817"), "PIN")
	for i := 1; i <= 5; i++ {
		e.pinLogin(t, "device-1", secret, "9999").WantCode(t, "UNAUTHENTICATED")
	}
	// …but at the limit the right PIN no longer helps, and the lock holds
	// for another instance (or a restart) on the same database.
	e.pinLogin(t, "device-1", secret, "4817").WantCode(t, "FORBIDDEN")
	other := &quickEnv{Env: secondInstance(t, e.Env), org: e.org, key: e.key, sess: e.sess}
	other.pinLogin(t, "device-1", secret, "4817").WantCode(t, "FORBIDDEN")
	var dev struct {
		Devices []struct{ QuickLoginMethod *string }
	}
	e.Do(t, e.sess.AccessToken, `{ devices { quickLoginMethod } }`, nil).Must(t, &dev)
	if len(dev.Devices) != 1 || dev.Devices[0].QuickLoginMethod == nil {
		t.Fatalf("got devices %+v, want the locked device to keep its PIN set-up", dev.Devices)
	}

	// A password sign-in on another device does not unlock this one…
	e.EmployeeSession(t, e.org, "E-1", "device-2")
	e.pinLogin(t, "device-1", secret, "4817").WantCode(t, "FORBIDDEN")
	// …one on this device does, and tells the app the device's method.
	if s := e.EmployeeSession(t, e.org, "E-1", "device-1"); s.QuickLoginMethod != "PIN" {
		t.Fatalf("got quickLoginMethod %q after a password sign-in, want PIN", s.QuickLoginMethod)
	}
	wantSignedIn(t, e, e.pinLogin(t, "device-1", secret, "4817"), "PIN")
}

func TestQuickLoginAliasedAttemptsAllCount(t *testing.T) {
	e := startQuick(t)
	secret := e.setupPIN(t, e.sess.AccessToken, "4817")
	var sel, decl []string
	vars := map[string]any{}
	for i := range 10 {
		decl = append(decl, fmt.Sprintf("$c%d: String!", i))
		sel = append(sel, fmt.Sprintf(`a%d: quickLogin(input: {deviceId: "device-1", challenge: $c%d, pin: "9999", deviceSecret: $s}) { accessToken }`, i, i))
		vars[fmt.Sprintf("c%d", i)] = e.Challenge(t, "device-1")
	}
	vars["s"] = secret
	r := e.Do(t, "", "mutation("+strings.Join(decl, ", ")+", $s: String!) {\n"+strings.Join(sel, "\n")+"\n}", vars)
	codes := map[string]int{}
	for _, err := range r.Errors {
		codes[err.Code()]++
	}
	if len(r.Errors) != 10 || codes["UNAUTHENTICATED"] != 5 || codes["FORBIDDEN"] != 5 {
		t.Fatalf("got error codes %v, want 5 wrong PINs (UNAUTHENTICATED) then 5 refusals (FORBIDDEN)", codes)
	}
	e.pinLogin(t, "device-1", secret, "4817").WantCode(t, "FORBIDDEN")
}

func TestQuickLoginConcurrentGuessesNeverExceedLimit(t *testing.T) {
	e := startQuick(t)
	secret := e.setupPIN(t, e.sess.AccessToken, "4817")
	const n = 12
	challenges := make([]string, n)
	for i := range challenges {
		challenges[i] = e.Challenge(t, "device-1")
	}
	var wg sync.WaitGroup
	codes := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = e.Do(t, "", quickQ, map[string]any{"in": map[string]any{"deviceId": "device-1", "challenge": challenges[i], "pin": "9999", "deviceSecret": secret}}).Code()
		}()
	}
	wg.Wait()
	wrong := 0
	for _, c := range codes {
		if c == "UNAUTHENTICATED" {
			wrong++
		}
	}
	if wrong != 5 {
		t.Fatalf("got %d PINs checked out of %d concurrent guesses (codes %v), want exactly 5", wrong, n, codes)
	}
}

func TestQuickLoginPolicy(t *testing.T) {
	e := startQuick(t)
	secret := e.setupPIN(t, e.sess.AccessToken, "4817")
	wantSignedIn(t, e, e.pinLogin(t, "device-1", secret, "4817"), "PIN")

	e.Do(t, e.key, `mutation { updateAuthPolicy(input: {quickLoginMethods: [BIOMETRIC]}) { pinLength } }`, nil).Must(t, nil)
	e.pinLogin(t, "device-1", secret, "4817").WantCode(t, "FORBIDDEN")
	e.Do(t, e.sess.AccessToken, setupQ, map[string]any{"m": "PIN", "p": "4817"}).WantCode(t, "FORBIDDEN")
	k := e.setupBiometric(t, e.sess.AccessToken)

	e.Do(t, e.key, `mutation { updateAuthPolicy(input: {quickLoginMethods: [], pinLength: 6}) { pinLength } }`, nil).Must(t, nil)
	e.bioLogin(t, "device-1", k).WantCode(t, "FORBIDDEN")

	e.Do(t, e.key, `mutation { updateAuthPolicy(input: {quickLoginMethods: [PIN, BIOMETRIC]}) { pinLength } }`, nil).Must(t, nil)
	wantSignedIn(t, e, e.bioLogin(t, "device-1", k), "BIOMETRIC")
	// The policy's PIN length now applies to new PINs.
	e.Do(t, e.sess.AccessToken, setupQ, map[string]any{"m": "PIN", "p": "4817"}).WantCode(t, "BAD_USER_INPUT")
	secret = e.setupPIN(t, e.sess.AccessToken, "481735")
	wantSignedIn(t, e, e.pinLogin(t, "device-1", secret, "481735"), "PIN")
}

func TestQuickLoginCleared(t *testing.T) {
	e := startQuick(t)
	secret := e.setupPIN(t, e.sess.AccessToken, "4817")
	s2 := e.EmployeeSession(t, e.org, "E-1", "device-2")
	k := e.setupBiometric(t, s2.AccessToken)

	t.Run("RevokeDevice", func(t *testing.T) {
		e.Do(t, s2.AccessToken, `mutation($id: ID!) { revokeDevice(id: $id) }`, map[string]any{"id": e.sess.DeviceID}).Must(t, nil)
		e.Do(t, e.sess.AccessToken, meQ, nil).WantCode(t, "UNAUTHENTICATED")
		e.Do(t, "", `mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken } }`, map[string]any{"t": e.sess.RefreshToken}).
			WantCode(t, "UNAUTHENTICATED")
		e.pinLogin(t, "device-1", secret, "4817").WantCode(t, "UNAUTHENTICATED")
		wantSignedIn(t, e, e.bioLogin(t, "device-2", k), "BIOMETRIC")
	})
	t.Run("ClearQuickLogins", func(t *testing.T) {
		if err := e.App.Auth.ClearQuickLogins(context.Background(), s2.EmployeeID); err != nil {
			t.Fatal(err)
		}
		e.bioLogin(t, "device-2", k).WantCode(t, "UNAUTHENTICATED")
		e.Do(t, s2.AccessToken, meQ, nil).Must(t, nil) // sessions stay
	})
	t.Run("EndAllSessions", func(t *testing.T) {
		s3 := e.EmployeeSession(t, e.org, "E-1", "device-3")
		k3 := e.setupBiometric(t, s3.AccessToken)
		if err := e.App.Auth.EndAllSessions(context.Background(), s3.EmployeeID, "blocked by HR"); err != nil {
			t.Fatal(err)
		}
		e.Do(t, s3.AccessToken, meQ, nil).WantCode(t, "UNAUTHENTICATED")
		e.bioLogin(t, "device-3", k3).WantCode(t, "UNAUTHENTICATED")
	})
}

// Two employees on one install (a shared phone): each quick login picks
// the employee whose credentials match.
func TestQuickLoginSharedInstall(t *testing.T) {
	e := startQuick(t)
	k1 := e.setupBiometric(t, e.sess.AccessToken)
	s2 := e.EmployeeSession(t, e.org, "E-2", "device-1")
	k2 := testkit.NewPhoneKey(t)
	e.Do(t, s2.AccessToken, setupQ, map[string]any{"m": "BIOMETRIC", "k": k2.PublicKey}).Must(t, nil)
	wantSignedIn(t, e, e.bioLogin(t, "device-1", k1), "BIOMETRIC")
	var out quickOut
	e.bioLogin(t, "device-1", k2).Must(t, &out)
	if out.QuickLogin.Employee.ExternalID != "E-2" {
		t.Fatalf("got %s signed in with E-2's key, want E-2", out.QuickLogin.Employee.ExternalID)
	}
}

func TestQuickLoginBadInput(t *testing.T) {
	e := startQuick(t)
	secret := e.setupPIN(t, e.sess.AccessToken, "4817")
	s2 := e.EmployeeSession(t, e.org, "E-1", "device-2")
	k := e.setupBiometric(t, s2.AccessToken)
	p384, rsaKey, ed := otherKeys(t)

	t.Run("Setup", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			vars map[string]any
		}{
			{"NotBase64", map[string]any{"m": "BIOMETRIC", "k": "not base64!"}},
			{"NotDER", map[string]any{"m": "BIOMETRIC", "k": "aGVsbG8gd29ybGQ="}},
			{"P384", map[string]any{"m": "BIOMETRIC", "k": p384}},
			{"RSA", map[string]any{"m": "BIOMETRIC", "k": rsaKey}},
			{"Ed25519", map[string]any{"m": "BIOMETRIC", "k": ed}},
			{"NoKey", map[string]any{"m": "BIOMETRIC"}},
			{"OversizedKey", map[string]any{"m": "BIOMETRIC", "k": strings.Repeat("A", 100_000)}},
			{"PINWithKey", map[string]any{"m": "PIN", "p": "4817", "k": k.PublicKey}},
			{"PINTooShort", map[string]any{"m": "PIN", "p": "481"}},
			{"PINTooLong", map[string]any{"m": "PIN", "p": "48173"}},
			{"PINNotDigits", map[string]any{"m": "PIN", "p": "48a7"}},
			{"PINUnicodeDigits", map[string]any{"m": "PIN", "p": "٤٨١٧"}},
			{"PINTrivial0000", map[string]any{"m": "PIN", "p": "0000"}},
			{"PINTrivial1234", map[string]any{"m": "PIN", "p": "1234"}},
			{"PINTrivial2580", map[string]any{"m": "PIN", "p": "2580"}},
			{"PINTrivial1212", map[string]any{"m": "PIN", "p": "1212"}},
			{"NoPIN", map[string]any{"m": "PIN"}},
			{"OversizedPIN", map[string]any{"m": "PIN", "p": strings.Repeat("7", 100_000)}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				e.Do(t, e.sess.AccessToken, setupQ, tc.vars).WantCode(t, "BAD_USER_INPUT")
			})
		}
		// Nothing changed: the PIN set up before still works.
		wantSignedIn(t, e, e.pinLogin(t, "device-1", secret, "4817"), "PIN")
	})

	t.Run("QuickLogin", func(t *testing.T) {
		sig := func(c string) string { return k.Sign(t, c) }
		for _, tc := range []struct {
			name string
			in   func(c string) map[string]any
		}{
			{"NoCredentials", func(c string) map[string]any { return map[string]any{"deviceId": "device-1", "challenge": c} }},
			{"PINWithoutSecret", func(c string) map[string]any {
				return map[string]any{"deviceId": "device-1", "challenge": c, "pin": "4817"}
			}},
			{"SecretWithoutPIN", func(c string) map[string]any {
				return map[string]any{"deviceId": "device-1", "challenge": c, "deviceSecret": secret}
			}},
			{"PINAndSignature", func(c string) map[string]any {
				return map[string]any{"deviceId": "device-1", "challenge": c, "pin": "4817", "deviceSecret": secret, "signature": sig(c)}
			}},
			{"PINNotDigits", func(c string) map[string]any {
				return map[string]any{"deviceId": "device-1", "challenge": c, "pin": "48x7", "deviceSecret": secret}
			}},
			{"PINTooShort", func(c string) map[string]any {
				return map[string]any{"deviceId": "device-1", "challenge": c, "pin": "481", "deviceSecret": secret}
			}},
			{"PINTooLong", func(c string) map[string]any {
				return map[string]any{"deviceId": "device-1", "challenge": c, "pin": "481748174", "deviceSecret": secret}
			}},
			{"OversizedSecret", func(c string) map[string]any {
				return map[string]any{"deviceId": "device-1", "challenge": c, "pin": "4817", "deviceSecret": strings.Repeat("a", 100_000)}
			}},
			{"SignatureNotBase64", func(c string) map[string]any {
				return map[string]any{"deviceId": "device-2", "challenge": c, "signature": "@@@"}
			}},
			{"OversizedSignature", func(c string) map[string]any {
				return map[string]any{"deviceId": "device-2", "challenge": c, "signature": strings.Repeat("A", 100_000)}
			}},
			{"ChallengeNotBase64", func(c string) map[string]any {
				return map[string]any{"deviceId": "device-1", "challenge": "!!", "pin": "4817", "deviceSecret": secret}
			}},
			{"ChallengeWrongSize", func(c string) map[string]any {
				return map[string]any{"deviceId": "device-1", "challenge": "AAAA", "pin": "4817", "deviceSecret": secret}
			}},
			{"OversizedChallenge", func(c string) map[string]any {
				return map[string]any{"deviceId": "device-1", "challenge": strings.Repeat("A", 100_000), "pin": "4817", "deviceSecret": secret}
			}},
			{"EmptyDeviceID", func(c string) map[string]any {
				return map[string]any{"deviceId": "", "challenge": c, "pin": "4817", "deviceSecret": secret}
			}},
			{"OversizedDeviceID", func(c string) map[string]any {
				return map[string]any{"deviceId": strings.Repeat("d", 100_000), "challenge": c, "pin": "4817", "deviceSecret": secret}
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c := e.Challenge(t, "device-1")
				e.Do(t, "", quickQ, map[string]any{"in": tc.in(c)}).WantCode(t, "BAD_USER_INPUT")
				// Nothing was spent or counted: the same challenge still signs in.
				r := e.Do(t, "", quickQ, map[string]any{"in": map[string]any{"deviceId": "device-1", "challenge": c, "pin": "4817", "deviceSecret": secret}})
				wantSignedIn(t, e, r, "PIN")
			})
		}
		t.Run("ErrChallengeDeviceIDBad", func(t *testing.T) {
			for _, id := range []string{"", strings.Repeat("d", 129), "has space", "ünïcode"} {
				e.Do(t, "", `mutation($d: String!) { quickLoginChallenge(deviceId: $d) { challenge } }`, map[string]any{"d": id}).
					WantCode(t, "BAD_USER_INPUT")
			}
		})
	})

	t.Run("Unauthenticated", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			in   func(c string) map[string]any
		}{
			{"BadSignature", func(c string) map[string]any {
				return map[string]any{"deviceId": "device-2", "challenge": c, "signature": k.Sign(t, e.Challenge(t, "device-2"))}
			}},
			{"GarbageSignature", func(c string) map[string]any {
				return map[string]any{"deviceId": "device-2", "challenge": c, "signature": "MEUCIQ=="}
			}},
			{"UnknownDevice", func(c string) map[string]any {
				return map[string]any{"deviceId": "device-9", "challenge": c, "pin": "4817", "deviceSecret": secret}
			}},
			{"NeverIssuedChallenge", func(string) map[string]any {
				return map[string]any{"deviceId": "device-1", "challenge": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "pin": "4817", "deviceSecret": secret}
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				id := tc.in("")["deviceId"].(string)
				c := e.Challenge(t, id)
				e.Do(t, "", quickQ, map[string]any{"in": tc.in(c)}).WantCode(t, "UNAUTHENTICATED")
			})
		}
		// None of these touched the PIN counter: four wrong PINs are still allowed.
		for range 4 {
			e.pinLogin(t, "device-1", secret, "9999").WantCode(t, "UNAUTHENTICATED")
		}
		wantSignedIn(t, e, e.pinLogin(t, "device-1", secret, "4817"), "PIN")
	})
}

func TestQuickLoginAddressThrottle(t *testing.T) {
	e := startQuick(t, func(_ *app.Config, o *app.Options) {
		o.AuthLimits.QuickPerAddress = throttle.Rule{Max: 3, Window: 10 * time.Minute}
	})
	secret := e.setupPIN(t, e.sess.AccessToken, "4817")
	early := e.Challenge(t, "device-1") // taken before the failures
	for range 3 {
		e.pinLogin(t, "device-9", secret, "4817").WantCode(t, "UNAUTHENTICATED")
	}
	err := e.Do(t, "", quickQ, map[string]any{"in": map[string]any{"deviceId": "device-1", "challenge": early, "pin": "4817", "deviceSecret": secret}}).WantCode(t, "RATE_LIMITED")
	if s, _ := err.Extensions["retryAfterSeconds"].(float64); s < 1 || s > 600 {
		t.Fatalf("got retryAfterSeconds %v, want 1 to 600", err.Extensions["retryAfterSeconds"])
	}
	e.Do(t, "", `mutation { quickLoginChallenge(deviceId: "device-1") { challenge } }`, nil).WantCode(t, "RATE_LIMITED")
	e.Clock.Add(10 * time.Minute)
	wantSignedIn(t, e, e.pinLogin(t, "device-1", secret, "4817"), "PIN")
}

type notice struct {
	employeeID, deviceClientID string
	others                     []string
}

type recordingNotifier struct {
	mu      sync.Mutex
	notices []notice
}

func (n *recordingNotifier) NewDeviceSignIn(_ context.Context, _, employeeID string, d *kabinet.Device, others []string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.notices = append(n.notices, notice{employeeID, d.ClientID, others})
}

func TestNewDeviceNotice(t *testing.T) {
	n := &recordingNotifier{}
	e := startQuick(t, func(_ *app.Config, o *app.Options) { o.NewDevice = n })
	e.EmployeeSession(t, e.org, "E-1", "device-1") // known device: no notice
	s2 := e.EmployeeSession(t, e.org, "E-1", "device-2")
	n.mu.Lock()
	got := n.notices
	n.mu.Unlock()
	if len(got) != 1 || got[0].deviceClientID != "device-2" || len(got[0].others) != 1 || got[0].others[0] != e.sess.DeviceID {
		t.Fatalf("got notices %+v, want one for device-2 with others [%s]", got, e.sess.DeviceID)
	}
	hist, err := e.App.DB.LoginHistory(context.Background(), s2.EmployeeID, 10)
	if err != nil {
		t.Fatal(err)
	}
	var reasons []string
	for _, ev := range hist {
		reasons = append(reasons, ev.Reason)
	}
	if len(hist) != 3 || hist[0].Reason != kabinet.ReasonNewDevice || hist[0].DeviceID != s2.DeviceID || hist[1].Reason != "" || hist[2].Reason != "" {
		t.Fatalf("got login reasons %q (newest first), want the device-2 sign-in recorded as %q", reasons, kabinet.ReasonNewDevice)
	}
}

// TestQuickLoginChallengeThrottle: an address that has failed too many
// quick logins gets no more challenges until its window ends.
func TestQuickLoginChallengeThrottle(t *testing.T) {
	e := startQuick(t, func(_ *app.Config, o *app.Options) {
		o.AuthLimits.QuickPerAddress = throttle.Rule{Max: 3, Window: time.Minute}
	})
	const q = `mutation($d: String!) { quickLoginChallenge(deviceId: $d) { challenge } }`
	for range 3 {
		e.bioLogin(t, "install-1", testkit.NewPhoneKey(t)).WantCode(t, "UNAUTHENTICATED")
	}
	e.Do(t, "", q, map[string]any{"d": "install-9"}).WantCode(t, "RATE_LIMITED")
	e.Clock.Add(time.Minute)
	e.Do(t, "", q, map[string]any{"d": "install-9"}).Must(t, nil)
}
