package app_test

import (
	"testing"

	"github.com/kabinet/kabinet/internal/testkit"
)

// BenchmarkQuickLogin measures a whole quick login over HTTP: challenge,
// then quickLogin (and the session it starts).
func BenchmarkQuickLogin(b *testing.B) {
	env := testkit.Start(b)
	org, key := env.NewOrg(b, "Org")
	env.SeedEmployees(b, key, 2)
	s1 := env.EmployeeSession(b, org, "E-1", "device-1")
	s2 := env.EmployeeSession(b, org, "E-2", "device-2")
	var out setupOut
	env.Do(b, s1.AccessToken, setupQ, map[string]any{"m": "PIN", "p": "4817"}).Must(b, &out)
	secret := *out.SetupQuickLogin.DeviceSecret
	k := testkit.NewPhoneKey(b)
	env.Do(b, s2.AccessToken, setupQ, map[string]any{"m": "BIOMETRIC", "k": k.PublicKey}).Must(b, nil)

	b.Run("PIN", func(b *testing.B) {
		for b.Loop() {
			c := env.Challenge(b, "device-1")
			env.Do(b, "", quickQ, map[string]any{"in": map[string]any{"deviceId": "device-1", "challenge": c, "pin": "4817", "deviceSecret": secret}}).Must(b, nil)
		}
	})
	b.Run("Biometric", func(b *testing.B) {
		for b.Loop() {
			c := env.Challenge(b, "device-2")
			env.Do(b, "", quickQ, map[string]any{"in": map[string]any{"deviceId": "device-2", "challenge": c, "signature": k.Sign(b, c)}}).Must(b, nil)
		}
	})
}
