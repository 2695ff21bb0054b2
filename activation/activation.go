// Package activation is how employees enter Kabinet: cabinets and their
// lifecycle (docs/product.md §Cabinet lifecycle: NOT_CREATED → CREATED → INVITED → ACTIVE, with
// CREATE_FAILED, INVITE_FAILED and BLOCKED), invitations by email and SMS
// through an outbox, activation codes and activation (password rules,
// hashing, the sign-in throttle and password sign-in are package auth's).
//
// Guarantees:
//   - Every status transition is recorded with its time, reason and channel.
//   - An activation code (12 symbols of a 31-letter alphabet, ≈ 59 bits) is
//     stored only as an HMAC under a server key. Issuing a new one replaces
//     the old at once. An unused code expires after the organisation's TTL
//     (30 days by default); after activation it only works with the password.
//   - Two activations racing with one code make exactly one first activation
//     (one write transaction decides); the other is treated as a
//     re-activation and needs the password that was just set.
//   - Wrong codes and passwords are throttled per code, and like every
//     sign-in per device and client address (auth.Guard, package throttle).
//   - Invitations: the message (with its code) is written to an outbox in the
//     same transaction as the code's hash; senders claim rows with a lease and
//     settle them, wiping the text. A crash before sending loses nothing (the
//     row is sent after the restart); a crash during the one network call is
//     retried with the same Message-ID / Idempotency-Key, so the receiver can
//     drop the repeat; nothing settled is ever sent again.
//
// Errors: BAD_USER_INPUT (malformed code, weak password, invalid login),
// UNAUTHENTICATED (wrong, expired or replaced code; wrong password — the
// same message whether or not the code or login exists), FORBIDDEN (correct
// credentials of a blocked or dismissed employee), CONFLICT (chosen login
// taken), NOT_FOUND (unknown employee in single-employee HR operations),
// RATE_LIMITED with a retry-after.
package activation

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/auth"
	"github.com/kabinet/kabinet/throttle"
)

// Store is what the service needs of the store.
type Store interface {
	Organization(ctx context.Context, id string) (*kabinet.Organization, error)
	Employee(ctx context.Context, orgID, id string) (*kabinet.Employee, error)
	EmployeeIDs(ctx context.Context, orgID string, externalIDs []string) (map[string]string, error)
	EmployeeByExternalID(ctx context.Context, orgID, externalID string) (*kabinet.Employee, error)

	Cabinet(ctx context.Context, orgID, employeeID string) (*kabinet.Cabinet, error)
	Cabinets(ctx context.Context, orgID, status string) ([]*kabinet.Cabinet, error)
	CabinetEvents(ctx context.Context, orgID, employeeID string) ([]kabinet.CabinetEvent, error)
	CreateCabinet(ctx context.Context, orgID, employeeID, codeHash string, expires time.Time) (*kabinet.Cabinet, bool, error)
	CabinetCreateFailed(ctx context.Context, orgID, employeeID, reason string) (*kabinet.Cabinet, error)
	IssueCode(ctx context.Context, orgID, employeeID, codeHash string, expires *time.Time, allowed []string, reason string, inv *kabinet.Invitation) (*kabinet.Cabinet, bool, error)
	CabinetInviteFailed(ctx context.Context, orgID, employeeID, channel, reason string) (*kabinet.Cabinet, error)
	ClaimInvitations(ctx context.Context, ids []string, lease time.Duration, limit int) ([]*kabinet.Invitation, error)
	SettleInvitation(ctx context.Context, inv *kabinet.Invitation, sendErr string) error
	BlockCabinet(ctx context.Context, orgID, employeeID, reason string) (*kabinet.Cabinet, bool, error)
	UnblockCabinet(ctx context.Context, orgID, employeeID string) (*kabinet.Cabinet, error)
	DismissalCandidates(ctx context.Context) ([]kabinet.DismissalCandidate, error)

	CabinetByCode(ctx context.Context, codeHash string) (*kabinet.CabinetCredentials, error)
	CabinetCredentials(ctx context.Context, orgID, employeeID string) (*kabinet.CabinetCredentials, error)
	FreeLogin(ctx context.Context, orgID, base string) (string, error)
	ActivateCabinet(ctx context.Context, a *kabinet.CabinetActivation) (string, error)
	RecordConsent(ctx context.Context, orgID, employeeID, version string) error

	CabinetSettings(ctx context.Context, orgID string) (*kabinet.CabinetSettings, error)
	PutCabinetSettings(ctx context.Context, orgID string, s *kabinet.CabinetSettings) error
}

// Sessions is what the service needs of package auth, which owns the
// credential rules: password rules and hashing, the sign-in throttle,
// sessions.
type Sessions interface {
	StartSession(ctx context.Context, orgID, employeeID string, dev kabinet.Device, method string) (*kabinet.Session, error)
	EndAllSessions(ctx context.Context, employeeID, reason string) error
	RecordFailure(ctx context.Context, orgID, employeeID string, dev kabinet.Device, method, reason string)
	Policy(ctx context.Context, orgID string) (*kabinet.AuthPolicy, error)
	Guard(ctx context.Context, op, clientID string, extra ...throttle.Key) (*auth.Guard, error)
	HashPassword(ctx context.Context, login, password string) (string, error)
	VerifyPassword(ctx context.Context, cr *kabinet.CabinetCredentials, password string) (bool, error)
}

// Service runs cabinets, invitations and activation; password sign-in is
// package auth's.
type Service struct {
	Store    Store
	Search   SearchStore // HR's search and figures
	Sessions Sessions
	Clock    kabinet.Clock
	Logger   *slog.Logger
	CodeKey  []byte            // keys.Ring.Derive("activation-code")
	Limiter  *throttle.Limiter // purges expired counters
	// Senders deliver invitations, by channel (EMAIL, SMS). A channel
	// without a sender cannot be used (INVITE_FAILED).
	Senders map[string]Sender

	once sync.Once
	kick chan struct{}
}

// Result is the outcome of a cabinet operation for one employee.
type Result struct {
	EmployeeExternalID string
	Status             string
	ActivationCode     string // XXXX-XXXX-XXXX, set when a new code was issued
	LastError          string
}

// MaxBatch is the most employees one HR operation accepts.
const MaxBatch = 1000

func (s *Service) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

// location is the zone an employee's dates are in (Gate.location).
func (s *Service) location(ctx context.Context, e *kabinet.Employee) *time.Location {
	return s.gate().location(ctx, e)
}

func (s *Service) dismissed(ctx context.Context, e *kabinet.Employee) bool {
	return s.gate().dismissed(ctx, e)
}

func (s *Service) gate() *Gate { return &Gate{Store: s.Store, Clock: s.Clock} }
