package scalar_test

import (
	"bytes"
	"math"
	"strconv"
	"testing"

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
