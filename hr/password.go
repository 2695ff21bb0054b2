package hr

import (
	"context"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/auth"
	"github.com/kabinet/kabinet/passhash"
	"github.com/kabinet/kabinet/throttle"
)

var errLinkGone = kabinet.Errorf(kabinet.ENOTFOUND, "this link is unknown, already used or expired; ask your administrator for a new one")

// Link returns the user a set-password link is for; NOT_FOUND when the
// link is unknown, used or expired.
func (s *Service) Link(ctx context.Context, token string) (*User, error) {
	if token == "" || len(token) > 100 {
		return nil, errLinkGone
	}
	l, err := s.Store.HRLink(ctx, kabinet.HashSecret(token))
	if kabinet.ErrorCode(err) == kabinet.ENOTFOUND {
		return nil, errLinkGone
	}
	if err != nil {
		return nil, err
	}
	if l.UsedAt != nil || !s.Clock.Now().Before(l.ExpiresAt) {
		return nil, errLinkGone
	}
	return s.Store.HRUser(ctx, l.OrgID, l.UserID)
}

// SetPasswordWithLink spends a set-password link: the user's password
// becomes password (auth.CheckPassword's rules, BAD_USER_INPUT), an
// invited user becomes active, and the user's sessions are revoked.
// NOT_FOUND when the link is unknown, used or expired (checked again in
// the store's transaction: two tabs cannot both use it).
func (s *Service) SetPasswordWithLink(ctx context.Context, token, password string) (*User, error) {
	u, err := s.Link(ctx, token)
	if err != nil {
		return nil, err
	}
	if err := auth.CheckPassword(password, u.Email); err != nil {
		return nil, err
	}
	hash, err := s.hashPassword(ctx, NormalizeEmail(u.Email), password)
	if err != nil {
		return nil, err
	}
	u, err = s.Store.UseHRLink(ctx, kabinet.HashSecret(token), hash, s.Clock.Now())
	if kabinet.ErrorCode(err) == kabinet.ENOTFOUND {
		return nil, errLinkGone
	}
	return u, err
}

// checkOwnPassword checks a signed-in user's password (before changing it
// or turning the second factor off), throttled like a sign-in.
// UNAUTHENTICATED "wrong password".
func (s *Service) checkOwnPassword(ctx context.Context, u *User, password string) error {
	g, err := s.Throttle.Guard(ctx, "hr", "", throttle.Key{Name: "hr/email/" + kabinet.HashSecret(NormalizeEmail(u.Email)),
		Rule: auth.DefaultLimits.PerUnknownDevices})
	if err != nil {
		return err
	}
	hash, err := s.hashPassword(ctx, NormalizeEmail(u.Email), password)
	if err != nil {
		return err
	}
	if !passhash.Equal(u.PasswordHash, hash) {
		return g.Fail(ctx, kabinet.Errorf(kabinet.EUNAUTHENTICATED, "wrong password"))
	}
	g.Succeed(ctx, false)
	return nil
}

// ChangePassword changes the user's own password after checking the
// current one, and revokes their other sessions (keep stays).
// UNAUTHENTICATED for a wrong current password, BAD_USER_INPUT for a new
// one that breaks the rules.
func (s *Service) ChangePassword(ctx context.Context, u *User, keep, current, password string) error {
	if err := auth.CheckPassword(password, u.Email); err != nil {
		return err
	}
	if err := s.checkOwnPassword(ctx, u, current); err != nil {
		return err
	}
	hash, err := s.hashPassword(ctx, NormalizeEmail(u.Email), password)
	if err != nil {
		return err
	}
	next := *u
	next.PasswordHash, next.UpdatedAt = hash, s.Clock.Now()
	if err := s.Store.UpdateHRUser(ctx, &next, true, keep); err != nil {
		return err
	}
	*u = next
	return nil
}
