// Package hr holds the HR console's people and what they may do: accounts
// of an organisation's HR users (email, full name, role, status), their
// passwords (argon2id, throttled like employees' sign-ins), second factor
// (TOTP, required for ADMIN), recovery codes, one-time set-password links
// and the console's server-side sessions; and the one permission table
// (role.go) that the console's routes and templates consult.
//
// A signed-in HR user's requests run as a kabinet.Actor of
// RoleOrganization with the session's organisation and the user's id, name
// and role (Service.Actor), so that every other service (tenancy, payroll,
// activation, push) works for the console exactly as for the API.
//
// Errors: BAD_USER_INPUT for invalid input, UNAUTHENTICATED for a wrong
// or expired credential (never saying whether an email exists),
// FORBIDDEN for a role that may not, NOT_FOUND for another organisation's
// user, CONFLICT for a taken email, RATE_LIMITED from the throttle.
package hr

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"log/slog"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/activation"
	"github.com/kabinet/kabinet/auth"
	"github.com/kabinet/kabinet/passhash"
	"github.com/kabinet/kabinet/throttle"
)

// Session lifetimes: a session ends after IdleTimeout without a request,
// and AbsoluteTimeout after sign-in whatever happens.
const (
	IdleTimeout     = 30 * time.Minute
	AbsoluteTimeout = 12 * time.Hour
	// LinkLifetime is how long a set-password link is good for.
	LinkLifetime = 72 * time.Hour
	// touchEvery: a session's last use is written at most this often, so
	// that page views are not all writes (the idle timeout is then
	// exact to within this much).
	touchEvery = time.Minute
	// totpStepTimeout: the second step must follow the password within it.
	totpStepTimeout = 5 * time.Minute
	// maxUsers bounds the HR users listed for one organisation.
	maxUsers = 500
)

// Guarder is the sign-in throttle (auth.Service): the same rules and the
// same one table as employees' sign-ins.
type Guarder interface {
	Guard(ctx context.Context, op, clientID string, extra ...throttle.Key) (*auth.Guard, error)
}

// Service runs HR accounts and console sessions.
type Service struct {
	Store  Store
	Clock  kabinet.Clock
	Logger *slog.Logger
	// Hasher hashes passwords (the process's one argon2id hasher) with
	// Pepper, a key derived from the master secret.
	Hasher *passhash.Hasher
	Pepper []byte
	// SealKey protects TOTP secrets and keys recovery-code hashes (a key
	// derived from the master secret: the database alone cannot read them).
	SealKey []byte
	// Throttle counts failed sign-ins (auth.Service.Guard).
	Throttle Guarder
	// Mail delivers invitations (the activation service's email sender);
	// nil: none is sent, and the admin hands the link over.
	Mail activation.Sender
}

// errWrongCredentials is the answer to every failed password sign-in,
// whether or not the email exists.
var errWrongCredentials = kabinet.Errorf(kabinet.EUNAUTHENTICATED, "wrong email or password")

// NormalizeEmail is the form emails are compared in: trimmed, lower case.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// CheckEmail validates an email address and returns it trimmed;
// BAD_USER_INPUT otherwise.
func CheckEmail(email string) (string, error) {
	email = strings.TrimSpace(email)
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || len(email) > 254 || !strings.Contains(email[strings.IndexByte(email, '@'):], ".") {
		return "", kabinet.Errorf(kabinet.EBADINPUT, "the email address is not valid")
	}
	return email, nil
}

// CheckName validates a full name (1 to 200 characters) and returns it
// trimmed; BAD_USER_INPUT otherwise.
func CheckName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if n := utf8.RuneCountInString(name); n == 0 || n > 200 || strings.ContainsAny(name, "\r\n\t") {
		return "", kabinet.Errorf(kabinet.EBADINPUT, "the name must be 1 to 200 characters on one line")
	}
	return name, nil
}

// passwordSalt is the salt of a user's password: HMAC(pepper, email), so
// that a sign-in costs one argon2id computation whether or not the email
// exists (see auth/signin.go for the same reasoning).
func (s *Service) passwordSalt(emailNorm string) []byte {
	m := hmac.New(sha256.New, s.Pepper)
	m.Write([]byte("hr-password-salt\x00" + emailNorm))
	return m.Sum(nil)[:16]
}

func (s *Service) hashPassword(ctx context.Context, emailNorm, password string) (string, error) {
	if err := passhash.Spend(ctx); err != nil {
		return "", err
	}
	return s.Hasher.HashWithSalt(ctx, password, s.Pepper, s.passwordSalt(emailNorm))
}

func (s *Service) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

// NewUserInput is a new HR user.
type NewUserInput struct {
	Email    string
	FullName string
	Role     string
}

// validate checks the input and builds the user (status INVITED).
func (in NewUserInput) user(orgID string, now time.Time) (*User, error) {
	email, err := CheckEmail(in.Email)
	if err != nil {
		return nil, err
	}
	name, err := CheckName(in.FullName)
	if err != nil {
		return nil, err
	}
	role, err := ParseRole(in.Role)
	if err != nil {
		return nil, err
	}
	return &User{ID: kabinet.NewID("hru"), OrgID: orgID, Email: email, FullName: name, Role: role, Status: StatusInvited,
		CreatedAt: now, UpdatedAt: now}, nil
}

// newLink makes a one-time link for the user; the token goes into the URL,
// only its hash into the store.
func (s *Service) newLink(u *User) (*Link, string) {
	token := kabinet.RandomToken(32)
	now := s.Clock.Now()
	return &Link{TokenHash: kabinet.HashSecret(token), UserID: u.ID, OrgID: u.OrgID, CreatedAt: now,
		ExpiresAt: now.Add(LinkLifetime)}, token
}

// CheckNewUser validates a new user and checks that the email is free,
// before the caller creates anything else with them (createOrganization).
// BAD_USER_INPUT, CONFLICT for a taken email.
func (s *Service) CheckNewUser(ctx context.Context, in NewUserInput) error {
	u, err := in.user("", s.Clock.Now())
	if err != nil {
		return err
	}
	_, err = s.Store.HRUserByEmail(ctx, NormalizeEmail(u.Email))
	switch kabinet.ErrorCode(err) {
	case kabinet.ENOTFOUND:
		return nil
	case "":
		return errEmailTaken
	}
	return err
}

var errEmailTaken = kabinet.Errorf(kabinet.ECONFLICT, "an HR user with this email already exists")

// AddUser creates an HR user of the organisation with a one-time
// set-password link, for the operator (createOrganization, the command
// line): no HR permission is checked, the caller is trusted. It returns
// the user and the link's token (see SetPasswordPath).
// BAD_USER_INPUT, CONFLICT for a taken email.
func (s *Service) AddUser(ctx context.Context, orgID string, in NewUserInput) (*User, string, error) {
	u, err := in.user(orgID, s.Clock.Now())
	if err != nil {
		return nil, "", err
	}
	link, token := s.newLink(u)
	if err := s.Store.CreateHRUser(ctx, u, link); err != nil {
		if kabinet.ErrorCode(err) == kabinet.ECONFLICT {
			return nil, "", errEmailTaken
		}
		return nil, "", err
	}
	return u, token, nil
}

// SetPasswordPath is the console path of a set-password link's token.
func SetPasswordPath(token string) string { return "/hr/set-password/" + token }
