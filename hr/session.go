package hr

import (
	"context"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/auth"
	"github.com/kabinet/kabinet/passhash"
	"github.com/kabinet/kabinet/throttle"
)

// SignIn is a new console session: its token goes into the cookie.
type SignIn struct {
	Token   string
	Session *Session
	User    *User
}

// errSessionEnded is the answer for every session that may no longer be
// used (unknown, revoked, expired, its user disabled).
var errSessionEnded = kabinet.Errorf(kabinet.EUNAUTHENTICATED, "your session has ended; sign in again")

// SignIn checks an email and password and opens a session: of stage TOTP
// when the user has a second factor (VerifyTOTP completes it), else FULL.
// Every failure says the same UNAUTHENTICATED "wrong email or password"
// and costs the same one argon2id computation, whether or not the email
// exists; failures are counted by the sign-in throttle per client address
// and per email (RATE_LIMITED when it must wait). A disabled user with the
// right password gets FORBIDDEN.
func (s *Service) SignIn(ctx context.Context, email, password string) (*SignIn, error) {
	emailNorm := NormalizeEmail(email)
	if emailNorm == "" || password == "" || len(password) > 4*auth.MaxPasswordLength || len(emailNorm) > 254 {
		return nil, errWrongCredentials
	}
	g, err := s.Throttle.Guard(ctx, "hr", "", throttle.Key{Name: "hr/email/" + kabinet.HashSecret(emailNorm),
		Rule: auth.DefaultLimits.PerUnknownDevices})
	if err != nil {
		return nil, err
	}
	hash, err := s.hashPassword(ctx, emailNorm, password)
	if err != nil {
		return nil, err
	}
	u, err := s.Store.HRUserByEmail(ctx, emailNorm)
	if err != nil && kabinet.ErrorCode(err) != kabinet.ENOTFOUND {
		return nil, err
	}
	if u == nil || u.PasswordHash == "" || !passhash.Equal(u.PasswordHash, hash) {
		return nil, g.Fail(ctx, errWrongCredentials)
	}
	g.Succeed(ctx, true)
	if u.Status != StatusActive {
		return nil, kabinet.Errorf(kabinet.EFORBIDDEN, "your account is disabled; ask your organisation's administrator")
	}
	stage := StageFull
	if u.TOTPEnabledAt != nil {
		stage = StageTOTP
	}
	return s.openSession(ctx, u, stage)
}

// openSession stores a new session of the user and returns its token.
func (s *Service) openSession(ctx context.Context, u *User, stage string) (*SignIn, error) {
	a := kabinet.ActorFrom(ctx)
	now := s.Clock.Now()
	token := kabinet.RandomToken(32)
	ss := &Session{ID: kabinet.NewID("hrs"), TokenHash: kabinet.HashSecret(token), UserID: u.ID, OrgID: u.OrgID, Stage: stage,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(AbsoluteTimeout), Address: a.Address, UserAgent: truncate(a.UserAgent, 300)}
	if err := s.Store.CreateHRSession(ctx, ss); err != nil {
		return nil, err
	}
	return &SignIn{Token: token, Session: ss, User: u}, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Authenticate returns the live session of a cookie's token and its user,
// recording its use. UNAUTHENTICATED when the session is unknown, revoked,
// idle for IdleTimeout, older than AbsoluteTimeout, stuck at the TOTP step
// for too long, or its user is no longer active. A session of stage TOTP is
// returned as such: only the TOTP step may use it.
func (s *Service) Authenticate(ctx context.Context, token string) (*Session, *User, error) {
	if token == "" || len(token) > 100 {
		return nil, nil, errSessionEnded
	}
	ss, u, err := s.Store.HRSession(ctx, kabinet.HashSecret(token))
	if kabinet.ErrorCode(err) == kabinet.ENOTFOUND {
		return nil, nil, errSessionEnded
	}
	if err != nil {
		return nil, nil, err
	}
	now := s.Clock.Now()
	switch {
	case ss.RevokedAt != nil, !now.Before(ss.ExpiresAt), now.Sub(ss.LastSeenAt) >= IdleTimeout,
		ss.Stage == StageTOTP && now.Sub(ss.CreatedAt) >= totpStepTimeout,
		u.Status != StatusActive, u.OrgID != ss.OrgID:
		return nil, nil, errSessionEnded
	}
	if now.Sub(ss.LastSeenAt) >= touchEvery {
		if err := s.Store.TouchHRSession(ctx, ss.ID, "", now); err != nil {
			return nil, nil, err
		}
		ss.LastSeenAt = now
	}
	return ss, u, nil
}

// SignOut revokes the session.
func (s *Service) SignOut(ctx context.Context, ss *Session) error {
	return s.Store.RevokeHRSession(ctx, ss.ID, s.Clock.Now())
}

// Actor is the actor of a console request: base (address, request id)
// acting for the user's organisation — from the session, never from input
// — as the user.
func Actor(base *kabinet.Actor, ss *Session, u *User) *kabinet.Actor {
	a := *base
	a.Role, a.OrgID, a.KeyID = kabinet.RoleOrganization, ss.OrgID, ""
	a.EmployeeID, a.DeviceID, a.SessionID = "", "", ""
	a.HRUserID, a.HRUserName, a.HRRole = u.ID, u.FullName, string(u.Role)
	return &a
}

// NeedsTOTPSetup tells whether the user must set up a second factor before
// anything else: every ADMIN must.
func NeedsTOTPSetup(u *User) bool { return u.Role == RoleAdmin && u.TOTPEnabledAt == nil }
