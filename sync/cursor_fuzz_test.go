package sync

import (
	"crypto/hmac"
	"crypto/sha256"
	"testing"

	"github.com/kabinet/kabinet"
)

// FuzzDecodeCursor: any text a phone sends as a cursor is refused with
// RESET_REQUIRED or decodes to a cursor that encodes and decodes back to
// itself; the fuzzer also signs its payloads, so that the parser behind the
// tag is reached.
func FuzzDecodeCursor(f *testing.F) {
	key := hmac.New(sha256.New, []byte("0123456789abcdef0123456789abcdef")) // each use resets it
	f.Add("", []byte{ProtocolVersion, 0, 0})
	f.Add(encodeCursor(key, "org_1", "emp_1", Cursor{Version: ProtocolVersion, Pos: 42, Snapshot: true, Full: true,
		After: kabinet.RecordRef{Entity: kabinet.EntityVacation, ID: "vac_1"}}), []byte{ProtocolVersion, 3, 42, 2, 5, 'v', 'a', 'c', '_', '1'})
	f.Add("AAAA", []byte{ProtocolVersion, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, text string, payload []byte) {
		signed := cursorEncoding.EncodeToString(append(append([]byte(nil), payload...), cursorMAC(key, "org_1", "emp_1", payload)...))
		for _, s := range []string{text, signed} {
			c, err := decodeCursor(key, "org_1", "emp_1", s, ProtocolVersion)
			if err != nil {
				if kabinet.ErrorCode(err) != kabinet.ERESETREQUIRED {
					t.Fatalf("decode %q: got %v, want RESET_REQUIRED", s, err)
				}
				continue
			}
			again, err := decodeCursor(key, "org_1", "emp_1", encodeCursor(key, "org_1", "emp_1", c), ProtocolVersion)
			if err != nil || again != c {
				t.Fatalf("decode %q = %+v: re-encoded it decodes as %+v, %v", s, c, again, err)
			}
			if _, err := decodeCursor(key, "org_1", "emp_2", s, ProtocolVersion); err == nil {
				t.Fatalf("decode %q: accepted for another employee", s)
			}
		}
	})
}
