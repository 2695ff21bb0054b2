package app_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/testkit"
)

func TestEmployeeSession(t *testing.T) {
	env := testkit.Start(t)
	org, key := env.NewOrg(t, "Org")
	env.SeedEmployees(t, key, 2)
	s := env.EmployeeSession(t, org, "E-1", "")

	t.Run("OK", func(t *testing.T) {
		var out struct{ Me struct{ ExternalID string } }
		env.Do(t, s.AccessToken, `{ me { externalId } }`, nil).Must(t, &out)
		if out.Me.ExternalID != "E-1" {
			t.Fatalf("got me %q, want E-1", out.Me.ExternalID)
		}
	})
	t.Run("Devices", func(t *testing.T) {
		var out struct {
			Devices []struct {
				ID, InstallID, Platform, Model string
				Current                        bool
			}
		}
		// Signing in again without the model keeps the one recorded.
		env.App.Auth.StartSession(context.Background(), org, s.EmployeeID, kabinet.Device{ClientID: "device-1", Platform: "ANDROID"}, kabinet.MethodPassword)
		env.Do(t, s.AccessToken, `{ devices { id installId platform model current } }`, nil).Must(t, &out)
		if len(out.Devices) != 1 || out.Devices[0].Platform != "ANDROID" || out.Devices[0].Model != "Pixel 8" || !out.Devices[0].Current ||
			out.Devices[0].InstallID != "device-1" || !strings.HasPrefix(out.Devices[0].ID, "dev_") {
			t.Fatalf("got devices %+v", out.Devices)
		}
	})
	t.Run("ErrForbiddenOnHROperation", func(t *testing.T) {
		env.Do(t, s.AccessToken, `{ departments { name } }`, nil).WantCode(t, "FORBIDDEN")
	})
	t.Run("ErrExpired", func(t *testing.T) {
		env.Clock.Add(16 * time.Minute)
		defer env.Clock.Add(-16 * time.Minute)
		env.Do(t, s.AccessToken, `{ me { externalId } }`, nil).WantCode(t, "UNAUTHENTICATED")
	})
	t.Run("RefreshRotatesAndReuseKillsFamily", func(t *testing.T) {
		var r1 struct {
			RefreshSession struct{ AccessToken, RefreshToken string }
		}
		q := `mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken } }`
		env.Do(t, "", q, map[string]any{"t": s.RefreshToken}).Must(t, &r1)
		if r1.RefreshSession.RefreshToken == s.RefreshToken {
			t.Fatal("refresh token was not rotated")
		}
		env.Do(t, r1.RefreshSession.AccessToken, `{ me { externalId } }`, nil).Must(t, nil)
		// Replaying the spent token ends the family: the successor dies too.
		env.Do(t, "", q, map[string]any{"t": s.RefreshToken}).WantCode(t, "UNAUTHENTICATED")
		env.Do(t, r1.RefreshSession.AccessToken, `{ me { externalId } }`, nil).WantCode(t, "UNAUTHENTICATED")
		env.Do(t, "", q, map[string]any{"t": r1.RefreshSession.RefreshToken}).WantCode(t, "UNAUTHENTICATED")
	})
}

func TestAuthPolicy(t *testing.T) {
	env := testkit.Start(t)
	_, key := env.NewOrg(t, "Org")
	type policy struct {
		QuickLoginMethods     []string
		PinLength             int
		MaxPinAttempts        int
		AccessTokenTtlSeconds int
		AskLoginOnActivation  bool
	}
	const fields = `quickLoginMethods pinLength maxPinAttempts accessTokenTtlSeconds askLoginOnActivation`
	t.Run("Defaults", func(t *testing.T) {
		var out struct{ AuthPolicy policy }
		env.Do(t, key, `{ authPolicy { `+fields+` } }`, nil).Must(t, &out)
		p := out.AuthPolicy
		if len(p.QuickLoginMethods) != 2 || p.PinLength != 4 || p.MaxPinAttempts != 5 || p.AccessTokenTtlSeconds != 900 || p.AskLoginOnActivation {
			t.Fatalf("got default policy %+v", p)
		}
	})
	t.Run("Update", func(t *testing.T) {
		var out struct{ UpdateAuthPolicy policy }
		env.Do(t, key, `mutation { updateAuthPolicy(input: {quickLoginMethods: [BIOMETRIC], pinLength: 6, askLoginOnActivation: true}) { `+fields+` } }`, nil).Must(t, &out)
		p := out.UpdateAuthPolicy
		if len(p.QuickLoginMethods) != 1 || p.QuickLoginMethods[0] != "BIOMETRIC" || p.PinLength != 6 || !p.AskLoginOnActivation || p.MaxPinAttempts != 5 {
			t.Fatalf("got updated policy %+v", p)
		}
	})
	t.Run("ErrOutOfRange", func(t *testing.T) {
		for _, in := range []string{`pinLength: 3`, `pinLength: 9`, `maxPinAttempts: 0`, `accessTokenTtlSeconds: 7200`, `refreshTokenTtlSeconds: 10`} {
			env.Do(t, key, `mutation { updateAuthPolicy(input: {`+in+`}) { pinLength } }`, nil).WantCode(t, "BAD_USER_INPUT")
		}
		var out struct{ AuthPolicy policy }
		env.Do(t, key, `{ authPolicy { `+fields+` } }`, nil).Must(t, &out)
		if out.AuthPolicy.PinLength != 6 {
			t.Fatalf("got pinLength %d after refused updates, want 6", out.AuthPolicy.PinLength)
		}
	})
}

// TestTokensOnSharedConnections: many employees' tokens over keep-alive
// connections, concurrently; each request must run as its own employee.
// (Header bytes behind Fiber's adaptor are reused between requests: a token
// kept without copying once made one employee's request run as another.)
func TestTokensOnSharedConnections(t *testing.T) {
	env := testkit.Start(t)
	org, key := env.NewOrg(t, "Org")
	ids := env.SeedEmployees(t, key, 12)
	tokens := map[string]string{}
	for _, id := range ids {
		tokens[id] = env.EmployeeToken(t, org, id)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 1000)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := 0; round < 10; round++ {
				for _, id := range ids {
					var out struct{ Me struct{ ExternalID string } }
					env.Do(t, tokens[id], `{ me { externalId } }`, nil).Must(t, &out)
					if out.Me.ExternalID != id {
						errs <- fmt.Sprintf("the token of %s ran as %s", id, out.Me.ExternalID)
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
