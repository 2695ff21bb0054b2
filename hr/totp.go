package hr

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/throttle"
)

// The second factor is TOTP (RFC 6238: 6 digits, 30-second steps, SHA-1,
// what every authenticator app reads), computed by github.com/pquerna/otp.
// A code is accepted in its step or the one before or after (clock drift),
// and once: the last accepted step is stored, and an earlier or equal one
// is refused (a replayed code). The secret is sealed with AES-GCM under a
// key derived from the master secret, so a copy of the database alone does
// not yield it. Recovery codes (RecoveryCodes of them, shown once) are
// stored as keyed hashes and are good once each.

const (
	totpPeriod = 30
	totpIssuer = "Kabinet HR"
	// RecoveryCodes is how many recovery codes a user gets.
	RecoveryCodes = 10
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

var errWrongCode = kabinet.Errorf(kabinet.EUNAUTHENTICATED, "wrong code")

// aead is AES-256-GCM under the seal key.
func (s *Service) aead() (cipher.AEAD, error) {
	block, err := aes.NewCipher(s.SealKey)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func (s *Service) seal(secret string) (string, error) {
	gcm, err := s.aead()
	if err != nil {
		return "", err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return base64.RawStdEncoding.EncodeToString(gcm.Seal(nonce, nonce, []byte(secret), []byte("hr-totp"))), nil
}

func (s *Service) unseal(sealed string) (string, error) {
	raw, err := base64.RawStdEncoding.DecodeString(sealed)
	if err != nil {
		return "", err
	}
	gcm, err := s.aead()
	if err != nil {
		return "", err
	}
	if len(raw) < gcm.NonceSize() {
		return "", kabinet.Errorf(kabinet.EINTERNAL, "sealed TOTP secret is too short")
	}
	plain, err := gcm.Open(nil, raw[:gcm.NonceSize()], raw[gcm.NonceSize():], []byte("hr-totp"))
	return string(plain), err
}

// matchStep returns the 30-second step of now−1…now+1 whose code is code,
// or -1.
func matchStep(secret, code string, now time.Time) (int64, error) {
	code = strings.TrimSpace(code)
	if len(code) != 6 {
		return -1, nil
	}
	step := now.Unix() / totpPeriod
	for _, st := range []int64{step - 1, step, step + 1} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(st*totpPeriod, 0), totpOpts)
		if err != nil {
			return -1, err
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return st, nil
		}
	}
	return -1, nil
}

// TOTPSetup is a second factor being set up: the key (for the QR code and
// the secret as text) is shown until the user confirms it with a code.
type TOTPSetup struct {
	Key *otp.Key
}

// StartTOTP generates a new TOTP secret for the actor's own account and
// keeps it, sealed, until ConfirmTOTP. CONFLICT when a second factor is
// already on (turn it off first).
func (s *Service) StartTOTP(ctx context.Context, u *User) (*TOTPSetup, error) {
	if u.TOTPEnabledAt != nil {
		return nil, kabinet.Errorf(kabinet.ECONFLICT, "the second factor is already on")
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: u.Email, Period: totpPeriod,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return nil, err
	}
	sealed, err := s.seal(key.Secret())
	if err != nil {
		return nil, err
	}
	next := *u
	next.TOTPSecret, next.UpdatedAt = sealed, s.Clock.Now()
	if err := s.Store.UpdateHRUser(ctx, &next, false, ""); err != nil {
		return nil, err
	}
	*u = next
	return &TOTPSetup{Key: key}, nil
}

// PendingTOTP returns the key being set up (StartTOTP) for showing it
// again; nil when none is pending.
func (s *Service) PendingTOTP(u *User) (*otp.Key, error) {
	if u.TOTPSecret == "" || u.TOTPEnabledAt != nil {
		return nil, nil
	}
	secret, err := s.unseal(u.TOTPSecret)
	if err != nil {
		return nil, err
	}
	return totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: u.Email, Period: totpPeriod,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1, Secret: mustB32(secret)})
}

// ConfirmTOTP turns the pending second factor on when code is right, and
// returns the recovery codes (shown once). The user's other sessions are
// revoked (keep: the current one). UNAUTHENTICATED for a wrong code,
// CONFLICT when nothing is pending.
func (s *Service) ConfirmTOTP(ctx context.Context, u *User, keep, code string) ([]string, error) {
	if u.TOTPSecret == "" || u.TOTPEnabledAt != nil {
		return nil, kabinet.Errorf(kabinet.ECONFLICT, "start setting up the second factor first")
	}
	secret, err := s.unseal(u.TOTPSecret)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	step, err := matchStep(secret, code, now)
	if err != nil {
		return nil, err
	}
	if step < 0 {
		return nil, errWrongCode
	}
	codes, hashes := s.newRecoveryCodes(u.ID)
	next := *u
	next.TOTPEnabledAt, next.TOTPLastStep, next.UpdatedAt = &now, step, now
	if err := s.Store.UpdateHRUser(ctx, &next, true, keep); err != nil {
		return nil, err
	}
	if err := s.Store.ReplaceRecoveryCodes(ctx, u.ID, hashes); err != nil {
		return nil, err
	}
	*u = next
	return codes, nil
}

// DisableTOTP turns the second factor off for a user who may go without
// (not an ADMIN), after checking their password. UNAUTHENTICATED for a
// wrong password, FORBIDDEN for an ADMIN.
func (s *Service) DisableTOTP(ctx context.Context, u *User, password string) error {
	if u.Role == RoleAdmin {
		return kabinet.Errorf(kabinet.EFORBIDDEN, "an administrator must keep the second factor")
	}
	if err := s.checkOwnPassword(ctx, u, password); err != nil {
		return err
	}
	next := *u
	next.TOTPSecret, next.TOTPEnabledAt, next.UpdatedAt = "", nil, s.Clock.Now()
	if err := s.Store.UpdateHRUser(ctx, &next, false, ""); err != nil {
		return err
	}
	*u = next
	return s.Store.ReplaceRecoveryCodes(ctx, u.ID, nil)
}

// VerifyTOTP completes a sign-in at the TOTP step with a code from the
// authenticator or a recovery code: the session becomes FULL.
// UNAUTHENTICATED "wrong code" for a wrong, replayed or used code (counted
// by the sign-in throttle per address and per user: RATE_LIMITED when it
// must wait); UNAUTHENTICATED session-ended for a session not at the step.
func (s *Service) VerifyTOTP(ctx context.Context, ss *Session, u *User, code string) error {
	if ss.Stage != StageTOTP || u.TOTPEnabledAt == nil {
		return errSessionEnded
	}
	g, err := s.Throttle.Guard(ctx, "hr-totp", "", throttle.Key{Name: "hr/totp/" + u.ID, Rule: throttle.Rule{Max: 10, Window: 15 * time.Minute}})
	if err != nil {
		return err
	}
	ok, err := s.checkSecondFactor(ctx, u, code)
	if err != nil {
		return err
	}
	if !ok {
		return g.Fail(ctx, errWrongCode)
	}
	g.Succeed(ctx, false)
	now := s.Clock.Now()
	if err := s.Store.TouchHRSession(ctx, ss.ID, StageFull, now); err != nil {
		return err
	}
	ss.Stage, ss.LastSeenAt = StageFull, now
	return nil
}

// checkSecondFactor tells whether code is the user's current TOTP code
// (not used before) or an unused recovery code, spending it.
func (s *Service) checkSecondFactor(ctx context.Context, u *User, code string) (bool, error) {
	code = strings.TrimSpace(code)
	if len(code) > 6 {
		return s.Store.UseRecoveryCode(ctx, u.ID, s.recoveryHash(u.ID, code), s.Clock.Now())
	}
	secret, err := s.unseal(u.TOTPSecret)
	if err != nil {
		return false, err
	}
	step, err := matchStep(secret, code, s.Clock.Now())
	if err != nil || step < 0 {
		return false, err
	}
	return s.Store.AcceptTOTPStep(ctx, u.ID, step)
}

// newRecoveryCodes makes the codes (xxxxx-xxxxx, 50 bits each) and their
// hashes.
func (s *Service) newRecoveryCodes(userID string) (codes, hashes []string) {
	for range RecoveryCodes {
		t := kabinet.RandomToken(7)[:10]
		c := t[:5] + "-" + t[5:]
		codes = append(codes, c)
		hashes = append(hashes, s.recoveryHash(userID, c))
	}
	return codes, hashes
}

// recoveryHash is the stored form of a recovery code: HMAC under the seal
// key, per user (codes have 50 random bits: no slow hash needed, and the
// throttle bounds guessing).
func (s *Service) recoveryHash(userID, code string) string {
	m := hmac.New(sha256.New, s.SealKey)
	m.Write([]byte("hr-recovery\x00" + userID + "\x00" + strings.ToLower(strings.ReplaceAll(strings.TrimSpace(code), " ", ""))))
	return hex.EncodeToString(m.Sum(nil))
}

// mustB32 decodes a base32 TOTP secret (as otp.Key.Secret gives it).
func mustB32(secret string) []byte {
	b, err := b32.DecodeString(strings.ToUpper(secret))
	if err != nil {
		panic(err) // only secrets this package generated are sealed
	}
	return b
}

// RecoveryCodesLeft counts the user's unused recovery codes.
func (s *Service) RecoveryCodesLeft(ctx context.Context, u *User) (int, error) {
	return s.Store.RecoveryCodesLeft(ctx, u.ID)
}
