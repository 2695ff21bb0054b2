package activation

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/throttle"
)

// Throttle rules: failures allowed per window. A code or a login has few
// legitimate failures (typos); a device a few more; a client address is
// shared by whole offices behind NAT, so it allows many — but a script
// guessing 59-bit codes at 60 per quarter hour gets nowhere.
var (
	RulePerCode    = throttle.Rule{Max: 5, Window: 15 * time.Minute}
	RulePerLogin   = throttle.Rule{Max: 10, Window: 15 * time.Minute}
	RulePerDevice  = throttle.Rule{Max: 10, Window: 15 * time.Minute}
	RulePerAddress = throttle.Rule{Max: 60, Window: 15 * time.Minute}
)

// ActivateInput is what the app sends to activate (docs/contract.md §Phone app).
type ActivateInput struct {
	Code           string
	Login          string // only where the policy asks the employee to choose
	Password       string
	Device         kabinet.Device
	ConsentVersion string // "" = the organisation's current version
}

// LoginInput is what the app sends to sign in with a password.
type LoginInput struct {
	Login    string
	Password string
	Device   kabinet.Device
}

var (
	errWrongCode   = kabinet.Errorf(kabinet.EUNAUTHENTICATED, "the activation code is wrong, expired or was replaced; check it or ask HR for a new one")
	errWrongSecret = kabinet.Errorf(kabinet.EUNAUTHENTICATED, "the activation code or the password is wrong")
	errWrongLogin  = kabinet.Errorf(kabinet.EUNAUTHENTICATED, "wrong login or password")
	errBlocked     = kabinet.Errorf(kabinet.EFORBIDDEN, "your cabinet is blocked; contact HR")
)

// checkDevice validates the DeviceInput.
func checkDevice(d *kabinet.Device) error {
	d.ClientID = strings.TrimSpace(d.ClientID)
	switch {
	case d.ClientID == "" || len(d.ClientID) > 128:
		return kabinet.Errorf(kabinet.EBADINPUT, "device.id must have 1 to 128 characters")
	case d.Platform != kabinet.PlatformAndroid && d.Platform != kabinet.PlatformIOS:
		return kabinet.Errorf(kabinet.EBADINPUT, "device.platform must be ANDROID or IOS")
	case utf8.RuneCountInString(d.Model) > 100 || utf8.RuneCountInString(d.AppVersion) > 50:
		return kabinet.Errorf(kabinet.EBADINPUT, "device.model or device.appVersion is too long")
	case d.Timezone != "" && !kabinet.ValidTimezone(d.Timezone):
		return kabinet.Errorf(kabinet.EBADINPUT, "device.timezone %q is not an IANA time zone", d.Timezone)
	}
	return nil
}

func addressKey(op string, ctx context.Context) throttle.Key {
	a := kabinet.ActorFrom(ctx).Address
	if a == "" {
		return throttle.Key{}
	}
	return throttle.Key{Name: op + "/addr/" + a, Rule: RulePerAddress}
}

func deviceKey(op, clientID string) throttle.Key {
	return throttle.Key{Name: op + "/device/" + kabinet.HashSecret(clientID), Rule: RulePerDevice}
}

// Activate activates a cabinet with its code (docs/contract.md §Phone app, `activate`).
//
// First activation: sets the password (CheckPassword rules, argon2id) and
// the login — generated from the surname and initials, or chosen where the
// login policy asks (CheckLogin; CONFLICT if taken) — records the consent,
// sets ACTIVE and starts a session. Re-activation (after a reinstall): the
// same code with the existing password; the code alone is refused.
//
// Errors: BAD_USER_INPUT for a malformed code, device or a weak password;
// UNAUTHENTICATED for a wrong, expired or replaced code or a wrong password
// (one message, so a guesser learns nothing); FORBIDDEN for a blocked or
// dismissed employee holding a valid code; RATE_LIMITED after repeated
// failures per code, device or client address.
func (s *Service) Activate(ctx context.Context, in ActivateInput) (*kabinet.Session, error) {
	if err := checkDevice(&in.Device); err != nil {
		return nil, err
	}
	code, ok := NormalizeCode(in.Code)
	hash := ""
	keys := []throttle.Key{addressKey("activate", ctx), deviceKey("activate", in.Device.ClientID)}
	if ok {
		hash = hashCode(s.CodeKey, code)
		keys = append(keys, throttle.Key{Name: "activate/code/" + hash, Rule: RulePerCode})
	}
	if err := s.Limiter.Check(ctx, keys...); err != nil {
		return nil, err
	}
	fail := func(err error) (*kabinet.Session, error) {
		if ferr := s.Limiter.Add(ctx, keys...); ferr != nil {
			return nil, ferr
		}
		return nil, err
	}
	if !ok {
		return fail(kabinet.Errorf(kabinet.EBADINPUT, "an activation code has %d letters and digits, like ABCD-EFGH-JKMN", CodeLength))
	}
	if len(in.Password) > 4*MaxPasswordLength {
		return nil, kabinet.Errorf(kabinet.EBADINPUT, "the password is too long: at most %d characters", MaxPasswordLength)
	}
	cr, err := s.Store.CabinetByCode(ctx, hash)
	if kabinet.ErrorCode(err) == kabinet.ENOTFOUND || (err == nil && !sameHash(cr.CodeHash, hash)) {
		return fail(errWrongCode)
	}
	if err != nil {
		return nil, err
	}
	e, err := s.Store.Employee(ctx, cr.OrgID, cr.EmployeeID)
	if err != nil {
		return nil, err
	}
	if cr.ActivatedAt == nil {
		sess, err := s.firstActivation(ctx, cr, e, code, hash, in)
		if !errors.Is(err, kabinet.ErrAlreadyActivated) {
			if kabinet.ErrorCode(err) == kabinet.EUNAUTHENTICATED {
				return fail(err)
			}
			if err == nil {
				s.Limiter.Reset(ctx, keys[1:]...)
			}
			return sess, err
		}
		// A racing activation won: this one is a re-activation now.
		if cr, err = s.Store.CabinetCredentials(ctx, cr.OrgID, cr.EmployeeID); err != nil {
			return nil, err
		}
	}
	// Re-activation: the code alone no longer suffices.
	if in.Password == "" {
		return fail(kabinet.Errorf(kabinet.EUNAUTHENTICATED, "this cabinet is already active: enter your password together with the code"))
	}
	match, err := s.Hasher.Verify(ctx, cr.PasswordHash, in.Password, s.Pepper)
	if err != nil {
		return nil, err
	}
	if !match {
		s.Sessions.RecordFailure(ctx, cr.OrgID, cr.EmployeeID, in.Device, kabinet.MethodActivation, "wrong password at re-activation")
		return fail(errWrongSecret)
	}
	if cr.Status == kabinet.CabinetBlocked || s.dismissed(ctx, e) {
		s.Sessions.RecordFailure(ctx, cr.OrgID, cr.EmployeeID, in.Device, kabinet.MethodActivation, "cabinet blocked")
		return nil, errBlocked
	}
	if in.ConsentVersion != "" {
		if err := s.Store.RecordConsent(ctx, cr.OrgID, cr.EmployeeID, in.ConsentVersion); err != nil {
			return nil, err
		}
	}
	s.Limiter.Reset(ctx, keys[1:]...)
	return s.Sessions.StartSession(ctx, cr.OrgID, cr.EmployeeID, in.Device, kabinet.MethodActivation)
}

func (s *Service) firstActivation(ctx context.Context, cr *kabinet.CabinetCredentials, e *kabinet.Employee, code, hash string, in ActivateInput) (*kabinet.Session, error) {
	if cr.CodeExpires != nil && !s.Clock.Now().Before(*cr.CodeExpires) {
		return nil, errWrongCode
	}
	if cr.Status == kabinet.CabinetBlocked || cr.Status == kabinet.CabinetCreateFailed || s.dismissed(ctx, e) {
		return nil, errBlocked
	}
	policy, err := s.Sessions.Policy(ctx, cr.OrgID)
	if err != nil {
		return nil, err
	}
	act := &kabinet.CabinetActivation{OrgID: cr.OrgID, EmployeeID: cr.EmployeeID, CodeHash: hash, LoginBase: LoginBase(e)}
	compareTo := act.LoginBase
	if policy.AskLoginOnActivation {
		if strings.TrimSpace(in.Login) == "" {
			return nil, kabinet.Errorf(kabinet.EBADINPUT, "choose a login: your organisation asks for one at activation")
		}
		if act.Login, err = CheckLogin(in.Login); err != nil {
			return nil, err
		}
		compareTo = act.Login
	}
	if err := CheckPassword(in.Password, compareTo, code); err != nil {
		return nil, err
	}
	act.ConsentVersion = in.ConsentVersion
	if act.ConsentVersion == "" {
		st, err := s.Settings(ctx, cr.OrgID)
		if err != nil {
			return nil, err
		}
		act.ConsentVersion = st.ConsentVersion
	} else if utf8.RuneCountInString(act.ConsentVersion) > 32 {
		return nil, kabinet.Errorf(kabinet.EBADINPUT, "consentVersion is too long")
	}
	if act.PasswordHash, err = s.Hasher.Hash(ctx, in.Password, s.Pepper); err != nil {
		return nil, err
	}
	if _, err := s.Store.ActivateCabinet(ctx, act); err != nil {
		return nil, err
	}
	return s.Sessions.StartSession(ctx, cr.OrgID, cr.EmployeeID, in.Device, kabinet.MethodActivation)
}

// maxLoginMatches bounds the cabinets one login is checked against: logins
// are unique per organisation, not across the deployment.
const maxLoginMatches = 5

// dummyHash is verified when no cabinet has the login, so that a wrong
// login takes as long as a wrong password.
var dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$7n1t3uYyWJb6dLu5Gd4kGuBB3Pk2d2cPCK4mDmjr8rE"

// Login signs an employee in with login and password (docs/contract.md §Phone app, `login`).
// The login is compared case-insensitively. Failures are counted per login,
// device and client address and recorded in the employee's login history.
// UNAUTHENTICATED for a wrong login or password (one message), FORBIDDEN
// for correct credentials of a blocked or dismissed employee, RATE_LIMITED.
func (s *Service) Login(ctx context.Context, in LoginInput) (*kabinet.Session, error) {
	if err := checkDevice(&in.Device); err != nil {
		return nil, err
	}
	norm := NormalizeLogin(in.Login)
	if norm == "" || utf8.RuneCountInString(norm) > MaxLoginLength+8 || len(in.Password) > 4*MaxPasswordLength {
		return nil, errWrongLogin
	}
	keys := []throttle.Key{addressKey("login", ctx), deviceKey("login", in.Device.ClientID),
		{Name: "login/login/" + kabinet.HashSecret(norm), Rule: RulePerLogin}}
	if err := s.Limiter.Check(ctx, keys...); err != nil {
		return nil, err
	}
	cands, err := s.Store.CabinetsByLogin(ctx, norm, maxLoginMatches)
	if err != nil {
		return nil, err
	}
	var match *kabinet.CabinetCredentials
	if len(cands) == 0 {
		s.Hasher.Verify(ctx, dummyHash, in.Password, s.Pepper)
	}
	for _, c := range cands {
		ok, err := s.Hasher.Verify(ctx, c.PasswordHash, in.Password, s.Pepper)
		if err != nil {
			return nil, err
		}
		if ok {
			match = c
			break
		}
	}
	if match == nil {
		for _, c := range cands {
			s.Sessions.RecordFailure(ctx, c.OrgID, c.EmployeeID, in.Device, kabinet.MethodPassword, "wrong password")
		}
		if err := s.Limiter.Add(ctx, keys...); err != nil {
			return nil, err
		}
		return nil, errWrongLogin
	}
	e, err := s.Store.Employee(ctx, match.OrgID, match.EmployeeID)
	if err != nil {
		return nil, err
	}
	if match.Status != kabinet.CabinetActive || s.dismissed(ctx, e) {
		s.Sessions.RecordFailure(ctx, match.OrgID, match.EmployeeID, in.Device, kabinet.MethodPassword, "cabinet blocked")
		return nil, errBlocked
	}
	s.Limiter.Reset(ctx, keys[1:]...)
	return s.Sessions.StartSession(ctx, match.OrgID, match.EmployeeID, in.Device, kabinet.MethodPassword)
}

// ChangePassword changes the signed-in employee's password: the old one
// must match (UNAUTHENTICATED, throttled per employee), the new one follows
// CheckPassword. Every session of the employee ends — stolen sessions too —
// and a new one starts on the caller's device, which is returned.
func (s *Service) ChangePassword(ctx context.Context, a *kabinet.Actor, oldPassword, newPassword string) (*kabinet.Session, error) {
	key := throttle.Key{Name: "password/employee/" + a.EmployeeID, Rule: RulePerLogin}
	if err := s.Limiter.Check(ctx, key); err != nil {
		return nil, err
	}
	cr, err := s.Store.CabinetCredentials(ctx, a.OrgID, a.EmployeeID)
	if err != nil {
		return nil, err
	}
	if len(oldPassword) > 4*MaxPasswordLength {
		return nil, kabinet.Errorf(kabinet.EUNAUTHENTICATED, "the current password is wrong")
	}
	ok, err := s.Hasher.Verify(ctx, cr.PasswordHash, oldPassword, s.Pepper)
	if err != nil {
		return nil, err
	}
	if !ok {
		if err := s.Limiter.Add(ctx, key); err != nil {
			return nil, err
		}
		return nil, kabinet.Errorf(kabinet.EUNAUTHENTICATED, "the current password is wrong")
	}
	if err := CheckPassword(newPassword, cr.Login, ""); err != nil {
		return nil, err
	}
	if newPassword == oldPassword {
		return nil, kabinet.Errorf(kabinet.EBADINPUT, "the new password must differ from the current one")
	}
	devs, err := s.Sessions.Devices(ctx, a)
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
	hash, err := s.Hasher.Hash(ctx, newPassword, s.Pepper)
	if err != nil {
		return nil, err
	}
	if err := s.Store.SetPassword(ctx, a.OrgID, a.EmployeeID, hash); err != nil {
		return nil, err
	}
	s.Limiter.Reset(ctx, key)
	if err := s.Sessions.EndAllSessions(ctx, a.EmployeeID, "password changed"); err != nil {
		return nil, err
	}
	return s.Sessions.StartSession(ctx, a.OrgID, a.EmployeeID, kabinet.Device{ClientID: dev.ClientID, Platform: dev.Platform,
		Model: dev.Model, AppVersion: dev.AppVersion, Timezone: dev.Timezone}, kabinet.MethodPassword)
}
