package kabinet_test

import (
	"strings"
	"testing"

	"github.com/kabinet/kabinet"
)

func TestParseDecimal(t *testing.T) {
	ok := []struct {
		in   string
		want kabinet.Decimal
		out  string
	}{
		{"0", 0, "0.00"},
		{"12345.67", 1234567, "12345.67"},
		{"12.6", 1260, "12.60"},
		{"-3", -300, "-3.00"},
		{"-0.05", -5, "-0.05"},
		{"007.10", 710, "7.10"},
		{"9999999999999.99", 999999999999999, "9999999999999.99"},
	}
	for _, tt := range ok {
		got, err := kabinet.ParseDecimal(tt.in)
		if err != nil {
			t.Errorf("ParseDecimal(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want || got.String() != tt.out {
			t.Errorf("ParseDecimal(%q) = %d (%s), want %d (%s)", tt.in, got, got, tt.want, tt.out)
		}
	}
	for _, in := range []string{"", "-", ".5", "5.", "1.234", "1e5", "+1", " 1", "1 000", "1,5", "abc", "12345678901234", "0x10", "1.-5", "--1"} {
		if got, err := kabinet.ParseDecimal(in); err == nil {
			t.Errorf("ParseDecimal(%q) = %s, want an error", in, got)
		}
	}
}

// FuzzParseDecimal: whatever the text, ParseDecimal does not panic, and a
// number it accepts is in range and reads back from its String unchanged.
func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"0", "-3", "12345.67", "0.5", "9999999999999.99", "1e3", "+1", "1,5", "-", ".", "00012.30", "10000000000000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := kabinet.ParseDecimal(s)
		if err != nil {
			return
		}
		if d > 1e15 || d < -1e15 {
			t.Fatalf("ParseDecimal(%q) = %d, out of range", s, d)
		}
		back, err := kabinet.ParseDecimal(d.String())
		if err != nil || back != d {
			t.Fatalf("ParseDecimal(%q) = %v, its String %q reads back as %v, %v", s, d, d.String(), back, err)
		}
	})
}

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{
		"":                         `""`,
		"abc":                      `"abc"`,
		`a"b`:                      `"a\"b"`,
		strings.Repeat("x", 40):    `"` + strings.Repeat("x", 40) + `"`,
		strings.Repeat("x", 41):    `"` + strings.Repeat("x", 40) + `…"`,
		strings.Repeat("\xee", 20): `"` + strings.Repeat(`\xee`, 10) + `…"`,
		strings.Repeat("я", 30):    `"` + strings.Repeat("я", 20) + `…"`,
	} {
		if got := kabinet.Quote(in); got != want {
			t.Errorf("Quote(%.50q) = %s, want %s", in, got, want)
		}
	}
	if got := kabinet.Clip("привет", 5); got != "пр…" {
		t.Errorf("Clip = %q, want %q", got, "пр…")
	}
}
