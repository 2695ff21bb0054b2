package sync

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"time"

	"github.com/kabinet/kabinet"
)

// Store is what the service needs of the store.
type Store interface {
	// ReadSync runs fn with a reader of the employee's change log and
	// records inside one read transaction.
	ReadSync(ctx context.Context, orgID, employeeID string, fn func(r kabinet.SyncReader) error) error
	// SyncHead is SyncReader.Head in a statement of its own (one snapshot),
	// for the sync that has nothing to send.
	SyncHead(ctx context.Context, employeeID string, after int64) (kabinet.SyncHead, error)
	// CommittedHead is the last committed position of the change log when
	// the store knows it without a read (ok false when it cannot: a store
	// shared by several processes). Equal to a cursor's position, it means
	// nothing at all changed since, and the sync answers without a read.
	CommittedHead() (pos int64, ok bool)
	// MarkPayslipViewed applies a "viewed" action once per client mutation
	// id; replayed is true when it had been applied already.
	MarkPayslipViewed(ctx context.Context, v kabinet.PayslipView) (p *kabinet.Payslip, replayed bool, err error)
}

// ViewListener is told, after the commit, that an employee viewed a payslip
// (the reminders of that payslip stop). It is not told about replays.
type ViewListener interface {
	PayslipViewed(ctx context.Context, orgID, employeeID, payslipID string)
}

// Page sizes and skew, when the Service leaves them zero.
const (
	DefaultLimit        = 200
	DefaultMaxLimit     = 1000
	DefaultMaxClockSkew = 24 * time.Hour
)

// Service answers the phone's sync and offline actions. Set Store and Key;
// the zero values of the rest are the defaults.
type Service struct {
	Store Store
	Clock kabinet.Clock
	// Key signs cursors (HMAC-SHA256); at least 16 bytes. Changing it makes
	// every phone full-sync once.
	Key []byte
	// Version is the protocol version cursors are issued and accepted under
	// (ProtocolVersion when zero).
	Version byte
	// DefaultLimit and MaxLimit bound the records of one page: a sync
	// without a limit gets DefaultLimit, one above MaxLimit gets MaxLimit
	// and Result.Limit says so.
	DefaultLimit, MaxLimit int
	// MaxClockSkew is how far in the future a phone's viewedAt may be and
	// still be taken (as now); beyond it the action is BAD_USER_INPUT.
	MaxClockSkew time.Duration
	// Views, if set, is told about every payslip view.
	Views ViewListener
}

// encodeCursor signs c for the employee with the service's key.
func (s *Service) encodeCursor(orgID, employeeID string, c Cursor) string {
	macs := macsFor(s.Key)
	m := macs.get()
	defer macs.put(m)
	return encodeCursor(m, orgID, employeeID, c)
}

// decodeCursor verifies and decodes a cursor of the employee.
func (s *Service) decodeCursor(orgID, employeeID, cursor string) (Cursor, error) {
	macs := macsFor(s.Key)
	m := macs.get()
	defer macs.put(m)
	return decodeCursor(m, orgID, employeeID, cursor, s.version())
}

// Result is one page of a sync.
type Result struct {
	Payslips      []*kabinet.Payslip
	LeaveBalances []*kabinet.LeaveBalance
	Vacations     []*kabinet.Vacation
	// LeaveRequests are the employee's own requests and those waiting for
	// their decision.
	LeaveRequests []*kabinet.LeaveRequest
	// CertificateRequests are the employee's certificate requests.
	CertificateRequests []*kabinet.CertificateRequest
	// Deleted lists records the phone must drop: withdrawn, or no longer
	// the employee's. It may name a record the phone never had.
	Deleted []kabinet.Tombstone
	// Cursor is opaque; the next sync passes it.
	Cursor string
	// HasMore is set when the phone should sync again at once with Cursor.
	HasMore bool
	// Limit is the page size used: the requested one, or the maximum when
	// more was asked.
	Limit int
	// Integrity is set on the page that completes a full sync: what the
	// phone now holds, per collection.
	Integrity *Integrity
}

// Integrity describes the records an employee sees, so that a phone can
// check its copy after a full sync and reset if it drifted.
type Integrity struct {
	Payslips            CollectionDigest
	LeaveBalances       CollectionDigest
	Vacations           CollectionDigest
	LeaveRequests       CollectionDigest
	CertificateRequests CollectionDigest
}

// CollectionDigest is the count of a collection's records and the digest
// of their ids: lower-case hex SHA-256 of the ids sorted in ascending byte
// order, each followed by "\n" (the empty collection hashes the empty
// string).
type CollectionDigest struct {
	Count  int
	Digest string
}

// Digest computes a CollectionDigest of ids, as a phone would.
func Digest(ids []string) CollectionDigest {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	h := sha256.New()
	for _, id := range ids {
		h.Write([]byte(id))
		h.Write([]byte{'\n'})
	}
	return CollectionDigest{Count: len(ids), Digest: hex.EncodeToString(h.Sum(nil))}
}

// Sync returns the employee's next page: the full current data as a
// snapshot without a cursor ("" counts as none), else the records created
// or changed since the cursor and tombstones of withdrawn ones.
//
// Errors: BAD_USER_INPUT for a limit below 1; RESET_REQUIRED for a cursor
// that is malformed, forged, another employee's, from another protocol
// version, below the retention floor or ahead of the data; FORBIDDEN
// without an employee.
func (s *Service) Sync(ctx context.Context, orgID, employeeID, cursor string, limit *int) (*Result, error) {
	if orgID == "" || employeeID == "" {
		return nil, kabinet.Errorf(kabinet.EFORBIDDEN, "sync needs an employee's access token")
	}
	n, err := s.limit(limit)
	if err != nil {
		return nil, err
	}
	if len(s.Key) < 16 {
		return nil, errNoKey
	}
	fresh := cursor == ""
	cur := Cursor{Snapshot: true, Full: true}
	if !fresh {
		if cur, err = s.decodeCursor(orgID, employeeID, cursor); err != nil {
			return nil, err
		}
	}
	res := &Result{Limit: n}
	if !fresh && !cur.Snapshot && !cur.Full {
		// The most frequent request of all. When nothing at all was
		// committed since the cursor, the answer needs no read; else one
		// statement, and if the employee has no change, no transaction and
		// no record read.
		if head, ok := s.Store.CommittedHead(); ok && cur.Pos == head {
			res.Cursor = cursor
			return res, nil
		}
		h, err := s.Store.SyncHead(ctx, employeeID, cur.Pos)
		if err != nil {
			return nil, err
		}
		if err := checkPosition(cur.Pos, h); err != nil {
			return nil, err
		}
		if !h.Pending {
			res.Cursor = s.EncodeCursor(orgID, employeeID, Cursor{Version: s.version(), Pos: h.Seq})
			return res, nil
		}
	}
	var next Cursor
	err = s.Store.ReadSync(ctx, orgID, employeeID, func(r kabinet.SyncReader) error {
		next, err = page(ctx, r, cur, fresh, n, res)
		return err
	})
	if err != nil {
		return nil, err
	}
	next.Version = s.version()
	res.Cursor = s.encodeCursor(orgID, employeeID, next)
	return res, nil
}

var errNoKey = &kabinet.Error{Code: kabinet.EINTERNAL, Message: "sync: no cursor key configured"}

// page reads one page inside the store's read transaction and returns the
// cursor that follows it.
func page(ctx context.Context, r kabinet.SyncReader, cur Cursor, fresh bool, limit int, res *Result) (Cursor, error) {
	after := cur.Pos
	if fresh {
		after = 1<<63 - 1 // nothing is pending after a snapshot's own head
	}
	h, err := r.Head(ctx, after)
	if err != nil {
		return cur, err
	}
	if fresh {
		cur.Pos = h.Seq
	} else if err := checkPosition(cur.Pos, h); err != nil {
		return cur, err
	}
	if cur.Snapshot {
		return snapshotPage(ctx, r, cur, h, fresh, limit, res)
	}
	return changesPage(ctx, r, cur, h, limit, res)
}

// snapshotPage sends the next records of a full sync's snapshot pinned at
// cur.Pos, in (type, id) order.
func snapshotPage(ctx context.Context, r kabinet.SyncReader, cur Cursor, h kabinet.SyncHead, fresh bool, limit int, res *Result) (Cursor, error) {
	// Records changed since the snapshot's head are left to the catch-up
	// that follows it, so that no change is sent twice.
	changedAfter := int64(-1)
	if !fresh && h.Pending {
		changedAfter = cur.Pos
	}
	recs, err := r.Snapshot(ctx, cur.After, changedAfter, limit+1)
	if err != nil {
		return cur, err
	}
	if recs.Len() > limit {
		last := trimLast(&recs)
		res.setRecords(recs)
		res.HasMore = true
		return Cursor{Pos: cur.Pos, Snapshot: true, After: last, Full: true}, nil
	}
	res.setRecords(recs)
	if h.Pending {
		// Publication ran while the snapshot was paged: catch up from the
		// snapshot's head before the full sync is complete.
		res.HasMore = true
		return Cursor{Pos: cur.Pos, Full: true}, nil
	}
	return Cursor{Pos: h.Seq}, res.integrity(ctx, r)
}

// changesPage sends the records changed after cur.Pos, each once in its
// current state, in the order of their last change.
func changesPage(ctx context.Context, r kabinet.SyncReader, cur Cursor, h kabinet.SyncHead, limit int, res *Result) (Cursor, error) {
	if !h.Pending {
		if cur.Full {
			return Cursor{Pos: h.Seq}, res.integrity(ctx, r)
		}
		return Cursor{Pos: h.Seq}, nil
	}
	changes, err := r.Changes(ctx, cur.Pos, h.Seq, limit+1)
	if err != nil {
		return cur, err
	}
	next := Cursor{Pos: h.Seq}
	if len(changes) > limit {
		changes = changes[:limit]
		next = Cursor{Pos: changes[limit-1].Seq, Full: cur.Full}
		res.HasMore = true
	}
	refs := make([]kabinet.RecordRef, len(changes))
	for i, c := range changes {
		refs[i] = c.RecordRef
	}
	recs, err := r.Records(ctx, refs)
	if err != nil {
		return cur, err
	}
	res.setRecords(recs)
	res.Deleted = tombstones(refs, &recs)
	if !res.HasMore && cur.Full {
		return next, res.integrity(ctx, r)
	}
	return next, nil
}

// checkPosition tells whether a cursor's position can still be served.
func checkPosition(pos int64, h kabinet.SyncHead) error {
	switch {
	case pos < h.Floor:
		return errCursorExpired
	case pos > h.Seq:
		return errCursorAhead
	}
	return nil
}

// trimLast removes the last record in (type, id) order and returns the
// reference of the new last one.
func trimLast(recs *kabinet.SyncRecords) kabinet.RecordRef {
	switch {
	case len(recs.CertificateRequests) > 0:
		recs.CertificateRequests = recs.CertificateRequests[:len(recs.CertificateRequests)-1]
	case len(recs.LeaveRequests) > 0:
		recs.LeaveRequests = recs.LeaveRequests[:len(recs.LeaveRequests)-1]
	case len(recs.Vacations) > 0:
		recs.Vacations = recs.Vacations[:len(recs.Vacations)-1]
	case len(recs.LeaveBalances) > 0:
		recs.LeaveBalances = recs.LeaveBalances[:len(recs.LeaveBalances)-1]
	default:
		recs.Payslips = recs.Payslips[:len(recs.Payslips)-1]
	}
	switch {
	case len(recs.CertificateRequests) > 0:
		return kabinet.RecordRef{Entity: kabinet.EntityCertificateRequest, ID: recs.CertificateRequests[len(recs.CertificateRequests)-1].ID}
	case len(recs.LeaveRequests) > 0:
		return kabinet.RecordRef{Entity: kabinet.EntityLeaveRequest, ID: recs.LeaveRequests[len(recs.LeaveRequests)-1].ID}
	case len(recs.Vacations) > 0:
		return kabinet.RecordRef{Entity: kabinet.EntityVacation, ID: recs.Vacations[len(recs.Vacations)-1].ID}
	case len(recs.LeaveBalances) > 0:
		return kabinet.RecordRef{Entity: kabinet.EntityLeaveBalance, ID: recs.LeaveBalances[len(recs.LeaveBalances)-1].ID}
	default:
		return kabinet.RecordRef{Entity: kabinet.EntityPayslip, ID: recs.Payslips[len(recs.Payslips)-1].ID}
	}
}

// tombstones are the changed records the employee no longer sees.
func tombstones(refs []kabinet.RecordRef, recs *kabinet.SyncRecords) []kabinet.Tombstone {
	if len(refs) == recs.Len() {
		return nil
	}
	live := make(map[kabinet.RecordRef]bool, recs.Len())
	for _, p := range recs.Payslips {
		live[kabinet.RecordRef{Entity: kabinet.EntityPayslip, ID: p.ID}] = true
	}
	for _, b := range recs.LeaveBalances {
		live[kabinet.RecordRef{Entity: kabinet.EntityLeaveBalance, ID: b.ID}] = true
	}
	for _, v := range recs.Vacations {
		live[kabinet.RecordRef{Entity: kabinet.EntityVacation, ID: v.ID}] = true
	}
	for _, r := range recs.LeaveRequests {
		live[kabinet.RecordRef{Entity: kabinet.EntityLeaveRequest, ID: r.ID}] = true
	}
	for _, r := range recs.CertificateRequests {
		live[kabinet.RecordRef{Entity: kabinet.EntityCertificateRequest, ID: r.ID}] = true
	}
	var out []kabinet.Tombstone
	for _, ref := range refs {
		if !live[ref] {
			out = append(out, kabinet.Tombstone{Type: ref.Entity, ID: ref.ID})
		}
	}
	return out
}

func (res *Result) setRecords(recs kabinet.SyncRecords) {
	res.Payslips, res.LeaveBalances, res.Vacations = recs.Payslips, recs.LeaveBalances, recs.Vacations
	res.LeaveRequests, res.CertificateRequests = recs.LeaveRequests, recs.CertificateRequests
}

func (res *Result) integrity(ctx context.Context, r kabinet.SyncReader) error {
	ids, err := r.IDs(ctx)
	if err != nil {
		return err
	}
	res.Integrity = &Integrity{Payslips: Digest(ids.Payslips), LeaveBalances: Digest(ids.LeaveBalances), Vacations: Digest(ids.Vacations),
		LeaveRequests: Digest(ids.LeaveRequests), CertificateRequests: Digest(ids.CertificateRequests)}
	return nil
}

// limit resolves the requested page size.
func (s *Service) limit(limit *int) (int, error) {
	def, maxLimit := s.DefaultLimit, s.MaxLimit
	if maxLimit <= 0 {
		maxLimit = DefaultMaxLimit
	}
	if def <= 0 {
		def = min(DefaultLimit, maxLimit)
	}
	switch {
	case limit == nil:
		return def, nil
	case *limit < 1:
		return 0, kabinet.Errorf(kabinet.EBADINPUT, "limit must be at least 1 (at most %d records are sent per page)", maxLimit)
	}
	return min(*limit, maxLimit), nil
}

func (s *Service) version() byte {
	if s.Version == 0 {
		return ProtocolVersion
	}
	return s.Version
}

func (s *Service) now() time.Time {
	if s.Clock == nil {
		return time.Now().UTC()
	}
	return s.Clock.Now().UTC()
}

// EncodeCursor returns the opaque cursor c would be for the employee,
// signed with the service's key. Tests use it to build cursors the server
// would have issued under other conditions.
func (s *Service) EncodeCursor(orgID, employeeID string, c Cursor) string {
	return s.encodeCursor(orgID, employeeID, c)
}

// DecodeCursor verifies and decodes a cursor of the employee. Its errors
// are RESET_REQUIRED.
func (s *Service) DecodeCursor(orgID, employeeID, cursor string) (Cursor, error) {
	return s.decodeCursor(orgID, employeeID, cursor)
}
