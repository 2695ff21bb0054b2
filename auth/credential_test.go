package auth_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/auth"
)

func TestTrivialPIN(t *testing.T) {
	for _, tc := range []struct {
		pin  string
		want bool
	}{
		{"0000", true}, {"1111", true}, {"999999", true}, // repeated
		{"1234", true}, {"123456", true}, {"12345678", true}, {"7890", true}, {"8901", true}, // runs up, wrapping
		{"4321", true}, {"654321", true}, {"3210", true}, {"1098", true}, // runs down
		{"1357", true}, {"2468", true}, {"8642", true}, // constant steps
		{"1212", true}, {"6969", true}, {"121212", true}, // alternating
		{"123123", true}, {"4747", true}, {"52415241", true}, // repeated half
		{"2580", true}, {"0852", true}, // keypad column
		{"1221", true}, {"123321", true}, // mirrored run
		{"1004", true}, {"2000", true}, {"147258", true}, // well known
		{"4817", false}, {"4827", false}, {"3906", false}, {"271828", false}, {"73915", false}, {"4817203", false}, {"3773", false}, {"90210615", false},
	} {
		if got := auth.TrivialPIN(tc.pin); got != tc.want {
			t.Errorf("TrivialPIN(%q): got %v, want %v", tc.pin, got, tc.want)
		}
	}
}

// Few PINs are refused, so choosing one stays easy.
func TestTrivialPINShare(t *testing.T) {
	n := 0
	for i := range 10000 {
		pin := []byte{byte('0' + i/1000), byte('0' + i/100%10), byte('0' + i/10%10), byte('0' + i%10)}
		if auth.TrivialPIN(string(pin)) {
			n++
		}
	}
	t.Logf("%d of 10000 four-digit PINs refused", n)
	if n < 150 || n > 400 {
		t.Fatalf("got %d of 10000 four-digit PINs refused, want between 150 and 400", n)
	}
}

func TestCheckNewPIN(t *testing.T) {
	for _, tc := range []struct {
		pin    string
		length int
		ok     bool
	}{
		{"4817", 4, true}, {"481735", 6, true},
		{"481", 4, false}, {"48173", 4, false}, {"4817", 6, false}, // length
		{"48a7", 4, false}, {" 4817", 5, false}, {"４８１７", 4, false}, {"-817", 4, false}, // not ASCII digits
		{"1234", 4, false}, {"000000", 6, false}, // trivial
		{"", 4, false},
	} {
		err := auth.CheckNewPIN(tc.pin, tc.length)
		if (err == nil) != tc.ok || (err != nil && kabinet.ErrorCode(err) != kabinet.EBADINPUT) {
			t.Errorf("CheckNewPIN(%q, %d): got %v, want ok=%v or BAD_USER_INPUT", tc.pin, tc.length, err, tc.ok)
		}
	}
}

func TestCheckPINFormat(t *testing.T) {
	for pin, ok := range map[string]bool{"4817": true, "00000000": true, "123": false, "123456789": false, "12a4": false, "": false} {
		if err := auth.CheckPINFormat(pin); (err == nil) != ok {
			t.Errorf("CheckPINFormat(%q): got %v, want ok=%v", pin, err, ok)
		}
	}
}

func TestParseP256PublicKey(t *testing.T) {
	spki := func(c elliptic.Curve) []byte {
		k, err := ecdsa.GenerateKey(c, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	p256 := spki(elliptic.P256())
	t.Run("OK", func(t *testing.T) {
		for name, enc := range map[string]*base64.Encoding{"std": base64.StdEncoding, "raw": base64.RawStdEncoding, "url": base64.URLEncoding} {
			k, der, err := auth.ParseP256PublicKey(enc.EncodeToString(p256))
			if err != nil || k.Curve != elliptic.P256() || string(der) != string(p256) {
				t.Errorf("%s: got key %v, err %v; want the P-256 key", name, k, err)
			}
		}
	})
	for _, tc := range []struct{ name, in, msg string }{
		{"Empty", "", "required"},
		{"NotBase64", "%%%", "base64"},
		{"NotDER", base64.StdEncoding.EncodeToString([]byte("hello")), "DER"},
		{"Truncated", base64.StdEncoding.EncodeToString(p256[:40]), "DER"},
		{"P384", base64.StdEncoding.EncodeToString(spki(elliptic.P384())), "P-256"},
		{"P224", base64.StdEncoding.EncodeToString(spki(elliptic.P224())), "P-256"},
		{"TooLong", strings.Repeat("A", 600), "too long"},
	} {
		t.Run("Err"+tc.name, func(t *testing.T) {
			_, _, err := auth.ParseP256PublicKey(tc.in)
			if kabinet.ErrorCode(err) != kabinet.EBADINPUT || !strings.Contains(kabinet.ErrorMessage(err), tc.msg) {
				t.Fatalf("got %v, want BAD_USER_INPUT mentioning %q", err, tc.msg)
			}
		})
	}
}
