package activation_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/auth"
)

// TestStrangersCannotLockKnownDevice: wrong passwords for a login from
// devices its employee never used do not lock the devices they use; those
// unknown devices are delayed, more after every failure, never locked.
func TestStrangersCannotLockKnownDevice(t *testing.T) {
	w := newWorld(t)
	w.publish(t, emp("E-1", "Иванов", "Иван", "Иванович", "ivanov@example.com", ""))
	code := *w.createCabinets(t, "E-1")[0].ActivationCode
	w.mustActivate(t, code, "correct horse battery", "phone-1")

	rule := auth.DefaultLimits.PerUnknownDevices
	for i := range rule.Free {
		w.login(t, "ИвановИИ", fmt.Sprintf("guess %d", i), fmt.Sprintf("stranger-%d", i)).WantCode(t, "UNAUTHENTICATED")
	}
	wait := rule.Backoff
	for i := range 4 {
		e := w.login(t, "ИвановИИ", "guess", fmt.Sprintf("stranger-x%d", i)).WantCode(t, "RATE_LIMITED")
		if s, _ := e.Extensions["retryAfterSeconds"].(float64); time.Duration(s)*time.Second != wait {
			t.Fatalf("stranger %d: got retryAfterSeconds %v, want %v", i, e.Extensions["retryAfterSeconds"], wait.Seconds())
		}
		// The employee's own phone is not held up at any point.
		w.login(t, "ИвановИИ", "correct horse battery", "phone-1").Must(t, nil)
		w.env.Clock.Add(wait)
		w.login(t, "ИвановИИ", "guess", fmt.Sprintf("stranger-y%d", i)).WantCode(t, "UNAUTHENTICATED")
		wait *= 2
	}
	// A new device of the employee waits like any unknown one, then gets in.
	w.login(t, "ИвановИИ", "correct horse battery", "new-phone").WantCode(t, "RATE_LIMITED")
	w.env.Clock.Add(wait)
	w.login(t, "ИвановИИ", "correct horse battery", "new-phone").Must(t, nil)
}

// TestProvenAddressAllowsMoreFailures: an address that has signed people in
// (an office behind NAT) may fail more often than a stranger's.
func TestProvenAddressAllowsMoreFailures(t *testing.T) {
	w := newWorld(t)
	const n = 5
	var ids []string
	for i := 1; i <= n; i++ {
		id := fmt.Sprintf("E-%d", i)
		ids = append(ids, id)
		w.publish(t, emp(id, "Сотрудник", "Имя", "Отчество", fmt.Sprintf("e%d@example.com", i), ""))
	}
	for i, r := range w.createCabinets(t, ids...) {
		w.mustActivate(t, *r.ActivationCode, "correct horse battery", fmt.Sprintf("phone-%d", i))
	}
	lim := auth.DefaultLimits
	allowed := lim.PerAddress.Max + n*lim.ProvenBonus
	for i := range allowed {
		w.login(t, fmt.Sprintf("nobody-%d", i), "guess", fmt.Sprintf("d-%d", i)).WantCode(t, "UNAUTHENTICATED")
	}
	w.login(t, "nobody-x", "guess", "d-x").WantCode(t, "RATE_LIMITED")
}

// TestSignInCostsOneHash: whether the login exists, in one organisation or
// two, and whatever the password, a sign-in makes exactly one argon2id
// computation, so its time tells nothing.
func TestSignInCostsOneHash(t *testing.T) {
	w := newWorld(t)
	w.publish(t, emp("E-1", "Иванов", "Иван", "Иванович", "ivanov@example.com", ""))
	w.mustActivate(t, *w.createCabinets(t, "E-1")[0].ActivationCode, "correct horse battery", "phone-1")
	other, key := w.env.NewOrg(t, "ООО «Другое»")
	_ = other
	w2 := *w
	w2.key = key
	w2.publish(t, emp("E-1", "Иванов", "Иван", "Иванович", "ivanov@example.org", ""))
	w2.mustActivate(t, *w2.createCabinets(t, "E-1")[0].ActivationCode, "another good password", "phone-2")

	h := w.env.App.Auth.Hasher
	for _, tc := range []struct{ name, login, password, device, want string }{
		{"NoSuchLogin", "ПетровПП", "correct horse battery", "phone-9", "UNAUTHENTICATED"},
		{"WrongPassword", "ИвановИИ", "wrong password", "phone-9", "UNAUTHENTICATED"},
		{"FirstOrganisation", "ИвановИИ", "correct horse battery", "phone-1", ""},
		{"SecondOrganisation", "ИвановИИ", "another good password", "phone-2", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := h.Computed()
			r := w.login(t, tc.login, tc.password, tc.device)
			if r.Code() != tc.want {
				t.Fatalf("got code %q, want %q", r.Code(), tc.want)
			}
			if got := h.Computed() - before; got != 1 {
				t.Errorf("got %d argon2id computations, want 1", got)
			}
		})
	}
}

// TestAliasedSignInsHashOnce: a request with many aliased password
// sign-ins makes one argon2id computation; the other aliases are refused
// with BAD_USER_INPUT before hashing.
func TestAliasedSignInsHashOnce(t *testing.T) {
	w := newWorld(t)
	w.publish(t, emp("E-1", "Иванов", "Иван", "Иванович", "ivanov@example.com", ""))
	code := *w.createCabinets(t, "E-1")[0].ActivationCode
	w.mustActivate(t, code, "correct horse battery", "phone-1")
	const n = 20
	var doc strings.Builder
	doc.WriteString("mutation {\n")
	for i := range n {
		fmt.Fprintf(&doc, `a%d: login(input: {login: "ИвановИИ", password: "guess %d", device: {id: "phone-1", platform: ANDROID}}) { accessToken }`+"\n", i, i)
	}
	doc.WriteString("}")
	h := w.env.App.Auth.Hasher
	before := h.Computed()
	r := w.env.Do(t, "", doc.String(), nil)
	codes := map[string]int{}
	for _, e := range r.Errors {
		codes[e.Code()]++
	}
	if codes["UNAUTHENTICATED"] != 1 || codes["BAD_USER_INPUT"] != n-1 {
		t.Errorf("got error codes %v, want 1 UNAUTHENTICATED and %d BAD_USER_INPUT", codes, n-1)
	}
	if got := h.Computed() - before; got != 1 {
		t.Errorf("got %d argon2id computations, want 1", got)
	}
}
