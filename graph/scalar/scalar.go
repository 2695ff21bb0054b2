// Package scalar marshals Kabinet's custom GraphQL scalars.
package scalar

import (
	"bytes"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/kabinet/kabinet"
)

// MarshalDecimal writes a Decimal as a JSON string: "12345.67", the text of
// d.String().
func MarshalDecimal(d kabinet.Decimal) graphql.Marshaler {
	return decimal(d)
}

// decimal is a Decimal marshaller that writes without allocating when the
// response is built in a bytes.Buffer (as gqlgen does): a first sync writes
// thousands of amounts.
type decimal kabinet.Decimal

func (d decimal) MarshalGQL(w io.Writer) {
	if b, ok := w.(*bytes.Buffer); ok {
		b.Write(appendDecimal(b.AvailableBuffer(), kabinet.Decimal(d)))
		return
	}
	var buf [32]byte
	w.Write(appendDecimal(buf[:0], kabinet.Decimal(d)))
}

// appendDecimal appends d.String() in double quotes.
func appendDecimal(b []byte, d kabinet.Decimal) []byte {
	v := int64(d)
	if v == math.MinInt64 {
		return strconv.AppendQuote(b, d.String())
	}
	b = append(b, '"')
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	b = strconv.AppendInt(b, v/100, 10)
	b = append(b, '.', byte('0'+v%100/10), byte('0'+v%10))
	return append(b, '"')
}

// UnmarshalDecimal reads a Decimal from a string. Numbers are refused: JSON
// numbers pass through float64 in many clients, and money must not.
func UnmarshalDecimal(v any) (kabinet.Decimal, error) {
	s, ok := v.(string)
	if !ok {
		return 0, kabinet.Errorf(kabinet.EBADINPUT, "a Decimal is a string such as \"12345.67\", got %T", v)
	}
	d, err := kabinet.ParseDecimal(s)
	if err != nil {
		return 0, kabinet.Errorf(kabinet.EBADINPUT, "%s is not a decimal amount: %v", kabinet.Quote(s), err)
	}
	return d, nil
}

// MarshalDateTime writes an instant in RFC 3339 with milliseconds, UTC.
func MarshalDateTime(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		io.WriteString(w, strconv.Quote(t.UTC().Format("2006-01-02T15:04:05.000Z07:00")))
	})
}

// UnmarshalDateTime reads an RFC 3339 instant; a bad one is BAD_USER_INPUT.
func UnmarshalDateTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, kabinet.Errorf(kabinet.EBADINPUT, "a DateTime is an RFC 3339 string, got %T", v)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, kabinet.Errorf(kabinet.EBADINPUT, "%s is not an RFC 3339 date-time (2026-10-31T09:00:00Z)", kabinet.Quote(s))
	}
	// In UTC, 0000-01-01T00:00:00+01:00 is in year -1, which RFC 3339
	// cannot write back.
	if t = t.UTC(); t.Year() < 1 || t.Year() > 9999 {
		return time.Time{}, kabinet.Errorf(kabinet.EBADINPUT, "%s is outside the years 0001 to 9999 in UTC", kabinet.Quote(s))
	}
	return t, nil
}

// MarshalDecimalString writes a decimal kept as text.
func MarshalDecimalString(s string) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) { io.WriteString(w, strconv.Quote(s)) })
}

// UnmarshalDecimalString takes a Decimal as its text, for inputs that are
// validated item by item by the service. JSON numbers are refused.
func UnmarshalDecimalString(v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", kabinet.Errorf(kabinet.EBADINPUT, "a Decimal is a string such as \"12345.67\", got %T", v)
	}
	return s, nil
}
