package scalar_test

import (
	"bytes"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/graph/scalar"
)

// onlyWriter hides the bytes.Buffer, to check the other path.
type onlyWriter struct{ b *bytes.Buffer }

func (w onlyWriter) Write(p []byte) (int, error) { return w.b.Write(p) }

func TestMarshalDecimal(t *testing.T) {
	for _, v := range []int64{0, 1, 5, 9, 10, 99, 100, 101, 123456, -1, -9, -10, -99, -100, -123456,
		999_999_999_999_999, -1_000_000_000_000_000, math.MaxInt64, math.MinInt64, math.MinInt64 + 1} {
		d := kabinet.Decimal(v)
		want := strconv.Quote(d.String())
		var buf bytes.Buffer
		buf.WriteString("x")
		scalar.MarshalDecimal(d).MarshalGQL(&buf)
		if got := buf.String(); got != "x"+want {
			t.Errorf("%d: got %s, want x%s", v, got, want)
		}
		buf.Reset()
		scalar.MarshalDecimal(d).MarshalGQL(onlyWriter{&buf})
		if got := buf.String(); got != want {
			t.Errorf("%d (io.Writer): got %s, want %s", v, got, want)
		}
	}
}

// FuzzScalars: the Decimal and DateTime scalars never panic on what a client
// sends; a value they accept is written back in a form they read as the same
// value; a refusal is BAD_USER_INPUT with a short message, whatever the
// input's length.
func FuzzScalars(f *testing.F) {
	for _, s := range []string{"12345.67", "-0.5", "1e3", "2026-10-31T09:00:00Z", "2026-10-31T09:00:00.123456789+03:00", "2026-02-30T00:00:00Z", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := scalar.UnmarshalDecimal(s)
		if err == nil {
			var b bytes.Buffer
			scalar.MarshalDecimal(d).MarshalGQL(&b)
			back, err := strconv.Unquote(b.String())
			if err != nil || back != d.String() {
				t.Fatalf("Decimal %q wrote %s, want %q", s, b.String(), d.String())
			}
		} else {
			checkRefusal(t, "Decimal", s, err)
		}
		tm, err := scalar.UnmarshalDateTime(s)
		if err != nil {
			checkRefusal(t, "DateTime", s, err)
			return
		}
		var b bytes.Buffer
		scalar.MarshalDateTime(tm).MarshalGQL(&b)
		text, _ := strconv.Unquote(b.String())
		back, err := scalar.UnmarshalDateTime(text)
		if err != nil || !back.Equal(tm.Truncate(time.Millisecond)) {
			t.Fatalf("DateTime %q wrote %s, which reads as %v, %v; want %v", s, b.String(), back, err, tm.Truncate(time.Millisecond))
		}
	})
}

func checkRefusal(t *testing.T, typ, s string, err error) {
	t.Helper()
	if kabinet.ErrorCode(err) != kabinet.EBADINPUT {
		t.Fatalf("%s %q: got %v, want BAD_USER_INPUT", typ, s, err)
	}
	if len(err.Error()) > 200 {
		t.Fatalf("%s %q: the message is %d bytes long, want a short one: %.80s…", typ, s, len(err.Error()), err.Error())
	}
}
