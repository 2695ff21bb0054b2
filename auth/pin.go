package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// PIN verifiers: why a keyed MAC and not argon2id.
//
// A PIN has 4 to 8 digits: at most 10^8 values, which no hash, however
// slow, protects on its own — argon2id at 25 ms a try falls to one core in
// a month for 8 digits and in minutes for 4. What protects a PIN is that a
// try needs something the attacker does not have:
//
//   - Online, every try needs the device's 256-bit secret (which only the
//     phone holds) and a fresh challenge, and is counted in the database:
//     the quick login locks after the policy's few wrong PINs. The hash's
//     speed plays no part.
//   - Offline, from a copy of the database, the attacker has SHA-256 of the
//     device secret (useless: the secret has 256 bits of entropy and cannot
//     be found from it) and the verifier HMAC-SHA256(pepper, secret ":" pin).
//     Without the secret, no PIN can be tried at any speed; with the pepper
//     too (a key derived from KABINET_SECRET, not in the database when that
//     is set) it still needs the secret. argon2id would add nothing here.
//   - An attacker who holds the phone's secret (a stolen, unlocked, rooted
//     phone) can try PINs only online, against the counter.
//
// So PINs are verified with a MAC (microseconds, no memory), and argon2id
// is kept for passwords, which are the secret on their own and must resist
// an offline dictionary attack. This is what lets PIN sign-in run at the
// rate of the rest of the API instead of queueing for the hasher.
//
// Verifiers set up before this change are argon2id PHC strings ("$argon2id$…"
// of the same secret ":" pin). They are verified once with the hasher; after
// a right PIN the verifier is re-stored as a MAC, so each device pays the
// slow hash once and nobody has to set the PIN up again.
const pinMACPrefix = "hmac-sha256$"

func pinMessage(deviceSecret, pin string) string { return deviceSecret + ":" + pin }

// pinVerifier is what the database keeps of a PIN.
func (s *Service) pinVerifier(deviceSecret, pin string) string {
	m := hmac.New(sha256.New, s.PINPepper)
	m.Write([]byte(pinMessage(deviceSecret, pin)))
	return pinMACPrefix + base64.RawStdEncoding.EncodeToString(m.Sum(nil))
}

// checkPIN reports whether pin and deviceSecret match a stored verifier
// of the old argon2id form and, if so, the MAC verifier to store instead.
func (s *Service) checkPIN(ctx context.Context, stored, deviceSecret, pin string) (ok bool, upgrade string, err error) {
	want := s.pinVerifier(deviceSecret, pin)
	ok, err = s.Hasher.Verify(ctx, stored, pinMessage(deviceSecret, pin), s.PINPepper)
	if ok {
		upgrade = want
	}
	return ok, upgrade, err
}
