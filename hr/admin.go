package hr

import (
	"context"
	"fmt"
	"strings"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/activation"
)

// Administration of an organisation's HR users, by its ADMINs: every
// method here takes the organisation from the actor (never from input),
// needs PermAdmin (FORBIDDEN otherwise) and answers NOT_FOUND for a user of
// another organisation. An organisation always keeps an active ADMIN: the
// last one cannot be demoted or disabled (CONFLICT), and nobody demotes or
// disables themselves.

// Users lists the organisation's HR users (PermView: every role reads
// the console).
func (s *Service) Users(ctx context.Context) ([]*User, error) {
	a := kabinet.ActorFrom(ctx)
	if err := Require(a, PermView); err != nil {
		return nil, err
	}
	return s.Store.HRUsers(ctx, a.OrgID, maxUsers)
}

// Invitation is an invited user with their one-time link; Sent tells
// whether the email went out (if not, the admin hands the link over).
type Invitation struct {
	User *User
	Link string
	Sent bool
}

// LinkURL is the absolute set-password link of token under base (the
// console's public URL, e.g. https://kabinet.example.ru), or its path when
// base is "".
func LinkURL(base, token string) string {
	return strings.TrimRight(base, "/") + SetPasswordPath(token)
}

// Invite creates an HR user of the actor's organisation and emails them a
// one-time set-password link under base (good for LinkLifetime, once).
// PermAdmin; BAD_USER_INPUT for a bad email, name or role, CONFLICT for a
// taken email. A failed email is not an error: the invitation says so,
// with the link for the admin to hand over.
func (s *Service) Invite(ctx context.Context, in NewUserInput, base string) (*Invitation, error) {
	a := kabinet.ActorFrom(ctx)
	if err := Require(a, PermAdmin); err != nil {
		return nil, err
	}
	u, token, err := s.AddUser(ctx, a.OrgID, in)
	if err != nil {
		return nil, err
	}
	return s.sendLink(ctx, a, u, token, base), nil
}

// Reinvite issues a new set-password link to a user who has not set a
// password yet (earlier links stay good until they expire). PermAdmin;
// NOT_FOUND for another organisation's user, CONFLICT for an active or
// disabled one.
func (s *Service) Reinvite(ctx context.Context, id, base string) (*Invitation, error) {
	a := kabinet.ActorFrom(ctx)
	if err := Require(a, PermAdmin); err != nil {
		return nil, err
	}
	u, err := s.Store.HRUser(ctx, a.OrgID, id)
	if err != nil {
		return nil, err
	}
	if u.Status != StatusInvited {
		return nil, kabinet.Errorf(kabinet.ECONFLICT, "only an invited user who has not set a password yet can be invited again")
	}
	link, token := s.newLink(u)
	if err := s.Store.CreateHRLink(ctx, link); err != nil {
		return nil, err
	}
	return s.sendLink(ctx, a, u, token, base), nil
}

func (s *Service) sendLink(ctx context.Context, a *kabinet.Actor, u *User, token, base string) *Invitation {
	inv := &Invitation{User: u, Link: LinkURL(base, token)}
	if s.Mail == nil {
		return inv
	}
	err := s.Mail.Send(ctx, activation.Message{ID: kabinet.NewID("hrmail"), Channel: kabinet.ChannelEmail, To: u.Email,
		Subject: "Кабинет: приглашение в HR-консоль / Kabinet: your HR console invitation",
		Text:    invitationText(u, a.HRUserName, inv.Link)})
	if err != nil {
		s.logger().WarnContext(ctx, "HR invitation email failed", "request_id", a.RequestID, "hr_user", u.ID, "err", err)
		return inv
	}
	inv.Sent = true
	return inv
}

func invitationText(u *User, by, link string) string {
	return fmt.Sprintf(`Здравствуйте, %s!

%s приглашает вас в HR-консоль Кабинета. Задайте пароль по ссылке (она действует %d часа и только один раз):

%s

Hello %s, %s invites you to the Kabinet HR console. Set your password with the link above (good for %d hours, once).
`, u.FullName, by, int(LinkLifetime.Hours()), link, u.FullName, by, int(LinkLifetime.Hours()))
}

// ChangeUser is a change of an HR user by an admin: a new role and/or
// disabling or enabling them; nil fields keep their value.
type ChangeUser struct {
	Role     *string
	Disabled *bool
}

// UpdateUser changes another HR user's role or status. Disabling revokes
// their sessions at once; a role change takes effect at their next request.
// PermAdmin; NOT_FOUND for another organisation's user, BAD_USER_INPUT for
// an unknown role, CONFLICT for one's own account or the last active ADMIN.
// It returns the user before and after.
func (s *Service) UpdateUser(ctx context.Context, id string, ch ChangeUser) (before, after *User, err error) {
	a := kabinet.ActorFrom(ctx)
	if err := Require(a, PermAdmin); err != nil {
		return nil, nil, err
	}
	u, err := s.Store.HRUser(ctx, a.OrgID, id)
	if err != nil {
		return nil, nil, err
	}
	if u.ID == a.HRUserID {
		return nil, nil, kabinet.Errorf(kabinet.ECONFLICT, "you cannot change your own role or status")
	}
	next := *u
	if ch.Role != nil {
		if next.Role, err = ParseRole(*ch.Role); err != nil {
			return nil, nil, err
		}
	}
	if ch.Disabled != nil {
		switch {
		case *ch.Disabled:
			next.Status = StatusDisabled
		case u.Status == StatusDisabled && u.PasswordHash == "":
			next.Status = StatusInvited
		case u.Status == StatusDisabled:
			next.Status = StatusActive
		}
	}
	if u.Role == RoleAdmin && u.Status == StatusActive && (next.Role != RoleAdmin || next.Status != StatusActive) {
		if err := s.keepAnAdmin(ctx, a.OrgID, u.ID); err != nil {
			return nil, nil, err
		}
	}
	next.UpdatedAt = s.Clock.Now()
	if err := s.Store.UpdateHRUser(ctx, &next, next.Status == StatusDisabled, ""); err != nil {
		return nil, nil, err
	}
	return u, &next, nil
}

// keepAnAdmin returns CONFLICT unless the organisation has an active ADMIN
// besides the user.
func (s *Service) keepAnAdmin(ctx context.Context, orgID, userID string) error {
	users, err := s.Store.HRUsers(ctx, orgID, maxUsers)
	if err != nil {
		return err
	}
	for _, o := range users {
		if o.ID != userID && o.Role == RoleAdmin && o.Status == StatusActive {
			return nil
		}
	}
	return kabinet.Errorf(kabinet.ECONFLICT, "the organisation must keep an active administrator")
}
