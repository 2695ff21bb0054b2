package activation

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/auth"
	"github.com/kabinet/kabinet/passhash"
	"github.com/kabinet/kabinet/throttle"
)

// RulePerCode limits the wrong passwords tried with one activation code
// (the address and device limits are the sign-in's, auth.Limits).
var RulePerCode = throttle.Rule{Max: 5, Window: 15 * time.Minute}

// ActivateInput is what the app sends to activate (docs/contract.md §Phone app).
type ActivateInput struct {
	Code           string
	Login          string // only where the policy asks the employee to choose
	Password       string
	Device         kabinet.Device
	ConsentVersion string // "" = the organisation's current version
}

var (
	errWrongCode   = kabinet.Errorf(kabinet.EUNAUTHENTICATED, "the activation code is wrong, expired or was replaced; check it or ask HR for a new one")
	errWrongSecret = kabinet.Errorf(kabinet.EUNAUTHENTICATED, "the activation code or the password is wrong")
	errBlocked     = kabinet.Errorf(kabinet.EFORBIDDEN, "your cabinet is blocked; contact HR")
)

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
	if err := auth.CheckDevice(&in.Device); err != nil {
		return nil, err
	}
	code, ok := NormalizeCode(in.Code)
	hash := ""
	var codeKey throttle.Key
	if ok {
		hash = hashCode(s.CodeKey, code)
		codeKey = throttle.Key{Name: "activate/code/" + hash, Rule: RulePerCode}
	}
	g, err := s.Sessions.Guard(ctx, "activate", in.Device.ClientID, codeKey)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*kabinet.Session, error) { return nil, g.Fail(ctx, err) }
	if !ok {
		return fail(kabinet.Errorf(kabinet.EBADINPUT, "an activation code has %d letters and digits, like ABCD-EFGH-JKMN", CodeLength))
	}
	if len(in.Password) > 4*auth.MaxPasswordLength {
		return nil, kabinet.Errorf(kabinet.EBADINPUT, "the password is too long: at most %d characters", auth.MaxPasswordLength)
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
	// From here on the password is hashed or checked (once, or twice when
	// a racing activation wins): one operation of the request's budget.
	if err := passhash.Spend(ctx); err != nil {
		return nil, err
	}
	if cr.ActivatedAt == nil {
		sess, err := s.firstActivation(ctx, cr, e, code, hash, in)
		if !errors.Is(err, kabinet.ErrAlreadyActivated) {
			if kabinet.ErrorCode(err) == kabinet.EUNAUTHENTICATED {
				return fail(err)
			}
			if err == nil {
				g.Succeed(ctx, true)
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
	match, err := s.Sessions.VerifyPassword(ctx, cr, in.Password)
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
	g.Succeed(ctx, true)
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
		if act.Login, err = auth.CheckLogin(in.Login); err != nil {
			return nil, err
		}
		compareTo = act.Login
	}
	if err := auth.CheckPassword(in.Password, compareTo); err != nil {
		return nil, err
	}
	if c, ok := NormalizeCode(in.Password); ok && c == code {
		return nil, kabinet.Errorf(kabinet.EBADINPUT, "the password must differ from the activation code")
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
	// The password's hash is salted by the login (auth.Service.HashPassword):
	// a generated login is chosen before hashing. If another activation takes
	// it meanwhile, the store picks the next free one and the hash, salted
	// for the first, still verifies (it is re-made at the next sign-in).
	generated := act.Login == ""
	if generated {
		if act.Login, err = s.Store.FreeLogin(ctx, cr.OrgID, act.LoginBase); err != nil {
			return nil, err
		}
	}
	if act.PasswordHash, err = s.Sessions.HashPassword(ctx, act.Login, in.Password); err != nil {
		return nil, err
	}
	_, err = s.Store.ActivateCabinet(ctx, act)
	if generated && kabinet.ErrorCode(err) == kabinet.ECONFLICT {
		act.Login = ""
		_, err = s.Store.ActivateCabinet(ctx, act)
	}
	if err != nil {
		return nil, err
	}
	return s.Sessions.StartSession(ctx, cr.OrgID, cr.EmployeeID, in.Device, kabinet.MethodActivation)
}
