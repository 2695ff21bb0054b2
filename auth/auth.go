// Package auth owns employees' credentials and sessions.
//
// Credentials (signin.go, password.go): the password rules, password
// hashing (argon2id salted per login, so every sign-in costs one hash) and
// password sign-in; activation (package activation) calls it for the
// password part of an activation. Every sign-in is throttled through one
// Guard (throttle.go) on the one throttle (package throttle): per address
// (scaled by the address's proven successes), per device, per known device
// and, for unknown devices, with progressive delays.
//
// Sessions: short-lived signed access tokens (JWT, HS256 pinned, with exp,
// iss and aud required) and opaque refresh tokens that rotate at every use
// and are stored only as SHA-256 hashes. A refresh token presented twice
// ends its whole family (the session): it was stolen. Verified tokens and
// session states are cached (cache.go): a revocation is seen by every
// instance within SessionCacheTTL. It also keeps the devices and the login
// history.
//
// Quick login (quicklogin.go): after a recent password sign-in a device may
// register a P-256 public key (BIOMETRIC: later sign-ins sign a single-use
// server challenge, challenge.go) or a PIN (the server returns a device
// secret; later sign-ins need both, pin.go). Wrong PINs are counted in the
// database and lock the device's quick login at the policy's limit until a
// password sign-in on that device; failures are also throttled per client
// address.
//
// Errors: UNAUTHENTICATED for a bad, expired or revoked token, a wrong
// password or a failed quick login; FORBIDDEN for a blocked cabinet, a
// locked or disallowed quick login or a set-up without a recent password;
// BAD_USER_INPUT for malformed input or a second password check in one
// request; RATE_LIMITED when the throttle refuses; NOT_FOUND for a device
// that is not the caller's.
package auth

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/passhash"
	"github.com/kabinet/kabinet/throttle"
)

// Store is what the service needs of the store.
type Store interface {
	StartSession(ctx context.Context, s *kabinet.SessionStart) (newDevice bool, others []string, err error)
	Session(ctx context.Context, id string) (*kabinet.SessionInfo, error)
	RotateRefresh(ctx context.Context, oldHash, newHash string, check func(*kabinet.SessionInfo) error) (*kabinet.SessionInfo, error)
	RevokeSession(ctx context.Context, sessionID, reason string) error
	RevokeEmployeeSessions(ctx context.Context, employeeID, reason string) error
	RecordLoginEvent(ctx context.Context, ev *kabinet.LoginEvent) error
	Devices(ctx context.Context, employeeID string) ([]*kabinet.Device, error)
	RevokeDevice(ctx context.Context, employeeID, deviceID, reason string) error
	LoginHistory(ctx context.Context, employeeID string, limit int) ([]*kabinet.LoginEvent, error)
}

// Lifetimes are how long tokens live.
type Lifetimes struct {
	Access          time.Duration // access token
	RefreshIdle     time.Duration // a refresh token unused this long expires
	RefreshAbsolute time.Duration // a session ends this long after sign-in, used or not
}

// DefaultLifetimes follow RFC 9700 and OWASP MASVS: 15-minute access tokens,
// refresh after 30 idle days or 180 days at most.
var DefaultLifetimes = Lifetimes{Access: 15 * time.Minute, RefreshIdle: 30 * 24 * time.Hour, RefreshAbsolute: 180 * 24 * time.Hour}

// Gate decides whether an employee may hold a session at all (active
// cabinet, not dismissed). It is consulted at every refresh.
type Gate interface {
	MaySignIn(ctx context.Context, orgID, employeeID string) error
}

// NewDeviceNotifier is told when an employee signs in on a device they have
// not used before, with their other devices to notify.
type NewDeviceNotifier interface {
	NewDeviceSignIn(ctx context.Context, orgID, employeeID string, device *kabinet.Device, otherDeviceIDs []string)
}

// Service issues and checks sessions.
type Service struct {
	Store  Store
	Clock  kabinet.Clock
	Key    []byte // HMAC key for access tokens (keys.Ring.Derive("access-token"))
	Logger *slog.Logger
	// Policies keeps the organisations' login policies (token lifetimes,
	// quick-login rules).
	Policies  PolicyStore
	Gate      Gate              // nil: everyone may
	NewDevice NewDeviceNotifier // nil: not notified (the login event still records it)

	// Credentials keeps cabinets' logins and password hashes;
	// PasswordPepper is mixed into every password hash and keys the
	// per-login salts (keys.Ring.Derive("password-pepper")).
	Credentials    CredentialStore
	PasswordPepper []byte

	// QuickLogins keeps quick-login set-ups, challenges and counters.
	QuickLogins QuickLoginStore
	QuickConfig QuickLoginConfig
	// Hasher hashes passwords (argon2id, bounded concurrency) and verifies
	// PINs set up before PINs were MACs (pin.go). PINPepper keys the PIN
	// verifiers (keys.Ring.Derive("pin-pepper")); ChallengeKey signs
	// quick-login challenges (keys.Ring.Derive("quick-login-challenge")).
	Hasher       *passhash.Hasher
	PINPepper    []byte
	ChallengeKey []byte
	// Limiter counts failed (and proven) sign-ins in the database; Limits
	// are its rules (zero: DefaultLimits).
	Limiter *throttle.Limiter
	Limits  Limits

	cacheOnce sync.Once
	cacheLRU  *authCache // verified tokens and session states (cache.go)
}

func (s *Service) cache() *authCache {
	s.cacheOnce.Do(func() { s.cacheLRU = newAuthCache() })
	return s.cacheLRU
}

const (
	issuer   = "kabinet"
	audience = "kabinet-app"
)

type claims struct {
	jwt.RegisteredClaims
	Org    string `json:"org"`
	Device string `json:"did"`
	Sess   string `json:"sid"`
}

func (s *Service) lifetimes(ctx context.Context, orgID string) (Lifetimes, error) {
	return s.policyLifetimes(ctx, orgID)
}

func (s *Service) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

// StartSession signs an employee in on a device: it records the device and
// the login, and returns fresh tokens with the device's quick-login method.
// method is one of the kabinet.Method… constants; a PASSWORD or ACTIVATION
// sign-in marks the session as fresh for setting up quick login and unlocks
// the device's quick login, a PIN or BIOMETRIC one does neither. A device
// new to the employee, while they have others, is recorded in the login
// event (kabinet.ReasonNewDevice) and told to NewDevice. The caller has
// checked the credentials.
func (s *Service) StartSession(ctx context.Context, orgID, employeeID string, dev kabinet.Device, method string) (*kabinet.Session, error) {
	lt, err := s.lifetimes(ctx, orgID)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	refresh := kabinet.RandomToken(32)
	a := kabinet.ActorFrom(ctx)
	st := &kabinet.SessionStart{
		Session:     kabinet.Session{ID: kabinet.NewID("ses"), OrgID: orgID, EmployeeID: employeeID},
		Device:      dev,
		Method:      method,
		RefreshHash: kabinet.HashSecret(refresh),
		ExpiresAt:   now.Add(lt.RefreshAbsolute),
		Event: kabinet.LoginEvent{OrgID: orgID, EmployeeID: employeeID, DeviceModel: dev.Model, Method: method,
			Success: true, Address: a.Address, UserAgent: a.UserAgent},
	}
	if method == kabinet.MethodPassword || method == kabinet.MethodActivation {
		st.PasswordAt = &now
	}
	newDevice, others, err := s.Store.StartSession(ctx, st)
	if err != nil {
		return nil, err
	}
	if newDevice && len(others) > 0 && s.NewDevice != nil {
		d := st.Device
		s.NewDevice.NewDeviceSignIn(ctx, orgID, employeeID, &d, others)
	}
	sess := st.Session
	sess.RefreshToken = refresh
	if err := s.sign(&sess, lt.Access, now); err != nil {
		return nil, err
	}
	return &sess, nil
}

func (s *Service) sign(sess *kabinet.Session, ttl time.Duration, now time.Time) error {
	exp := now.Add(ttl)
	c := claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: issuer, Audience: jwt.ClaimStrings{audience}, Subject: sess.EmployeeID,
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp),
		},
		Org: sess.OrgID, Device: sess.DeviceID, Sess: sess.ID,
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(s.Key)
	if err != nil {
		return err
	}
	sess.AccessToken, sess.AccessTokenExpiresAt = tok, exp
	return nil
}

// Authenticate checks an access token: signature (HS256 only), issuer,
// audience and expiry, and that its session has not ended. It returns the
// employee actor, or UNAUTHENTICATED. A session revoked on another instance
// sharing the database is refused within SessionCacheTTL (cache.go).
func (s *Service) Authenticate(ctx context.Context, token string) (*kabinet.Actor, error) {
	now := s.Clock.Now()
	c, ok := s.cache().token(token, now)
	if !ok {
		_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return s.Key, nil },
			jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
			jwt.WithIssuer(issuer), jwt.WithAudience(audience), jwt.WithExpirationRequired(),
			jwt.WithTimeFunc(s.Clock.Now), jwt.WithLeeway(5*time.Second))
		if err != nil {
			if errors.Is(err, jwt.ErrTokenExpired) {
				return nil, kabinet.Errorf(kabinet.EUNAUTHENTICATED, "the access token has expired; refresh the session")
			}
			return nil, kabinet.Errorf(kabinet.EUNAUTHENTICATED, "invalid token")
		}
		s.cache().putToken(token, c)
	}
	sess, ok := s.cache().session(c.Sess, now)
	if !ok {
		var err error
		sess, err = s.Store.Session(ctx, c.Sess)
		if kabinet.ErrorCode(err) == kabinet.ENOTFOUND {
			return nil, kabinet.Errorf(kabinet.EUNAUTHENTICATED, "the session has ended; sign in again")
		}
		if err != nil {
			return nil, err
		}
		s.cache().putSession(sess, now)
	}
	if sess.Revoked || sess.EmployeeID != c.Subject {
		return nil, kabinet.Errorf(kabinet.EUNAUTHENTICATED, "the session has ended; sign in again")
	}
	return &kabinet.Actor{Role: kabinet.RoleEmployee, OrgID: sess.OrgID, EmployeeID: sess.EmployeeID, DeviceID: sess.DeviceID, SessionID: sess.ID}, nil
}

// Refresh rotates a refresh token: the old one is spent, a new pair is
// returned. A spent token presented again ends the session and is logged as
// suspected theft. Expired (idle or absolute) sessions and employees the
// Gate refuses get UNAUTHENTICATED.
func (s *Service) Refresh(ctx context.Context, refreshToken string) (*kabinet.Session, error) {
	if len(refreshToken) < 32 || len(refreshToken) > 128 {
		return nil, kabinet.Errorf(kabinet.EUNAUTHENTICATED, "invalid refresh token")
	}
	now := s.Clock.Now()
	next := kabinet.RandomToken(32)
	var lt Lifetimes
	info, err := s.Store.RotateRefresh(ctx, kabinet.HashSecret(refreshToken), kabinet.HashSecret(next), func(si *kabinet.SessionInfo) error {
		var err error
		if lt, err = s.lifetimes(ctx, si.OrgID); err != nil {
			return err
		}
		if !now.Before(si.ExpiresAt) || now.Sub(si.LastUsedAt) >= lt.RefreshIdle {
			return kabinet.Errorf(kabinet.EUNAUTHENTICATED, "the session has expired; sign in again")
		}
		if s.Gate != nil {
			return s.Gate.MaySignIn(ctx, si.OrgID, si.EmployeeID)
		}
		return nil
	})
	if errors.Is(err, kabinet.ErrRefreshReused) {
		s.cache().revokeSession(info.ID)
		a := kabinet.ActorFrom(ctx)
		s.logger().WarnContext(ctx, "refresh token reused: session revoked (suspected theft)",
			"request_id", a.RequestID, "session", info.ID, "employee", info.EmployeeID, "address", a.Address)
		s.Store.RecordLoginEvent(ctx, &kabinet.LoginEvent{OrgID: info.OrgID, EmployeeID: info.EmployeeID, DeviceID: info.DeviceID,
			Method: kabinet.MethodRefresh, Address: a.Address, UserAgent: a.UserAgent, Reason: "refresh token reused: session revoked"})
		return nil, kabinet.Errorf(kabinet.EUNAUTHENTICATED, "this refresh token was already used; the session has been ended for safety")
	}
	if err != nil {
		return nil, err
	}
	sess := &kabinet.Session{ID: info.ID, OrgID: info.OrgID, EmployeeID: info.EmployeeID, DeviceID: info.DeviceID, RefreshToken: next,
		QuickLoginMethod: info.QuickLoginMethod}
	if err := s.sign(sess, lt.Access, now); err != nil {
		return nil, err
	}
	return sess, nil
}

// Logout ends the caller's session.
func (s *Service) Logout(ctx context.Context, a *kabinet.Actor) error {
	defer s.cache().revokeSession(a.SessionID)
	return s.Store.RevokeSession(ctx, a.SessionID, "logout")
}

// EndAllSessions ends every session of an employee and removes all their
// quick logins (cabinet blocked, employee dismissed).
func (s *Service) EndAllSessions(ctx context.Context, employeeID, reason string) error {
	defer s.cache().revokeEmployee(employeeID, "")
	return s.Store.RevokeEmployeeSessions(ctx, employeeID, reason)
}

// RecordFailure records a failed sign-in in the employee's login history.
func (s *Service) RecordFailure(ctx context.Context, orgID, employeeID string, dev kabinet.Device, method, reason string) {
	a := kabinet.ActorFrom(ctx)
	if err := s.Store.RecordLoginEvent(ctx, &kabinet.LoginEvent{OrgID: orgID, EmployeeID: employeeID, DeviceModel: dev.Model,
		Method: method, Address: a.Address, UserAgent: a.UserAgent, Reason: reason}); err != nil {
		s.logger().ErrorContext(ctx, "record login failure", "request_id", a.RequestID, "err", err)
	}
}

// Devices lists the caller's devices.
func (s *Service) Devices(ctx context.Context, a *kabinet.Actor) ([]*kabinet.Device, error) {
	return s.Store.Devices(ctx, a.EmployeeID)
}

// RevokeDevice ends every session on one of the caller's devices.
func (s *Service) RevokeDevice(ctx context.Context, a *kabinet.Actor, deviceID string) error {
	defer s.cache().revokeEmployee(a.EmployeeID, deviceID)
	return s.Store.RevokeDevice(ctx, a.EmployeeID, deviceID, "revoked by the employee")
}

// LoginHistory lists the caller's sign-ins, newest first.
func (s *Service) LoginHistory(ctx context.Context, a *kabinet.Actor, limit int) ([]*kabinet.LoginEvent, error) {
	return s.Store.LoginHistory(ctx, a.EmployeeID, limit)
}
