package testkit

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"testing"
)

// PhoneKey is a P-256 key pair as a phone's secure hardware makes it for
// biometric login.
type PhoneKey struct {
	Private *ecdsa.PrivateKey
	// PublicKey is the base64 DER SubjectPublicKeyInfo the app registers.
	PublicKey string
}

// NewPhoneKey generates a P-256 key pair and encodes its public half the way
// the app sends it (x509.MarshalPKIXPublicKey, standard base64).
func NewPhoneKey(tb testing.TB) *PhoneKey {
	tb.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatalf("generate key: %v", err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		tb.Fatalf("marshal key: %v", err)
	}
	return &PhoneKey{Private: k, PublicKey: base64.StdEncoding.EncodeToString(der)}
}

// Sign signs the challenge bytes (the base64 challenge decoded) with
// ECDSA-SHA256 and returns the base64 ASN.1 signature, as
// Signature.getInstance("SHA256withECDSA") or SecKeyCreateSignature(
// .ecdsaSignatureMessageX962SHA256) do.
func (k *PhoneKey) Sign(tb testing.TB, challenge string) string {
	tb.Helper()
	msg, err := base64.StdEncoding.DecodeString(challenge)
	if err != nil {
		tb.Fatalf("challenge %q is not base64: %v", challenge, err)
	}
	digest := sha256.Sum256(msg)
	sig, err := ecdsa.SignASN1(rand.Reader, k.Private, digest[:])
	if err != nil {
		tb.Fatalf("sign: %v", err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

// Challenge asks for a quick-login challenge for the install clientID.
func (e *Env) Challenge(tb testing.TB, clientID string) string {
	tb.Helper()
	var out struct{ QuickLoginChallenge struct{ Challenge string } }
	e.Do(tb, "", `mutation($d: String!) { quickLoginChallenge(deviceId: $d) { challenge expiresAt } }`,
		map[string]any{"d": clientID}).Must(tb, &out)
	return out.QuickLoginChallenge.Challenge
}
