package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/sha256"
	"strings"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/passhash"
)

// QuickLoginStore is what quick login needs of the store.
type QuickLoginStore interface {
	PutQuickLogin(ctx context.Context, q *kabinet.QuickLogin) error
	QuickLoginsByClient(ctx context.Context, clientID, method string, limit int) ([]*kabinet.QuickLogin, error)
	QuickLoginBySecret(ctx context.Context, secretHash string) (*kabinet.QuickLogin, error)
	PINAttempt(ctx context.Context, deviceID string, max int, check func(verifier string) bool) (kabinet.PINAttempt, error)
	BeginPINAttempt(ctx context.Context, deviceID string, max int) (kabinet.PINAttempt, error)
	EndPINAttempt(ctx context.Context, deviceID string, ok bool, max int) (kabinet.PINAttempt, error)
	ClearQuickLogins(ctx context.Context, employeeID string) error
	SetPINVerifier(ctx context.Context, deviceID, verifier string) error
	SpendChallenge(ctx context.Context, hash string, expiresAt time.Time) error
}

// QuickLoginConfig holds the quick-login parameters that are not the
// organisation's policy. Zero fields take the defaults.
type QuickLoginConfig struct {
	// SetupWindow is how recent the session's password sign-in must be to
	// set up quick login (default 5 minutes).
	SetupWindow time.Duration
	// ChallengeTTL is how long a challenge may be used (default 60 s).
	ChallengeTTL time.Duration
}

const (
	defaultSetupWindow  = 5 * time.Minute
	defaultChallengeTTL = 60 * time.Second
	// candidateKeys bounds how many biometric keys registered on one install
	// (by different employees) a signature is tried against.
	candidateKeys = 5
)

func (s *Service) setupWindow() time.Duration {
	if s.QuickConfig.SetupWindow > 0 {
		return s.QuickConfig.SetupWindow
	}
	return defaultSetupWindow
}

func (s *Service) challengeTTL() time.Duration {
	if s.QuickConfig.ChallengeTTL > 0 {
		return s.QuickConfig.ChallengeTTL
	}
	return defaultChallengeTTL
}

// SetupInput is a quick-login set-up request of the calling device.
type SetupInput struct {
	Method    string // PIN or BIOMETRIC
	PIN       string // PIN: digits, of the policy's length
	PublicKey string // BIOMETRIC: base64 DER SubjectPublicKeyInfo, P-256
}

// Setup is the result of SetupQuickLogin.
type Setup struct {
	Method       string
	ClientID     string // the install id, which quickLoginChallenge and quickLogin take
	DeviceSecret string // PIN: to be kept by the app and sent with the PIN
}

// SetupQuickLogin sets up quick login on the caller's device, replacing the
// method set up there before. It needs a password sign-in in this session
// within the last few minutes (FORBIDDEN otherwise) and a method the policy
// allows (FORBIDDEN). BIOMETRIC takes a P-256 public key; PIN takes digits
// of the policy's length that are not trivial (BAD_USER_INPUT), and returns
// a fresh 256-bit device secret. The server keeps only the SHA-256 of the
// secret and a MAC, under the PIN pepper, of the secret and the PIN
// together: the PIN cannot be guessed from the database without the secret
// the phone holds (pin.go says why this needs no slow hash).
func (s *Service) SetupQuickLogin(ctx context.Context, a *kabinet.Actor, in SetupInput) (*Setup, error) {
	sess, err := s.Store.Session(ctx, a.SessionID)
	if kabinet.ErrorCode(err) == kabinet.ENOTFOUND || (err == nil && sess.Revoked) {
		return nil, kabinet.Errorf(kabinet.EUNAUTHENTICATED, "the session has ended; sign in again")
	}
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	if sess.PasswordAt == nil || now.Sub(*sess.PasswordAt) > s.setupWindow() {
		return nil, kabinet.Errorf(kabinet.EFORBIDDEN, "setting up quick login needs a password sign-in within the last %d minutes; sign in with your password and try again",
			int(s.setupWindow()/time.Minute))
	}
	if in.Method != kabinet.MethodPIN && in.Method != kabinet.MethodBiometric {
		return nil, kabinet.Errorf(kabinet.EBADINPUT, "method must be PIN or BIOMETRIC")
	}
	p, err := s.Policy(ctx, a.OrgID)
	if err != nil {
		return nil, err
	}
	if !p.Allows(in.Method) {
		return nil, kabinet.Errorf(kabinet.EFORBIDDEN, "your organisation does not allow %s login", strings.ToLower(in.Method))
	}
	q := &kabinet.QuickLogin{DeviceID: a.DeviceID, OrgID: a.OrgID, EmployeeID: a.EmployeeID, Method: in.Method}
	var secret string
	switch in.Method {
	case kabinet.MethodBiometric:
		if in.PIN != "" {
			return nil, kabinet.Errorf(kabinet.EBADINPUT, "pin is only for PIN set-up")
		}
		if _, q.PublicKey, err = ParseP256PublicKey(in.PublicKey); err != nil {
			return nil, err
		}
	case kabinet.MethodPIN:
		if in.PublicKey != "" {
			return nil, kabinet.Errorf(kabinet.EBADINPUT, "publicKey is only for BIOMETRIC set-up")
		}
		if err := CheckNewPIN(in.PIN, p.PINLength); err != nil {
			return nil, err
		}
		secret = kabinet.RandomToken(32)
		q.SecretHash = kabinet.HashSecret(secret)
		q.PINHash = s.pinVerifier(secret, in.PIN)
	}
	if err := s.QuickLogins.PutQuickLogin(ctx, q); err != nil {
		if kabinet.ErrorCode(err) == kabinet.ENOTFOUND {
			return nil, kabinet.Errorf(kabinet.EUNAUTHENTICATED, "this device has been signed out; sign in again")
		}
		return nil, err
	}
	return &Setup{Method: q.Method, ClientID: q.ClientID, DeviceSecret: secret}, nil
}

// Challenge is a quick-login challenge.
type Challenge struct {
	Challenge string // base64 of 32 bytes (challenge.go)
	ExpiresAt time.Time
}

// QuickLoginChallenge issues a random single-use challenge (256 bits) for an
// install (the app's DeviceInput.id), valid for about a minute. It is
// signed, not stored (challenge.go): issuing writes nothing and a flood of
// requests for an install cannot displace its pending challenge. It answers
// the same whether or not quick login is set up on that install, so it
// reveals nothing. RATE_LIMITED when the address has failed too many quick
// logins; BAD_USER_INPUT for a malformed device id.
func (s *Service) QuickLoginChallenge(ctx context.Context, clientID string) (*Challenge, error) {
	if err := checkClientID(clientID); err != nil {
		return nil, err
	}
	if _, err := s.Guard(ctx, "quick", ""); err != nil {
		return nil, err
	}
	exp := s.Clock.Now().Add(s.challengeTTL()).Truncate(time.Second)
	return &Challenge{Challenge: encodeChallenge(s.newChallenge(clientID, exp)), ExpiresAt: exp}, nil
}

func checkClientID(id string) error {
	if id == "" || len(id) > maxClientIDLen || strings.ContainsFunc(id, func(r rune) bool { return r < '!' || r > '~' }) {
		return kabinet.Errorf(kabinet.EBADINPUT, "deviceId must be 1 to %d printable ASCII characters", maxClientIDLen)
	}
	return nil
}

// QuickLoginInput is a quick-login attempt.
type QuickLoginInput struct {
	ClientID     string // the install id the challenge was issued to
	Challenge    string // base64, from QuickLoginChallenge
	PIN          string // PIN, with DeviceSecret
	DeviceSecret string
	Signature    string // BIOMETRIC: base64 ASN.1 ECDSA-SHA256 signature of the challenge bytes
}

type quickAttempt struct {
	clientID  string
	challenge []byte
	signature []byte
	pin       string
	secret    string
}

// parse checks the shape of an attempt (BAD_USER_INPUT), before anything
// is counted or consumed.
func (in QuickLoginInput) parse() (*quickAttempt, error) {
	if err := checkClientID(in.ClientID); err != nil {
		return nil, err
	}
	at := &quickAttempt{clientID: in.ClientID, pin: in.PIN, secret: in.DeviceSecret}
	var ok bool
	if len(in.Challenge) > 2*challengeBytes {
		return nil, kabinet.Errorf(kabinet.EBADINPUT, "challenge is not one this server issued")
	}
	if at.challenge, ok = decodeBase64(in.Challenge); !ok || len(at.challenge) != challengeBytes {
		return nil, kabinet.Errorf(kabinet.EBADINPUT, "challenge is not one this server issued")
	}
	switch {
	case in.Signature != "" && (in.PIN != "" || in.DeviceSecret != ""):
		return nil, kabinet.Errorf(kabinet.EBADINPUT, "send either signature (BIOMETRIC) or pin and deviceSecret (PIN), not both")
	case in.Signature != "":
		if len(in.Signature) > maxSignatureLen {
			return nil, kabinet.Errorf(kabinet.EBADINPUT, "signature is too long")
		}
		if at.signature, ok = decodeBase64(in.Signature); !ok {
			return nil, kabinet.Errorf(kabinet.EBADINPUT, "signature must be base64")
		}
	case in.PIN != "" || in.DeviceSecret != "":
		if in.PIN == "" || in.DeviceSecret == "" {
			return nil, kabinet.Errorf(kabinet.EBADINPUT, "PIN login needs both pin and deviceSecret")
		}
		if len(in.DeviceSecret) > maxSecretLen {
			return nil, kabinet.Errorf(kabinet.EBADINPUT, "deviceSecret is too long")
		}
		if err := CheckPINFormat(in.PIN); err != nil {
			return nil, err
		}
	default:
		return nil, kabinet.Errorf(kabinet.EBADINPUT, "send signature (BIOMETRIC) or pin and deviceSecret (PIN)")
	}
	return at, nil
}

// errQuickLoginFailed is deliberately the same whether the install is
// unknown, the secret is wrong or the signature does not verify.
func errQuickLoginFailed() error {
	return kabinet.Errorf(kabinet.EUNAUTHENTICATED, "quick login failed: it is not set up on this device or the credentials do not match; sign in with your password")
}

// QuickLogin signs in with a quick-login method and a challenge. The
// challenge is spent by any attempt, must not have expired, and must have
// been issued to the same install. BIOMETRIC: the signature must verify
// (ECDSA over SHA-256 of the challenge bytes) with a key registered on the
// install. PIN: the device secret picks the device, and the PIN must match;
// every wrong PIN is counted in the database, and at the policy's limit the
// device's quick login locks until a password sign-in on that device.
//
// Errors: BAD_USER_INPUT for malformed input (nothing counted or spent);
// UNAUTHENTICATED for a bad challenge, unknown device, wrong secret, wrong
// PIN or bad signature (counted against the client address); FORBIDDEN when
// the quick login is locked or the policy no longer allows the method;
// RATE_LIMITED when the address has failed too often.
func (s *Service) QuickLogin(ctx context.Context, in QuickLoginInput) (*kabinet.Session, error) {
	at, err := in.parse()
	if err != nil {
		return nil, err
	}
	g, err := s.Guard(ctx, "quick", "")
	if err != nil {
		return nil, err
	}
	fail := func(err error) error { return g.Fail(ctx, err) }
	if err := s.spendChallenge(ctx, at.clientID, at.challenge); err != nil {
		if kabinet.ErrorCode(err) == kabinet.EUNAUTHENTICATED {
			return nil, fail(err)
		}
		return nil, err
	}
	if at.signature != nil {
		return s.biometricLogin(ctx, at, fail)
	}
	return s.pinLogin(ctx, at, fail)
}

func (s *Service) biometricLogin(ctx context.Context, at *quickAttempt, fail func(error) error) (*kabinet.Session, error) {
	cands, err := s.QuickLogins.QuickLoginsByClient(ctx, at.clientID, kabinet.MethodBiometric, candidateKeys)
	if err != nil {
		return nil, err
	}
	digest := sha256.Sum256(at.challenge)
	var q *kabinet.QuickLogin
	for _, c := range cands {
		pub, err := parseP256DER(c.PublicKey)
		if err == nil && ecdsa.VerifyASN1(pub, digest[:], at.signature) {
			q = c
			break
		}
	}
	if q == nil {
		if len(cands) > 0 {
			s.recordQuickFailure(ctx, cands[0], "bad signature")
		}
		return nil, fail(errQuickLoginFailed())
	}
	return s.finishQuickLogin(ctx, q, nil)
}

func (s *Service) pinLogin(ctx context.Context, at *quickAttempt, fail func(error) error) (*kabinet.Session, error) {
	q, err := s.QuickLogins.QuickLoginBySecret(ctx, kabinet.HashSecret(at.secret))
	if kabinet.ErrorCode(err) == kabinet.ENOTFOUND || (err == nil && (q.ClientID != at.clientID || q.Method != kabinet.MethodPIN)) {
		return nil, fail(errQuickLoginFailed())
	}
	if err != nil {
		return nil, err
	}
	p, err := s.Policy(ctx, q.OrgID)
	if err != nil {
		return nil, err
	}
	if !p.Allows(kabinet.MethodPIN) {
		s.recordQuickFailure(ctx, q, "method not allowed by the policy")
		return nil, errNotAllowed(kabinet.MethodPIN)
	}
	tried, ok, res, err := s.pinAttempt(ctx, q, at, p.MaxPINAttempts)
	if kabinet.ErrorCode(err) == kabinet.ENOTFOUND {
		return nil, fail(errQuickLoginFailed())
	}
	if err != nil {
		return nil, err
	}
	if !tried {
		s.recordQuickFailure(ctx, q, "quick login locked")
		return nil, errLocked()
	}
	if !ok {
		if res.Locked {
			a := kabinet.ActorFrom(ctx)
			s.logger().WarnContext(ctx, "quick login locked after too many wrong PINs", "request_id", a.RequestID,
				"employee", q.EmployeeID, "device", q.DeviceID, "address", a.Address)
			s.recordQuickFailure(ctx, q, "wrong PIN; quick login locked")
			return nil, fail(kabinet.Errorf(kabinet.EUNAUTHENTICATED, "wrong PIN; quick login on this device is now locked: sign in with your password to unlock it"))
		}
		s.recordQuickFailure(ctx, q, "wrong PIN")
		left := p.MaxPINAttempts - res.FailedAttempts
		return nil, fail(kabinet.Errorf(kabinet.EUNAUTHENTICATED, "wrong PIN; %d attempt(s) left before quick login on this device is locked", left))
	}
	return s.finishQuickLogin(ctx, q, p)
}

// pinAttempt checks the PIN against the device's counter: tried is false
// when the quick login was locked before the PIN was looked at; res is the
// counter after the attempt. A MAC verifier is checked inside the store's
// write transaction (one write, exact under concurrency: attempts on one
// device are serialised). An old argon2id verifier is too slow for that: the
// attempt is counted first (BeginPINAttempt), checked, then settled, and a
// right PIN re-stores the verifier as a MAC.
func (s *Service) pinAttempt(ctx context.Context, q *kabinet.QuickLogin, at *quickAttempt, max int) (tried, ok bool, res kabinet.PINAttempt, err error) {
	if strings.HasPrefix(q.PINHash, pinMACPrefix) {
		want := []byte(s.pinVerifier(at.secret, at.pin))
		if q.LockedAt == nil && q.FailedAttempts == 0 && hmac.Equal([]byte(q.PINHash), want) {
			// A right PIN on a device without failures changes nothing: no
			// write. (Racing wrong guesses are still all counted by
			// PINAttempt; one racing right PIN may leave their count standing.)
			return true, true, kabinet.PINAttempt{}, nil
		}
		res, err = s.QuickLogins.PINAttempt(context.WithoutCancel(ctx), q.DeviceID, max, func(verifier string) bool {
			tried, ok = true, hmac.Equal([]byte(verifier), want)
			return ok
		})
		return tried, ok, res, err
	}
	if err := passhash.Spend(ctx); err != nil {
		return false, false, kabinet.PINAttempt{}, err
	}
	begun, err := s.QuickLogins.BeginPINAttempt(ctx, q.DeviceID, max)
	if err != nil || begun.Locked {
		return false, false, begun, err
	}
	ok, upgrade, err := s.checkPIN(ctx, q.PINHash, at.secret, at.pin)
	if err != nil {
		return true, false, begun, err // the attempt stays counted
	}
	if upgrade != "" {
		if err := s.QuickLogins.SetPINVerifier(context.WithoutCancel(ctx), q.DeviceID, upgrade); err != nil {
			return true, false, begun, err
		}
	}
	res, err = s.QuickLogins.EndPINAttempt(context.WithoutCancel(ctx), q.DeviceID, ok, max)
	return true, ok, res, err
}

func errLocked() error {
	return kabinet.Errorf(kabinet.EFORBIDDEN, "quick login on this device is locked after too many wrong PINs; sign in with your password to unlock it")
}

func errNotAllowed(method string) error {
	return kabinet.Errorf(kabinet.EFORBIDDEN, "your organisation no longer allows %s login; sign in with your password", strings.ToLower(method))
}

// finishQuickLogin checks what may have changed since set-up (policy,
// cabinet) and starts the session. p is the policy if already read.
func (s *Service) finishQuickLogin(ctx context.Context, q *kabinet.QuickLogin, p *kabinet.AuthPolicy) (*kabinet.Session, error) {
	if p == nil {
		var err error
		if p, err = s.Policy(ctx, q.OrgID); err != nil {
			return nil, err
		}
	}
	if !p.Allows(q.Method) {
		s.recordQuickFailure(ctx, q, "method not allowed by the policy")
		return nil, errNotAllowed(q.Method)
	}
	if s.Gate != nil {
		if err := s.Gate.MaySignIn(ctx, q.OrgID, q.EmployeeID); err != nil {
			s.recordQuickFailure(ctx, q, "sign-in refused: "+kabinet.ErrorCode(err))
			return nil, err
		}
	}
	return s.StartSession(ctx, q.OrgID, q.EmployeeID, q.Device, q.Method)
}

func (s *Service) recordQuickFailure(ctx context.Context, q *kabinet.QuickLogin, reason string) {
	a := kabinet.ActorFrom(ctx)
	ev := &kabinet.LoginEvent{OrgID: q.OrgID, EmployeeID: q.EmployeeID, DeviceID: q.DeviceID, DeviceModel: q.Device.Model,
		Method: q.Method, Address: a.Address, UserAgent: a.UserAgent, Reason: reason}
	if err := s.Store.RecordLoginEvent(context.WithoutCancel(ctx), ev); err != nil {
		s.logger().ErrorContext(ctx, "record quick login failure", "request_id", a.RequestID, "err", err)
	}
}

// ClearQuickLogins removes every quick login of an employee, on every
// device: to be called when the password changes. (EndAllSessions, for a
// blocked or dismissed employee, does it too.)
func (s *Service) ClearQuickLogins(ctx context.Context, employeeID string) error {
	return s.QuickLogins.ClearQuickLogins(ctx, employeeID)
}
