package sync

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash"
	"sync"

	"github.com/kabinet/kabinet"
)

// cursorMACs keeps HMAC-SHA256 states keyed for one key: hmac.New derives
// the key's pads and allocates every time, and every sync verifies one
// cursor and signs another.
type cursorMACs struct {
	key  []byte
	pool sync.Pool
}

// get returns a keyed HMAC state for the caller alone, to put back.
func (p *cursorMACs) get() hash.Hash {
	if m, ok := p.pool.Get().(hash.Hash); ok {
		return m
	}
	return hmac.New(sha256.New, p.key)
}

func (p *cursorMACs) put(m hash.Hash) { p.pool.Put(m) }

// macsByKey holds the HMAC states by key. It is keyed by the key itself,
// not kept in a Service, so that a copied Service with another Key cannot
// sign with the old one; it holds one entry per key a process uses (one,
// and a few in tests).
var macsByKey = struct {
	mu sync.RWMutex
	m  map[string]*cursorMACs
}{m: map[string]*cursorMACs{}}

// macsFor returns the HMAC states of key.
func macsFor(key []byte) *cursorMACs {
	macsByKey.mu.RLock()
	p := macsByKey.m[string(key)]
	macsByKey.mu.RUnlock()
	if p != nil {
		return p
	}
	macsByKey.mu.Lock()
	defer macsByKey.mu.Unlock()
	if p = macsByKey.m[string(key)]; p == nil {
		p = &cursorMACs{key: bytes.Clone(key)}
		macsByKey.m[string(key)] = p
	}
	return p
}

// ProtocolVersion is the version of the sync protocol and of the data the
// phone keeps. Bump it when what a cursor means or what a record looks like
// changes: every phone's cursor then answers RESET_REQUIRED once and the
// phone full-syncs.
const ProtocolVersion byte = 1

// Cursor is the decoded content of an opaque sync cursor.
type Cursor struct {
	// Version is the protocol version the cursor was issued under.
	Version byte
	// Pos is a change-log position: the phone has every change at or below
	// it (or, while Snapshot is set, will have once the snapshot is paged).
	Pos int64
	// Snapshot is set while a full sync's snapshot is being paged; After is
	// then the last record sent, in (type, id) order.
	Snapshot bool
	After    kabinet.RecordRef
	// Full is set from the first page of a full sync until it is caught up;
	// the page that catches up carries the integrity digests.
	Full bool
}

const (
	flagSnapshot = 1 << iota
	flagFull
)

// macSize is the length of the truncated HMAC-SHA256 tag: 128 bits.
const macSize = 16

var cursorEncoding = base64.RawURLEncoding

// entityByRank inverts kabinet.EntityRank for the cursor's compact form.
var entityByRank = []string{kabinet.EntityPayslip, kabinet.EntityLeaveBalance, kabinet.EntityVacation, kabinet.EntityLeaveRequest,
	kabinet.EntityCertificateRequest}

// encodeCursor returns the opaque form of c for the employee: a binary
// payload (version, flags, position, snapshot key) followed by an
// HMAC-SHA256 tag over a domain label, the organisation, the employee and
// the payload, in unpadded base64url.
func encodeCursor(m hash.Hash, orgID, employeeID string, c Cursor) string {
	buf := make([]byte, 0, 2+binary.MaxVarintLen64+2+len(c.After.ID)+macSize)
	var flags byte
	if c.Snapshot {
		flags |= flagSnapshot
	}
	if c.Full {
		flags |= flagFull
	}
	buf = append(buf, c.Version, flags)
	buf = binary.AppendUvarint(buf, uint64(c.Pos))
	if c.Snapshot {
		buf = append(buf, byte(kabinet.EntityRank(c.After.Entity)))
		buf = binary.AppendUvarint(buf, uint64(len(c.After.ID)))
		buf = append(buf, c.After.ID...)
	}
	buf = append(buf, cursorMAC(m, orgID, employeeID, buf)...)
	return cursorEncoding.EncodeToString(buf)
}

func cursorMAC(m hash.Hash, orgID, employeeID string, payload []byte) []byte {
	m.Reset()
	m.Write([]byte("kabinet sync cursor\x00"))
	m.Write([]byte(orgID))
	m.Write([]byte{0})
	m.Write([]byte(employeeID))
	m.Write([]byte{0})
	m.Write(payload)
	var sum [sha256.Size]byte
	return m.Sum(sum[:0])[:macSize]
}

// Cursor errors. All are RESET_REQUIRED: whatever is wrong with a cursor,
// the phone's way out is a full sync.
var (
	errCursorMalformed = &kabinet.Error{Code: kabinet.ERESETREQUIRED,
		Message: "the sync cursor is malformed; sync again without a cursor"}
	errCursorForeign = &kabinet.Error{Code: kabinet.ERESETREQUIRED,
		Message: "the sync cursor was not issued to this account; sync again without a cursor"}
	errCursorVersion = &kabinet.Error{Code: kabinet.ERESETREQUIRED,
		Message: "the sync cursor is from another version of the sync protocol; sync again without a cursor"}
	errCursorExpired = &kabinet.Error{Code: kabinet.ERESETREQUIRED,
		Message: "the sync cursor is older than the server keeps changes; sync again without a cursor"}
	errCursorAhead = &kabinet.Error{Code: kabinet.ERESETREQUIRED,
		Message: "the sync cursor is ahead of the server's data (it was restored); sync again without a cursor"}
)

// decodeCursor verifies and decodes an opaque cursor for the employee. The
// tag is checked (in constant time) before anything in the payload is
// trusted; a cursor of another employee or organisation fails it.
func decodeCursor(m hash.Hash, orgID, employeeID, s string, version byte) (Cursor, error) {
	var c Cursor
	if len(s) > 512 {
		return c, errCursorMalformed
	}
	raw, err := cursorEncoding.DecodeString(s)
	if err != nil || len(raw) < 3+macSize {
		return c, errCursorMalformed
	}
	payload, tag := raw[:len(raw)-macSize], raw[len(raw)-macSize:]
	if !hmac.Equal(tag, cursorMAC(m, orgID, employeeID, payload)) {
		return c, errCursorForeign
	}
	if payload[0] != version {
		return c, errCursorVersion
	}
	c, err = parsePayload(payload)
	if err != nil {
		// Signed by us but unreadable: only a bug or a leaked key does this.
		return c, errCursorMalformed
	}
	return c, nil
}

func parsePayload(p []byte) (Cursor, error) {
	c := Cursor{Version: p[0], Snapshot: p[1]&flagSnapshot != 0, Full: p[1]&flagFull != 0}
	p = p[2:]
	pos, n := binary.Uvarint(p)
	if n <= 0 || pos > 1<<62 {
		return c, errors.New("bad position")
	}
	c.Pos, p = int64(pos), p[n:]
	if c.Snapshot {
		if len(p) < 1 || int(p[0]) >= len(entityByRank) {
			return c, errors.New("bad entity")
		}
		c.After.Entity, p = entityByRank[p[0]], p[1:]
		l, n := binary.Uvarint(p)
		if n <= 0 || uint64(len(p)-n) != l {
			return c, errors.New("bad id")
		}
		c.After.ID, p = string(p[n:]), nil
	}
	if len(p) != 0 {
		return c, errors.New("trailing bytes")
	}
	return c, nil
}
