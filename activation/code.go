package activation

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// CodeAlphabet is the alphabet of activation codes: Crockford's base32
// without the look-alikes 0/O, 1/I/L (and with U back in), 31 symbols.
const CodeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// CodeLength is the number of symbols in a code: 12 × log2(31) ≈ 59.4 bits.
const CodeLength = 12

// NewCode returns a fresh activation code from crypto/rand, uniformly
// distributed over the alphabet, in its normal form (no dashes).
func NewCode() string {
	const limit = 256 - 256%len(CodeAlphabet) // reject the biased tail
	out := make([]byte, 0, CodeLength)
	var buf [32]byte
	for len(out) < CodeLength {
		if _, err := rand.Read(buf[:]); err != nil {
			panic(err) // crypto/rand does not fail on supported platforms
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < CodeLength {
				out = append(out, CodeAlphabet[int(b)%len(CodeAlphabet)])
			}
		}
	}
	return string(out)
}

// FormatCode shows a normal-form code in groups of four: XXXX-XXXX-XXXX.
func FormatCode(code string) string {
	if len(code) != CodeLength {
		return code
	}
	return code[0:4] + "-" + code[4:8] + "-" + code[8:12]
}

// cyrillic maps Cyrillic letters that look like Latin ones (a phone keyboard
// left in the Russian layout) to the Latin letter.
var cyrillic = map[rune]rune{
	'А': 'A', 'В': 'B', 'Е': 'E', 'К': 'K', 'М': 'M', 'Н': 'H', 'Р': 'P',
	'С': 'C', 'Т': 'T', 'У': 'Y', 'Х': 'X',
}

// NormalizeCode turns what a person typed into the normal form: upper case,
// without spaces and dashes, Cyrillic look-alikes read as Latin. ok is false
// when the result is not CodeLength symbols of the alphabet.
func NormalizeCode(typed string) (code string, ok bool) {
	if len(typed) > 64 {
		return "", false
	}
	var b strings.Builder
	for _, r := range strings.ToUpper(typed) {
		switch {
		case r == ' ' || r == '-' || r == '\t' || r == '\u00a0' || r == '–':
			continue
		case cyrillic[r] != 0:
			r = cyrillic[r]
		}
		if r > 127 || strings.IndexByte(CodeAlphabet, byte(r)) < 0 {
			return "", false
		}
		b.WriteRune(r)
	}
	if b.Len() != CodeLength {
		return "", false
	}
	return b.String(), true
}

// hashCode is the keyed hash under which a code is stored: HMAC-SHA256 with
// a server key, so a stolen database does not let anyone test codes offline.
func hashCode(key []byte, code string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(code))
	return hex.EncodeToString(m.Sum(nil))
}

// sameHash compares two hex hashes in constant time.
func sameHash(a, b string) bool { return hmac.Equal([]byte(a), []byte(b)) }
