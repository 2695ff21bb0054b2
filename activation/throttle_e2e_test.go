package activation_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/activation"
	"github.com/kabinet/kabinet/auth"
)

// TestBruteForceThrottled: a script guessing codes from one address is
// stopped with RATE_LIMITED and a retry-after, even when it changes its
// device id every time; a real employee on that address gets in again once
// the window has passed.
func TestBruteForceThrottled(t *testing.T) {
	w := newWorld(t)
	w.publish(t, emp("E-1", "Иванов", "Иван", "Иванович", "ivanov@example.com", ""))
	code := *w.createCabinets(t, "E-1")[0].ActivationCode

	limit := auth.DefaultLimits.PerAddress.Max
	for i := 0; i < limit; i++ {
		guess := activation.FormatCode(activation.NewCode())
		r := w.activate(t, guess, "correct horse battery", fmt.Sprintf("script-%d", i), nil)
		if r.Code() != "UNAUTHENTICATED" {
			t.Fatalf("guess %d: got %q, want UNAUTHENTICATED", i+1, r.Code())
		}
	}
	e := w.activate(t, activation.FormatCode(activation.NewCode()), "correct horse battery", "script-x", nil).WantCode(t, "RATE_LIMITED")
	if s, _ := e.Extensions["retryAfterSeconds"].(float64); s <= 0 || s > 15*60 {
		t.Errorf("got retryAfterSeconds %v, want 1..900", e.Extensions["retryAfterSeconds"])
	}
	// While the address is blocked, even the right code waits.
	w.activate(t, code, "correct horse battery", "phone-1", nil).WantCode(t, "RATE_LIMITED")
	w.wantStatuses(t, map[string]string{"E-1": "CREATED"})

	w.env.Clock.Add(auth.DefaultLimits.PerAddress.Window)
	w.mustActivate(t, code, "correct horse battery", "phone-1")
}

// TestThrottlePerDeviceAndCode: one device guessing, and one known code
// tried with many passwords (from many devices), are stopped sooner.
func TestThrottlePerDeviceAndCode(t *testing.T) {
	w := newWorld(t)
	w.publish(t, emp("E-1", "Иванов", "Иван", "Иванович", "ivanov@example.com", ""))
	code := *w.createCabinets(t, "E-1")[0].ActivationCode
	w.mustActivate(t, code, "correct horse battery", "phone-1")

	t.Run("Device", func(t *testing.T) {
		for i := 0; i < auth.DefaultLimits.PerDevice.Max; i++ {
			w.activate(t, activation.NewCode(), "x", "thief", nil).WantCode(t, "UNAUTHENTICATED")
		}
		w.activate(t, activation.NewCode(), "x", "thief", nil).WantCode(t, "RATE_LIMITED")
		// Malformed codes count too.
		w.activate(t, "nonsense", "x", "thief", nil).WantCode(t, "RATE_LIMITED")
	})
	t.Run("Code", func(t *testing.T) {
		for i := 0; i < activation.RulePerCode.Max; i++ {
			w.activate(t, code, fmt.Sprintf("guess number %d", i), fmt.Sprintf("d-%d", i), nil).WantCode(t, "UNAUTHENTICATED")
		}
		w.activate(t, code, "correct horse battery", "phone-2", nil).WantCode(t, "RATE_LIMITED")
		w.env.Clock.Add(activation.RulePerCode.Window)
		w.mustActivate(t, code, "correct horse battery", "phone-2")
	})
	t.Run("Login", func(t *testing.T) {
		for i := 0; i < auth.DefaultLimits.PerKnownDevice.Max; i++ {
			w.login(t, "ИвановИИ", fmt.Sprintf("guess number %d", i), "phone-1").WantCode(t, "UNAUTHENTICATED")
		}
		// The known device locked itself; the failures are in the history.
		w.login(t, "ивановии", "correct horse battery", "phone-1").WantCode(t, "RATE_LIMITED")
		var out struct{ Login payload }
		w.env.Clock.Add(auth.DefaultLimits.PerKnownDevice.Window)
		w.login(t, "ИвановИИ", "correct horse battery", "phone-1").Must(t, &out)
		var h struct{ LoginHistory []struct{ Success bool } }
		w.env.Do(t, out.Login.AccessToken, `{ loginHistory(limit: 50) { success } }`, nil).Must(t, &h)
		failed := 0
		for _, e := range h.LoginHistory {
			if !e.Success {
				failed++
			}
		}
		if failed < auth.DefaultLimits.PerKnownDevice.Max {
			t.Errorf("got %d failed sign-ins in the history, want at least %d", failed, auth.DefaultLimits.PerKnownDevice.Max)
		}
	})
}

// TestNATManySuccesses: a whole office behind one address activates a
// hundred cabinets within minutes, some with a typo first, and nobody is
// throttled: only failures count.
func TestNATManySuccesses(t *testing.T) {
	w := newWorld(t)
	const n = 100
	var emps []map[string]any
	var ids []string
	for i := 1; i <= n; i++ {
		id := fmt.Sprintf("E-%03d", i)
		ids = append(ids, id)
		emps = append(emps, emp(id, "Сотрудник", "Имя", "Отчество", fmt.Sprintf("e%d@example.com", i), ""))
	}
	w.publish(t, emps...)
	rs := w.createCabinets(t, ids...)
	for i, r := range rs {
		if r.ActivationCode == nil {
			t.Fatalf("%s: got no code (%s)", r.EmployeeExternalID, r.Status)
		}
		if i%3 == 0 { // a typo: one symbol changed
			typo := []byte(*r.ActivationCode)
			typo[0] = map[bool]byte{true: 'B', false: 'A'}[typo[0] == 'A']
			w.activate(t, string(typo), "correct horse battery", "phone-"+r.EmployeeExternalID, nil).WantCode(t, "UNAUTHENTICATED")
		}
		w.mustActivate(t, *r.ActivationCode, "correct horse battery", "phone-"+r.EmployeeExternalID)
		w.env.Clock.Add(2 * time.Second)
	}
	got := w.statuses(t)
	active := 0
	for _, c := range got {
		if c.Status == "ACTIVE" {
			active++
		}
	}
	if active != n {
		t.Errorf("got %d active cabinets, want %d", active, n)
	}
	if !strings.HasPrefix(str(got["E-002"].Employee.Login), "СотрудникИО") {
		t.Errorf("got login %q, want СотрудникИО…", str(got["E-002"].Employee.Login))
	}
}
