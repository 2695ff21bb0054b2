package hr

import (
	"context"
	"time"
)

// Statuses of an HR user.
const (
	StatusInvited  = "INVITED"  // created, no password set yet
	StatusActive   = "ACTIVE"   // may sign in
	StatusDisabled = "DISABLED" // may not; their sessions are revoked
)

// Session stages: a session whose password was checked but whose second
// factor is still due is good only for the TOTP step.
const (
	StageTOTP = "TOTP"
	StageFull = "FULL"
)

// User is a person of an organisation who signs in to the console.
type User struct {
	ID           string
	OrgID        string
	Email        string
	FullName     string
	Role         Role
	Status       string
	PasswordHash string // argon2id PHC string, "" until set
	// TOTPSecret is the sealed TOTP secret ("" when none is set up);
	// TOTPEnabledAt is when the user confirmed it with a code (nil: not
	// in force); TOTPLastStep the last 30-second step accepted.
	TOTPSecret    string
	TOTPEnabledAt *time.Time
	TOTPLastStep  int64
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Session is a console sign-in, held by the browser as a cookie whose token
// is stored only as a hash.
type Session struct {
	ID         string
	TokenHash  string
	UserID     string
	OrgID      string
	Stage      string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute end
	RevokedAt  *time.Time
	Address    string
	UserAgent  string
}

// Link is a one-time set-password link (an invitation, or the first
// admin's link), stored by the hash of its token.
type Link struct {
	TokenHash string
	UserID    string
	OrgID     string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// Store is what the service needs of the store (internal/sqlstore writes it
// once for both stores). Methods return NOT_FOUND for an unknown id and
// CONFLICT for a duplicate email.
type Store interface {
	// CreateHRUser inserts u (ID, times set by the caller), and link if
	// not nil, in one transaction.
	CreateHRUser(ctx context.Context, u *User, link *Link) error
	// HRUser returns the organisation's user; NOT_FOUND for another
	// organisation's.
	HRUser(ctx context.Context, orgID, id string) (*User, error)
	// HRUserByEmail finds a user by normalised email, in any organisation.
	HRUserByEmail(ctx context.Context, emailNorm string) (*User, error)
	// HRUsers lists an organisation's users by email, at most limit.
	HRUsers(ctx context.Context, orgID string, limit int) ([]*User, error)
	// UpdateHRUser writes u's name, role, status, password and TOTP
	// fields; with revoke set it also revokes the user's sessions except
	// keepSession, at u.UpdatedAt.
	UpdateHRUser(ctx context.Context, u *User, revoke bool, keepSession string) error
	// AcceptTOTPStep records step as the user's last accepted TOTP step if
	// it is later than the stored one, and reports whether it was.
	AcceptTOTPStep(ctx context.Context, userID string, step int64) (bool, error)
	// ReplaceRecoveryCodes stores the user's recovery codes (hashes),
	// dropping the old ones.
	ReplaceRecoveryCodes(ctx context.Context, userID string, hashes []string) error
	// UseRecoveryCode marks an unused code used at at and reports whether
	// one was.
	UseRecoveryCode(ctx context.Context, userID, hash string, at time.Time) (bool, error)
	// RecoveryCodesLeft counts the user's unused recovery codes.
	RecoveryCodesLeft(ctx context.Context, userID string) (int, error)

	// CreateHRLink stores a one-time link.
	CreateHRLink(ctx context.Context, l *Link) error
	// HRLink returns a link by the hash of its token.
	HRLink(ctx context.Context, tokenHash string) (*Link, error)
	// UseHRLink marks the link used at at if it is unused and unexpired
	// then, sets the user's password hash and makes an invited user
	// active, revoking their sessions, all in one transaction. NOT_FOUND
	// when the link is unknown, used or expired.
	UseHRLink(ctx context.Context, tokenHash, passwordHash string, at time.Time) (*User, error)

	// CreateHRSession stores a session.
	CreateHRSession(ctx context.Context, s *Session) error
	// HRSession returns the session of a token hash with its user.
	HRSession(ctx context.Context, tokenHash string) (*Session, *User, error)
	// TouchHRSession sets the session's last use (and stage, if not "").
	TouchHRSession(ctx context.Context, id, stage string, at time.Time) error
	// RevokeHRSession revokes one session.
	RevokeHRSession(ctx context.Context, id string, at time.Time) error
}
