package app_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"io"
	"log/slog"
	"testing"

	"github.com/kabinet/kabinet/app"
	"github.com/kabinet/kabinet/internal/testkit"
)

// secondInstance starts another server on the same database file and clock,
// as a restart or a second instance would see it.
func secondInstance(t *testing.T, env *testkit.Env) *testkit.Env {
	t.Helper()
	cfg := env.App.Config
	cfg.Addr = "127.0.0.1:0"
	a, err := app.New(context.Background(), cfg, app.Options{Clock: env.Clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("second instance: %v", err)
	}
	if err := a.Start(); err != nil {
		a.Close()
		t.Fatalf("second instance: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	e2 := *env
	e2.App, e2.URL = a, "http://"+a.Addr()
	return &e2
}

// otherKeys returns base64 DER public keys that biometric set-up must
// refuse: P-384, RSA and Ed25519.
func otherKeys(t *testing.T) (p384, rsaKey, ed string) {
	t.Helper()
	enc := func(pub any) string {
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		return base64.StdEncoding.EncodeToString(der)
	}
	k384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	kr, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ked, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return enc(&k384.PublicKey), enc(&kr.PublicKey), enc(ked)
}
