package passhash_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/passhash"
)

func TestHashVerify(t *testing.T) {
	h := passhash.New(passhash.Params{Memory: 1024, Time: 1, Threads: 1}, 2)
	ctx := context.Background()
	pepper := []byte("pepper")
	enc, err := h.Hash(ctx, "correct horse", pepper)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("got encoding %q, want a PHC argon2id string", enc)
	}
	enc2, _ := h.Hash(ctx, "correct horse", pepper)
	if enc == enc2 {
		t.Fatal("two hashes of one secret are equal: the salt is not random")
	}
	for _, tt := range []struct {
		secret string
		pepper []byte
		want   bool
	}{
		{"correct horse", pepper, true},
		{"correct horsE", pepper, false},
		{"correct horse", nil, false},
		{"correct horse", []byte("other"), false},
	} {
		ok, err := h.Verify(ctx, enc, tt.secret, tt.pepper)
		if err != nil || ok != tt.want {
			t.Errorf("Verify(%q, pepper %q) = %v, %v; want %v", tt.secret, tt.pepper, ok, err, tt.want)
		}
	}
	// Parameters come from the stored hash, not from the hasher.
	strong := passhash.New(passhash.DefaultParams, 1)
	if ok, err := strong.Verify(ctx, enc, "correct horse", pepper); !ok || err != nil {
		t.Errorf("Verify with other default params = %v, %v; want true", ok, err)
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=18$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=x$AA$AA", "$argon2id$v=19$m=1,t=1,p=1$!!$AA"} {
		if _, err := h.Verify(ctx, bad, "x", nil); err == nil {
			t.Errorf("Verify(%q) gave no error", bad)
		}
	}
}

func BenchmarkHashDefault(b *testing.B) {
	h := passhash.New(passhash.DefaultParams, 0)
	for b.Loop() {
		h.Hash(context.Background(), "password", nil)
	}
}
