package kabinet

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// Decimal is an exact fixed-point number with two fractional digits, kept as
// an integer count of hundredths: kopecks for money, hundredths of a day for
// leave. It never passes through float64.
type Decimal int64

// maxDecimal bounds parsed values well inside int64 so that sums of a few
// thousand lines cannot overflow: 10^15 hundredths is 10 trillion roubles.
const maxDecimal = 1_000_000_000_000_000

// ParseDecimal parses a decimal string such as "12345.67", "-3", "0.5".
// At most two fractional digits are accepted; exponents, spaces, a leading
// "+", thousands separators and commas are not.
func ParseDecimal(s string) (Decimal, error) {
	if s == "" {
		return 0, errors.New("empty number")
	}
	neg := false
	if s[0] == '-' {
		neg, s = true, s[1:]
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" || (hasDot && frac == "") {
		return 0, errors.New("not a decimal number")
	}
	if len(frac) > 2 {
		return 0, errors.New("more than two fractional digits")
	}
	for _, part := range []string{intPart, frac} {
		for _, r := range part {
			if r < '0' || r > '9' {
				return 0, errors.New("not a decimal number")
			}
		}
	}
	if len(intPart) > 13 {
		return 0, errors.New("number too large")
	}
	n, err := strconv.ParseInt(intPart, 10, 64)
	if err != nil {
		return 0, errors.New("not a decimal number")
	}
	for len(frac) < 2 {
		frac += "0"
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	v := n*100 + f
	if v > maxDecimal {
		return 0, errors.New("number too large")
	}
	if neg {
		v = -v
	}
	return Decimal(v), nil
}

// String formats d with exactly two fractional digits: "12345.67", "-0.50".
func (d Decimal) String() string {
	v := int64(d)
	sign := ""
	if v < 0 {
		sign = "-"
		if v == math.MinInt64 {
			return "-92233720368547758.08"
		}
		v = -v
	}
	frac := strconv.FormatInt(v%100, 10)
	if len(frac) == 1 {
		frac = "0" + frac
	}
	return sign + strconv.FormatInt(v/100, 10) + "." + frac
}
