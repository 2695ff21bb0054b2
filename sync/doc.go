// Package sync is the phone's offline delta sync (docs/product.md §Sync guarantees): pulling an
// employee's payslips, leave balances and vacations with a cursor, and
// applying the actions the phone recorded offline (markPayslipViewed).
//
// # The change log
//
// Every write that changes what an employee sees (a payslip published,
// corrected, moved, retracted or viewed; a balance changed; a vacation
// added, moved or cancelled) appends a row (seq, employee, type, id) to the
// `changes` table in the same transaction as the data. An unchanged
// republish appends nothing. The row says only *which* record changed; a
// sync sends the record's current state, or a tombstone when the employee
// no longer sees it (withdrawn, or moved to another employee).
//
// # Commit order on SQLite
//
// seq is an AUTOINCREMENT key allocated inside the write transaction, and
// SQLite has one writer at a time (BEGIN IMMEDIATE on a single connection).
// Transactions therefore commit in seq order, and a read transaction (a WAL
// snapshot) sees exactly the changes with seq <= the largest seq it sees:
// a prefix, never a set with holes. A sync reads that high-water mark and
// the rows in one read transaction (ReadSync, written once for both stores
// in internal/sqlstore), so a cursor at the high-water mark never skips a change committed later with a smaller seq -
// there is none. Wall-clock time is never a position: neither the server's
// nor the phone's.
//
// # Commit order on PostgreSQL
//
// A PostgreSQL sequence is allocated in allocation order, not commit order:
// transaction A may take seq 10, B take 11 and commit first, and a reader
// that saw 11 but not 10 would skip 10 forever. The PostgreSQL store
// (postgres/change.go) numbers changes from a per-organisation counter row
// instead: the writing transaction buffers its changes and, last thing
// before COMMIT, runs
//
//	UPDATE sync_counters SET seq = seq + n WHERE org_id = $1 RETURNING seq
//
// and inserts its n changes with the positions below the result. The row
// lock is held to commit, so within an organisation positions are given
// out and committed in the same order, without gaps; a reader (one
// REPEATABLE READ snapshot per page) reads the counter and the rows
// together, exactly as here, and sees a prefix. Taking the counter last
// keeps the lock to the commit itself and makes it the last lock of every
// writer, so it cannot deadlock with the rows a batch updates; writers of
// different organisations never wait for each other. Positions therefore
// count per organisation (a cursor is bound to its organisation by its
// tag, so the service needs no change) and the retention floor is a column
// of the same row. Per-organisation rather than per-employee: one counter
// update per transaction however many employees a batch touches, and a
// position is still meaningful to every cursor of the organisation.
// (The alternative - recording pg_current_xact_id() with each change and
// serving only changes of transactions below
// pg_snapshot_xmin(pg_current_snapshot()) - needs no counter row but makes
// a cursor a pair of xid and seq and delays every change behind the oldest
// running transaction.)
//
// The in-memory head that lets a SQLite sync with nothing new skip even the
// head read (Store.CommittedHead) is exact only for a single process. The
// PostgreSQL store does not offer it: every incremental sync reads the head
// (one primary-key read and one index probe, in one statement), so an
// instance never answers "no change" after another instance committed one
// (postgres/instances_test.go).
//
// # Cursors
//
// A cursor is opaque to the phone: base64url of a small binary payload -
// protocol version, flags, the change-log position, and while a snapshot is
// paged the last record sent - followed by a 128-bit truncated
// HMAC-SHA256 tag over a domain label, the organisation id, the employee id
// and the payload. The ids are not in the payload, only in the tag: a
// cursor of another employee or organisation fails the tag exactly like a
// forged one. Every unusable cursor - malformed, forged, foreign, from
// another ProtocolVersion, below the retention floor, or ahead of the data
// (a database restored from a backup) - answers RESET_REQUIRED, and the
// phone syncs again without a cursor. The position is the global seq on
// SQLite (the organisation's on PostgreSQL), so a cursor reveals roughly
// how many changes the server (the organisation) has recorded; it reveals
// no record, id or tenant.
//
// # Pages
//
// Incremental (a cursor at position P): one statement reads the high-water
// mark H, the retention floor and whether the employee has a change in
// (P, H] (one probe of the (employee_id, seq) index); a single statement is
// one snapshot, so no transaction is opened for it. With no change the
// answer is empty and the cursor moves to H - no record is read and no JSON
// is built. Otherwise, in one read transaction, H is read again and the
// records with a change in (P, H] are listed once each, at their last
// change in that range, ordered by it; the first `limit` are sent in their
// current state (or as tombstones). That state is the state at their last change <= H, so
// several changes of one record collapse into one. If more remain, the next
// cursor's position is the last sent record's last change: every record
// whose last change is at or below it was sent with its latest state, every
// other one has a change above it and comes in a later page. A later page
// sends a record again only for a change committed after it was sent.
//
// Full (no cursor): in one read transaction, H and the first `limit`
// current records in (type, id) order - payslips, then leave balances, then
// vacations. If more remain, the cursor pins H and the last record sent; the
// next page reads the records after it in a new read transaction, leaving
// out any record with a change after H. When the snapshot is done the sync
// continues incrementally from H (hasMore stays true while the employee has
// changes after H), so everything that happened while the pages were read
// arrives, tombstones included - and each change once: a record changed
// after H before its snapshot page was read comes only with the catch-up,
// and one changed after its page was sent comes again for that new change.
// The phone replaces its whole store with a full sync's records.
//
// The page that completes a full sync (hasMore false) carries Integrity:
// per collection, the count and a SHA-256 digest of the sorted ids the
// employee sees, read in that page's transaction - which is exactly what
// the phone holds after applying it. A phone that finds otherwise resets.
//
// Page size: `limit` records (and tombstones) per page; DefaultLimit (200)
// when omitted, at most MaxLimit (1000): a larger request is served with
// the maximum and SyncResult.limit says which size was used. A limit below
// 1 is BAD_USER_INPUT.
//
// # Retention
//
// The Compactor deletes changes older than the retention window (180 days
// by default) in seq order and raises the retention floor in the same
// transaction; a cursor below the floor answers RESET_REQUIRED. Records are
// never compacted: a full sync reads the current tables. Offline-action
// records (for idempotency) are kept for the same window.
//
// # Offline actions
//
// markPayslipViewed is idempotent per (employee, clientMutationId): the
// first one is applied and remembered in the same transaction; a replay
// returns the payslip's current state and records nothing. viewedAt keeps
// the earliest view, clamped to [publication time, server now]; a phone
// clock up to MaxClockSkew (24 hours) ahead is taken as now, further ahead
// is BAD_USER_INPUT. A moved viewedAt is a change in the log, so the
// employee's other devices get it; the ViewListener is told after the
// commit (the push planner stops the payslip's reminders).
package sync
