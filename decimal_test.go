package kabinet_test

import (
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
