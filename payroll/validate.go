package payroll

import (
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kabinet/kabinet"
)

// text trims s and checks it is at most max runes of printable text.
// It returns the cleaned value and a reason when invalid.
func text(s string, required bool, max int) (string, string) {
	s = strings.TrimSpace(s)
	switch {
	case s == "" && required:
		return s, "is required"
	case !utf8.ValidString(s):
		return s, "is not valid UTF-8"
	case utf8.RuneCountInString(s) > max:
		return s, fmt.Sprintf("is longer than %d characters", max)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return s, "contains control characters"
		}
	}
	return s, ""
}

// batch wraps kabinet.BatchError with field checks that report in place.
type batch struct {
	*kabinet.BatchError
	i   int
	ext string
}

func newBatch(what string) *batch { return &batch{BatchError: kabinet.NewBatchError(what)} }

// at sets the item being checked.
func (b *batch) at(i int, ext string) { b.i, b.ext = i, ext }

func (b *batch) fail(field, format string, args ...any) {
	b.Add(b.i, b.ext, field, field+" "+format, args...)
}

// text checks a text field and returns its cleaned value.
func (b *batch) text(field, s string, required bool, max int) string {
	v, why := text(s, required, max)
	if why != "" {
		b.fail(field, "%s", why)
	}
	return v
}

// externalID checks an item's key and that it is unique in the batch.
func (b *batch) externalID(field, s string, seen map[string]int) string {
	v := b.text(field, s, true, maxExternalID)
	if v == "" {
		return v
	}
	if prev, dup := seen[v]; dup {
		b.fail(field, "%q is repeated (also item %d)", v, prev)
	} else {
		seen[v] = b.i
	}
	return v
}

// date checks a "2006-01-02" date; empty is allowed unless required.
func (b *batch) date(field, s string, required bool) (string, time.Time) {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			b.fail(field, "is required")
		}
		return "", time.Time{}
	}
	t, err := time.Parse(kabinet.DateLayout, s)
	if err != nil || t.Year() < 1900 || t.Year() > 2200 {
		b.fail(field, "%q is not a date (YYYY-MM-DD)", s)
		return "", time.Time{}
	}
	return s, t
}

// period checks a payroll month "2006-01".
func (b *batch) period(field, s string, required bool) string {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			b.fail(field, "is required")
		}
		return ""
	}
	t, err := time.Parse(kabinet.PeriodLayout, s)
	if err != nil || len(s) != 7 || t.Year() < 2000 || t.Year() > 2100 {
		b.fail(field, "%q is not a month (YYYY-MM)", s)
		return ""
	}
	return s
}

// decimal parses a decimal string; nonNegative rejects values below zero.
func (b *batch) decimal(field, s string, nonNegative bool) kabinet.Decimal {
	d, err := kabinet.ParseDecimal(strings.TrimSpace(s))
	if err != nil {
		b.fail(field, "%q is not a decimal amount: %v", s, err)
		return 0
	}
	if nonNegative && d < 0 {
		b.fail(field, "must not be negative (got %s)", d)
	}
	return d
}

// optDecimal parses an optional decimal.
func (b *batch) optDecimal(field string, s *string, nonNegative bool) *kabinet.Decimal {
	if s == nil || strings.TrimSpace(*s) == "" {
		return nil
	}
	d := b.decimal(field, *s, nonNegative)
	return &d
}

// email checks and normalises an address: a bare address, lower-cased domain.
func (b *batch) email(field, s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" || len(s) > 254 {
		b.fail(field, "%q is not an email address", s)
		return ""
	}
	local, domain, _ := strings.Cut(s, "@")
	if !strings.Contains(domain, ".") {
		b.fail(field, "%q is not an email address", s)
		return ""
	}
	return local + "@" + strings.ToLower(domain)
}

// phone normalises a mobile number to E.164: "+7 (916) 123-45-67" and
// "8 916 123 45 67" both become "+79161234567".
func (b *batch) phone(field, s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	var digits strings.Builder
	plus := strings.HasPrefix(s, "+")
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == '+' && i == 0, r == ' ', r == '-', r == '(', r == ')':
		default:
			b.fail(field, "%q is not a phone number", s)
			return ""
		}
	}
	d := digits.String()
	if !plus && len(d) == 11 && d[0] == '8' {
		d = "7" + d[1:] // Russian trunk prefix
		plus = true
	}
	if !plus || len(d) < 10 || len(d) > 15 || d[0] == '0' {
		b.fail(field, "%q is not an international phone number (+7…)", s)
		return ""
	}
	return "+" + d
}

// timezone checks an IANA zone name; empty is allowed.
func (b *batch) timezone(field, s string) string {
	s = strings.TrimSpace(s)
	if s != "" && !kabinet.ValidTimezone(s) {
		b.fail(field, "%q is not a known time zone (IANA name, e.g. Europe/Moscow)", s)
		return ""
	}
	return s
}

// dateOf checks a required date, stores its text in dst and returns it parsed.
func (b *batch) dateOf(field, s string, dst *string) time.Time {
	v, t := b.date(field, s, true)
	*dst = v
	return t
}
