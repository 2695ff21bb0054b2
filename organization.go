package kabinet

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"
)

// Organization is a tenant. Nothing of one organisation is visible to another.
type Organization struct {
	ID        string
	Name      string
	Timezone  string // IANA name, the default zone of its employees
	CreatedAt time.Time
}

// APIKeyPrefix starts every organisation API key, so that a leaked key is
// recognisable by secret scanners and cannot be confused with an access token.
const APIKeyPrefix = "kbn_"

// NewAPIKey returns a fresh organisation API key (256 random bits).
func NewAPIKey() string { return APIKeyPrefix + RandomToken(32) }

// HashSecret returns the hex SHA-256 of a high-entropy secret (API keys,
// refresh tokens). Such secrets are stored only in this form.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// ValidTimezone reports whether name is an IANA zone this binary knows.
func ValidTimezone(name string) bool {
	if name == "" || name == "Local" {
		return false
	}
	_, err := time.LoadLocation(name)
	return err == nil
}

// AuditEntry is one mutation made with an organisation key or the operator
// token, or one change made by an HR user in the console. It names its targets by external ID and never holds amounts,
// tokens, codes or passwords.
type AuditEntry struct {
	ID    int64
	OrgID string
	// Actor is "operator", "key:<key id>" or "hr:<HR user id>";
	// ActorName the HR user's full name at the time, or the key's name.
	Actor     string
	ActorName string
	Operation string
	Targets   []string
	Outcome   string // "OK" or an error code
	Address   string
	RequestID string
	At        time.Time
	// Detail is a settings change's before and after, as JSON
	// {"before": …, "after": …}; "" for other changes.
	Detail string
}

// PendingAudit carries a mutation's audit entry to the store, which writes
// it in the same transaction as the mutation's first committed write: a
// change is never committed without its entry, even if the process dies
// right after the commit. The entry's Outcome is "OK" there, since the
// change it records committed. If no write commits (the mutation was
// refused, or changed nothing), the caller writes the entry itself with
// the real outcome.
type PendingAudit struct {
	entry   *AuditEntry
	mu      sync.Mutex
	claimed bool // a transaction is writing it
	written bool // a transaction wrote it and committed
}

type pendingAuditKey struct{}

// WithPendingAudit returns ctx carrying e for the store to write.
func WithPendingAudit(ctx context.Context, e *AuditEntry) (context.Context, *PendingAudit) {
	p := &PendingAudit{entry: e}
	return context.WithValue(ctx, pendingAuditKey{}, p), p
}

// PendingAuditFrom returns ctx's pending audit entry, or nil.
func PendingAuditFrom(ctx context.Context) *PendingAudit {
	p, _ := ctx.Value(pendingAuditKey{}).(*PendingAudit)
	return p
}

// Claim returns the entry for a write transaction to insert, or nil when it
// is written or being written. The transaction then calls Done with whether
// it committed.
func (p *PendingAudit) Claim() *AuditEntry {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.claimed || p.written {
		return nil
	}
	p.claimed = true
	return p.entry
}

// Done ends a Claim: committed, the entry is written; else another
// transaction (or the caller) may write it.
func (p *PendingAudit) Done(committed bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.claimed = false
	p.written = p.written || committed
}

// Written tells whether a committed transaction holds the entry.
func (p *PendingAudit) Written() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.written
}
