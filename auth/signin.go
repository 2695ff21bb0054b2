package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"strings"
	"unicode/utf8"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/passhash"
	"github.com/kabinet/kabinet/throttle"
)

// CredentialStore is what password sign-in needs of the store.
type CredentialStore interface {
	// CabinetsByLogin returns the activated cabinets with the login, across
	// organisations (a login is unique only within one), at most limit.
	CabinetsByLogin(ctx context.Context, loginNorm string, limit int) ([]*kabinet.CabinetCredentials, error)
	CabinetCredentials(ctx context.Context, orgID, employeeID string) (*kabinet.CabinetCredentials, error)
	SetPassword(ctx context.Context, orgID, employeeID, hash string) error
	// KnownDevice reports whether the employee has signed in on the install
	// before (and has not revoked it).
	KnownDevice(ctx context.Context, employeeID, clientID string) (bool, error)
}

// LoginInput is what the app sends to sign in with a password.
type LoginInput struct {
	Login    string
	Password string
	Device   kabinet.Device
}

// maxLoginMatches bounds the cabinets one login is checked against: logins
// are unique per organisation, not across the deployment.
const maxLoginMatches = 5

var (
	errWrongLogin = kabinet.Errorf(kabinet.EUNAUTHENTICATED, "wrong login or password")
	errBlocked    = kabinet.Errorf(kabinet.EFORBIDDEN, "your cabinet is blocked; contact HR")
)

// CheckDevice validates the DeviceInput (BAD_USER_INPUT), trimming its id.
func CheckDevice(d *kabinet.Device) error {
	d.ClientID = strings.TrimSpace(d.ClientID)
	switch {
	case d.ClientID == "" || len(d.ClientID) > maxClientIDLen:
		return kabinet.Errorf(kabinet.EBADINPUT, "device.id must have 1 to %d characters", maxClientIDLen)
	case d.Platform != kabinet.PlatformAndroid && d.Platform != kabinet.PlatformIOS:
		return kabinet.Errorf(kabinet.EBADINPUT, "device.platform must be ANDROID or IOS")
	case utf8.RuneCountInString(d.Model) > 100 || utf8.RuneCountInString(d.AppVersion) > 50:
		return kabinet.Errorf(kabinet.EBADINPUT, "device.model or device.appVersion is too long")
	case d.Timezone != "" && !kabinet.ValidTimezone(d.Timezone):
		return kabinet.Errorf(kabinet.EBADINPUT, "device.timezone %q is not an IANA time zone", d.Timezone)
	}
	return nil
}

// Sign-in timing must not tell whether a login exists. Every attempt costs
// exactly one argon2id computation, with the current parameters:
//
//   - Password hashes are salted per login: salt = HMAC(pepper, login), so
//     the hash of the password presented for a login is computed once and
//     compared (in constant time) with the hash of every cabinet holding
//     that login, in every organisation, and a login no cabinet holds costs
//     the same one computation. The pepper keeps the salts unpredictable
//     outside the server, so nothing can be precomputed; two cabinets with
//     one login share a salt, which an attacker holding the database gains
//     nothing from unless they also share the password.
//   - Hashes made before (random salt) or with older parameters are verified
//     on their own and re-made after a right password; until then such a
//     cabinet costs one more computation (and its sign-in one more still).
func (s *Service) loginSalt(loginNorm string) []byte {
	m := hmac.New(sha256.New, s.PasswordPepper)
	m.Write([]byte("password-salt\x00" + loginNorm))
	return m.Sum(nil)[:16]
}

// HashPassword hashes a new password for the login (after CheckPassword).
// The operation calling it spends the request's budget (passhash.Spend).
func (s *Service) HashPassword(ctx context.Context, login, password string) (string, error) {
	return s.Hasher.HashWithSalt(ctx, password, s.PasswordPepper, s.loginSalt(NormalizeLogin(login)))
}

// VerifyPassword reports whether password is the cabinet's; an old-form
// hash that matches is re-made. The operation calling it spends the
// request's budget (passhash.Spend).
func (s *Service) VerifyPassword(ctx context.Context, cr *kabinet.CabinetCredentials, password string) (bool, error) {
	m, err := s.matchPassword(ctx, NormalizeLogin(cr.Login), password, []*kabinet.CabinetCredentials{cr})
	return m != nil, err
}

// matchPassword returns the first cabinet whose password is password (nil
// if none), with one argon2id computation for every cabinet hashed the
// current way and for none (see loginSalt).
func (s *Service) matchPassword(ctx context.Context, loginNorm, password string, cands []*kabinet.CabinetCredentials) (*kabinet.CabinetCredentials, error) {
	salt := s.loginSalt(loginNorm)
	prefix := s.Hasher.Prefix(salt)
	var current string
	hashCurrent := func() (string, error) {
		if current != "" {
			return current, nil
		}
		var err error
		current, err = s.Hasher.HashWithSalt(ctx, password, s.PasswordPepper, salt)
		return current, err
	}
	var match *kabinet.CabinetCredentials
	old := false
	for _, c := range cands {
		if strings.HasPrefix(c.PasswordHash, prefix) {
			h, err := hashCurrent()
			if err != nil {
				return nil, err
			}
			if passhash.Equal(h, c.PasswordHash) && match == nil {
				match = c
			}
			continue
		}
		if match != nil {
			continue
		}
		ok, err := s.Hasher.Verify(ctx, c.PasswordHash, password, s.PasswordPepper)
		if err != nil {
			return nil, err
		}
		if ok {
			match, old = c, true
		}
	}
	if len(cands) == 0 {
		// The same computation as for a cabinet that exists.
		if _, err := hashCurrent(); err != nil {
			return nil, err
		}
	}
	if old {
		h, err := hashCurrent()
		if err == nil {
			err = s.Credentials.SetPassword(context.WithoutCancel(ctx), match.OrgID, match.EmployeeID, h)
		}
		if err != nil {
			a := kabinet.ActorFrom(ctx)
			s.logger().ErrorContext(ctx, "re-hash an old password hash", "request_id", a.RequestID, "err", err)
		}
	}
	return match, nil
}

// loginKey is the throttle key of a login attempt from dev: a device one of
// the login's employees has signed in on is counted on its own and locks
// only itself; every other device shares the login's progressive delay.
func (s *Service) loginKey(ctx context.Context, loginNorm, clientID string, cands []*kabinet.CabinetCredentials) (throttle.Key, error) {
	lim := s.limits()
	for _, c := range cands {
		known, err := s.Credentials.KnownDevice(ctx, c.EmployeeID, clientID)
		if err != nil {
			return throttle.Key{}, err
		}
		if known {
			return throttle.Key{Name: "login/known/" + c.EmployeeID + "/" + kabinet.HashSecret(clientID), Rule: lim.PerKnownDevice}, nil
		}
	}
	return throttle.Key{Name: "login/unknown/" + kabinet.HashSecret(loginNorm), Rule: lim.PerUnknownDevices}, nil
}

// Login signs an employee in with login and password (docs/contract.md
// §Phone app, `login`). The login is compared case-insensitively, across
// organisations. Failures are counted per address, device and login
// (Limits: a device the employee knows is locked only by its own failures;
// unknown devices are delayed, never locked) and recorded in the
// employee's login history. Every attempt costs the same (loginSalt).
//
// Errors: BAD_USER_INPUT for a malformed device or a second password check
// in one request; UNAUTHENTICATED for a wrong login or password (one
// message); FORBIDDEN for correct credentials of a blocked or dismissed
// employee; RATE_LIMITED with a retry-after.
func (s *Service) Login(ctx context.Context, in LoginInput) (*kabinet.Session, error) {
	if err := CheckDevice(&in.Device); err != nil {
		return nil, err
	}
	norm := NormalizeLogin(in.Login)
	if norm == "" || utf8.RuneCountInString(norm) > MaxLoginLength+8 || len(in.Password) > 4*MaxPasswordLength {
		return nil, errWrongLogin
	}
	cands, err := s.Credentials.CabinetsByLogin(ctx, norm, maxLoginMatches)
	if err != nil {
		return nil, err
	}
	key, err := s.loginKey(ctx, norm, in.Device.ClientID, cands)
	if err != nil {
		return nil, err
	}
	g, err := s.Guard(ctx, "login", in.Device.ClientID, key)
	if err != nil {
		return nil, err
	}
	if err := passhash.Spend(ctx); err != nil {
		return nil, err
	}
	match, err := s.matchPassword(ctx, norm, in.Password, cands)
	if err != nil {
		return nil, err
	}
	if match == nil {
		for _, c := range cands {
			s.RecordFailure(ctx, c.OrgID, c.EmployeeID, in.Device, kabinet.MethodPassword, "wrong password")
		}
		return nil, g.Fail(ctx, errWrongLogin)
	}
	if err := s.maySignIn(ctx, match); err != nil {
		s.RecordFailure(ctx, match.OrgID, match.EmployeeID, in.Device, kabinet.MethodPassword, "cabinet blocked")
		return nil, err
	}
	g.Succeed(ctx, true)
	return s.StartSession(ctx, match.OrgID, match.EmployeeID, in.Device, kabinet.MethodPassword)
}

// maySignIn refuses (FORBIDDEN) the right password of a cabinet that is not
// active or of a dismissed employee.
func (s *Service) maySignIn(ctx context.Context, cr *kabinet.CabinetCredentials) error {
	if cr.Status != kabinet.CabinetActive {
		return errBlocked
	}
	if s.Gate != nil {
		if err := s.Gate.MaySignIn(ctx, cr.OrgID, cr.EmployeeID); err != nil {
			if kabinet.ErrorCode(err) == kabinet.EUNAUTHENTICATED {
				return errBlocked
			}
			return err
		}
	}
	return nil
}

// ChangePassword changes the signed-in employee's password: the old one
// must match (UNAUTHENTICATED, throttled like a sign-in on a known device),
// the new one follows CheckPassword. Every session of the employee ends —
// stolen sessions too — with every quick login, and a new session starts on
// the caller's device, which is returned.
func (s *Service) ChangePassword(ctx context.Context, a *kabinet.Actor, oldPassword, newPassword string) (*kabinet.Session, error) {
	g, err := s.Guard(ctx, "password", "", throttle.Key{Name: "password/employee/" + a.EmployeeID, Rule: s.limits().PerKnownDevice})
	if err != nil {
		return nil, err
	}
	cr, err := s.Credentials.CabinetCredentials(ctx, a.OrgID, a.EmployeeID)
	if err != nil {
		return nil, err
	}
	errWrong := kabinet.Errorf(kabinet.EUNAUTHENTICATED, "the current password is wrong")
	if len(oldPassword) > 4*MaxPasswordLength {
		return nil, errWrong
	}
	if err := CheckPassword(newPassword, cr.Login); err != nil {
		return nil, err
	}
	if newPassword == oldPassword {
		return nil, kabinet.Errorf(kabinet.EBADINPUT, "the new password must differ from the current one")
	}
	if err := passhash.Spend(ctx); err != nil {
		return nil, err
	}
	ok, err := s.VerifyPassword(ctx, cr, oldPassword)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, g.Fail(ctx, errWrong)
	}
	devs, err := s.Devices(ctx, a)
	if err != nil {
		return nil, err
	}
	var dev *kabinet.Device
	for _, d := range devs {
		if d.ID == a.DeviceID {
			dev = d
		}
	}
	if dev == nil {
		return nil, kabinet.Errorf(kabinet.EUNAUTHENTICATED, "the session's device is gone; sign in again")
	}
	hash, err := s.HashPassword(ctx, cr.Login, newPassword) // part of the one change: no second Spend
	if err != nil {
		return nil, err
	}
	if err := s.Credentials.SetPassword(ctx, a.OrgID, a.EmployeeID, hash); err != nil {
		return nil, err
	}
	g.Succeed(ctx, false)
	if err := s.EndAllSessions(ctx, a.EmployeeID, "password changed"); err != nil {
		return nil, err
	}
	return s.StartSession(ctx, a.OrgID, a.EmployeeID, kabinet.Device{ClientID: dev.ClientID, Platform: dev.Platform,
		Model: dev.Model, AppVersion: dev.AppVersion, Timezone: dev.Timezone}, kabinet.MethodPassword)
}
