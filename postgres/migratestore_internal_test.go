package postgres

import (
	"crypto/sha256"
	"testing"
)

// TestChecksumNormalises: a row as SQLite returns it (booleans as
// integers, text as bytes, blobs as text), converted by column type, sums
// like the row PostgreSQL returns; NULL, empty and changed values do not.
func TestChecksumNormalises(t *testing.T) {
	types := []string{"boolean", "text", "bytea", "bigint", "text"}
	sum := func(vals ...any) string {
		h := sha256.New()
		hashRow(h, vals)
		return string(h.Sum(nil))
	}
	conv := func(raw ...any) []any {
		out := make([]any, len(raw))
		for i, v := range raw {
			var err error
			if out[i], err = convert(v, types[i]); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	pg := sum(true, "Иванов", []byte{0, 1, 0xff}, int64(1733050000000), nil)
	if got := sum(conv(int64(1), []byte("Иванов"), string([]byte{0, 1, 0xff}), int64(1733050000000), nil)...); got != pg {
		t.Error("a SQLite row sums differently from the same PostgreSQL row")
	}
	for name, other := range map[string]string{
		"false":       sum(false, "Иванов", []byte{0, 1, 0xff}, int64(1733050000000), nil),
		"empty":       sum(true, "Иванов", []byte{0, 1, 0xff}, int64(1733050000000), ""),
		"time":        sum(true, "Иванов", []byte{0, 1, 0xff}, int64(1733050000001), nil),
		"shifted":     sum(true, "Иванов", []byte{0, 1}, int64(0xff1733050000000), nil),
		"concatenate": sum(true, "Иванов"+"\x00", []byte{1, 0xff}, int64(1733050000000), nil),
	} {
		if other == pg {
			t.Errorf("%s: a different row has the same checksum", name)
		}
	}
	if _, err := convert("yes", "boolean"); err == nil {
		t.Error("text in a boolean column converted without an error")
	}
}
