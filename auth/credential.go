package auth

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"strings"

	"github.com/kabinet/kabinet"
)

// Input bounds. Anything larger is refused before any work is done.
const (
	maxClientIDLen  = 128 // DeviceInput.id
	maxPublicKeyLen = 512 // base64 of a P-256 SubjectPublicKeyInfo is 124 characters
	maxSignatureLen = 200 // base64 of an ASN.1 P-256 signature is at most 96 characters
	maxSecretLen    = 128 // device secrets we issue are 52 characters
)

// decodeBase64 accepts standard or URL-safe base64, padded or not: phones
// produce all four.
func decodeBase64(s string) ([]byte, bool) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, true
		}
	}
	return nil, false
}

// ParseP256PublicKey decodes a base64 DER SubjectPublicKeyInfo and returns
// the key and its DER bytes. Only ECDSA keys on P-256 are accepted (the curve
// of the Secure Enclave and of Android Keystore's EC keys); anything else —
// RSA, another curve, not base64, not DER — is BAD_USER_INPUT.
func ParseP256PublicKey(b64 string) (*ecdsa.PublicKey, []byte, error) {
	if b64 == "" {
		return nil, nil, kabinet.Errorf(kabinet.EBADINPUT, "publicKey is required for BIOMETRIC")
	}
	if len(b64) > maxPublicKeyLen {
		return nil, nil, kabinet.Errorf(kabinet.EBADINPUT, "publicKey is too long (at most %d characters)", maxPublicKeyLen)
	}
	der, ok := decodeBase64(b64)
	if !ok {
		return nil, nil, kabinet.Errorf(kabinet.EBADINPUT, "publicKey must be base64")
	}
	ec, err := parseP256DER(der)
	return ec, der, err
}

func parseP256DER(der []byte) (*ecdsa.PublicKey, error) {
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, kabinet.Errorf(kabinet.EBADINPUT, "publicKey must be a DER SubjectPublicKeyInfo")
	}
	ec, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		return nil, kabinet.Errorf(kabinet.EBADINPUT, "publicKey must be an ECDSA P-256 key, not %s", keyKind(pub))
	}
	if ec.Curve != elliptic.P256() {
		return nil, kabinet.Errorf(kabinet.EBADINPUT, "publicKey must be on curve P-256, not %s", ec.Curve.Params().Name)
	}
	return ec, nil
}

func keyKind(pub any) string {
	switch pub.(type) {
	case *rsa.PublicKey:
		return "RSA"
	case ed25519.PublicKey:
		return "Ed25519"
	case *ecdh.PublicKey:
		return "X25519"
	}
	return "another kind of key"
}

// CheckPINFormat reports whether pin is made of 4 to 8 ASCII digits
// (BAD_USER_INPUT otherwise). It is what a quick login accepts whatever the
// current policy's length.
func CheckPINFormat(pin string) error {
	if len(pin) < minPINLength || len(pin) > maxPINLength || strings.Trim(pin, "0123456789") != "" {
		return kabinet.Errorf(kabinet.EBADINPUT, "pin must be %d to %d digits", minPINLength, maxPINLength)
	}
	return nil
}

// CheckNewPIN validates a PIN being set up: exactly length digits, and not
// one that is guessed first (BAD_USER_INPUT, see TrivialPIN).
func CheckNewPIN(pin string, length int) error {
	if len(pin) != length || strings.Trim(pin, "0123456789") != "" {
		return kabinet.Errorf(kabinet.EBADINPUT, "pin must be exactly %d digits", length)
	}
	if TrivialPIN(pin) {
		return kabinet.Errorf(kabinet.EBADINPUT, "this PIN is too easy to guess (repeated digits, a sequence, a keypad line or a date-like pattern); choose another")
	}
	return nil
}

// commonPINs are frequent PINs that no rule below catches (from published
// analyses of leaked PIN sets).
var commonPINs = map[string]bool{
	"1212": true, "6969": true, "1004": true, "2000": true, "4444": true, "2580": true, "0852": true,
	"1313": true, "1122": true, "7777": true, "1010": true, "2001": true, "1984": true, "0007": true,
	"5683": true, "1379": true, "1397": true, "7410": true, "3690": true, "1470": true, "1590": true,
	"112233": true, "121212": true, "123123": true, "159753": true, "147258": true, "258258": true,
	"102030": true, "101010": true, "007007": true, "131313": true, "520520": true, "696969": true,
	"11223344": true, "12121212": true, "12344321": true, "12341234": true,
}

// TrivialPIN reports whether a PIN is among the first an attacker tries: one
// repeated digit, a run up or down or any constant step (wrapping, so 7890,
// 3210 and 1357 count), two alternating digits (1212), a repeated half
// (123123), a straight line on the keypad (2580), a mirrored run (1221), or
// a well-known PIN.
func TrivialPIN(pin string) bool {
	n := len(pin)
	if n == 0 || commonPINs[pin] {
		return true
	}
	d := make([]int, n)
	for i := range pin {
		d[i] = int(pin[i] - '0')
	}
	// A constant step covers repeated digits (0), runs up (1) or down (9),
	// and every other progression (1357, 8642).
	step, alt := true, n > 2
	for i := 1; i < n; i++ {
		step = step && (d[i]-d[i-1]+10)%10 == (d[1]-d[0]+10)%10
		if i >= 2 {
			alt = alt && d[i] == d[i-2]
		}
	}
	if step || alt {
		return true
	}
	if n%2 == 0 && pin[:n/2] == pin[n/2:] {
		return true
	}
	if n%2 == 0 && pin[:n/2] == reverse(pin[n/2:]) && unitRun(d[:n/2]) {
		return true
	}
	return keypadLine(pin)
}

// unitRun reports whether digits repeat or count up or down by one.
func unitRun(d []int) bool {
	for _, step := range []int{0, 1, 9} {
		ok := true
		for i := 1; i < len(d); i++ {
			ok = ok && (d[i]-d[i-1]+10)%10 == step
		}
		if ok {
			return true
		}
	}
	return false
}

func reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// keypadLine reports whether every digit follows the previous one along one
// straight line of the phone keypad (1 2 3 / 4 5 6 / 7 8 9 / _ 0 _), in one
// direction: 2580, 0852, 147, 369, 159, 753, 456…
func keypadLine(pin string) bool {
	pos := func(c byte) (int, int) {
		if c == '0' {
			return 3, 1
		}
		k := int(c - '1')
		return k / 3, k % 3
	}
	if len(pin) < 3 {
		return false
	}
	r0, c0 := pos(pin[0])
	r1, c1 := pos(pin[1])
	dr, dc := r1-r0, c1-c0
	if dr < -1 || dr > 1 || dc < -1 || dc > 1 || (dr == 0 && dc == 0) {
		return false
	}
	for i := 2; i < len(pin); i++ {
		r, c := pos(pin[i])
		pr, pc := pos(pin[i-1])
		if r-pr != dr || c-pc != dc {
			return false
		}
	}
	return true
}
