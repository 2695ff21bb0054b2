package app_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/kabinet/kabinet/internal/testkit"
)

// BenchmarkQuickLogin measures a whole quick login over HTTP: challenge,
// then quickLogin (and the session it starts).
func BenchmarkQuickLogin(b *testing.B) {
	env := testkit.Start(b)
	org, key := env.NewOrg(b, "Org")
	const phones = 34
	env.SeedEmployees(b, key, phones)
	s2 := env.EmployeeSession(b, org, "E-2", "device-2")
	secrets := map[int]string{}
	for i := 1; i <= phones; i++ {
		if i == 2 {
			continue
		}
		s := env.EmployeeSession(b, org, fmt.Sprintf("E-%d", i), fmt.Sprintf("device-%d", i))
		var out setupOut
		env.Do(b, s.AccessToken, setupQ, map[string]any{"m": "PIN", "p": "4817"}).Must(b, &out)
		secrets[i] = *out.SetupQuickLogin.DeviceSecret
	}
	k := testkit.NewPhoneKey(b)
	env.Do(b, s2.AccessToken, setupQ, map[string]any{"m": "BIOMETRIC", "k": k.PublicKey}).Must(b, nil)
	pin := func(b *testing.B, phone int) {
		id := fmt.Sprintf("device-%d", phone)
		c := env.Challenge(b, id)
		env.Do(b, "", quickQ, map[string]any{"in": map[string]any{"deviceId": id, "challenge": c, "pin": "4817", "deviceSecret": secrets[phone]}}).Must(b, nil)
	}

	b.Run("PIN", func(b *testing.B) {
		for b.Loop() {
			pin(b, 1)
		}
	})
	// PINStorm is a sign-in storm: 32 phones at once, each asking for a
	// challenge and signing in with it (two requests per sign-in).
	b.Run("PINStorm", func(b *testing.B) {
		var next atomic.Int32
		b.SetParallelism(16)
		b.RunParallel(func(pb *testing.PB) {
			phone := 3 + int(next.Add(1)-1)%(phones-2)
			for pb.Next() {
				pin(b, phone)
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signins/s")
	})
	b.Run("Biometric", func(b *testing.B) {
		for b.Loop() {
			c := env.Challenge(b, "device-2")
			env.Do(b, "", quickQ, map[string]any{"in": map[string]any{"deviceId": "device-2", "challenge": c, "signature": k.Sign(b, c)}}).Must(b, nil)
		}
	})
}
