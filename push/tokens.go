package push

import (
	"context"
	"strings"

	"github.com/kabinet/kabinet"
)

// Token limits. APNs device tokens are hex (32 bytes today, up to 100 bytes
// allowed by Apple); FCM registration tokens are URL-safe text of about 160
// characters, documented only as opaque, so a generous bound is used.
const (
	minTokenLen = 32
	maxTokenLen = 4096
)

// RegisterPushToken binds a push token to the calling employee's device: one
// current token per device (re-registering replaces it), a token moving from
// another device leaves that one, and the refresh time is stored.
// BAD_USER_INPUT for an unknown provider or an empty, oversized or malformed
// token; NOT_FOUND if the caller's device was signed out.
func (s *Service) RegisterPushToken(ctx context.Context, a *kabinet.Actor, provider, token string) error {
	token = strings.TrimSpace(token)
	if err := checkToken(provider, token); err != nil {
		return err
	}
	return s.Store.RegisterPushToken(ctx, a.OrgID, a.EmployeeID, a.DeviceID, provider, token)
}

func checkToken(provider, token string) error {
	switch {
	case provider != kabinet.ProviderFCM && provider != kabinet.ProviderAPNs:
		return kabinet.Errorf(kabinet.EBADINPUT, "provider must be FCM or APNS")
	case token == "":
		return kabinet.Errorf(kabinet.EBADINPUT, "the push token is empty")
	case len(token) > maxTokenLen:
		return kabinet.Errorf(kabinet.EBADINPUT, "the push token is too long (%d bytes, at most %d)", len(token), maxTokenLen)
	case len(token) < minTokenLen:
		return kabinet.Errorf(kabinet.EBADINPUT, "the push token is too short for %s", provider)
	}
	if provider == kabinet.ProviderAPNs {
		if len(token)%2 != 0 || len(token) < 64 || len(token) > 200 || strings.Trim(strings.ToLower(token), "0123456789abcdef") != "" {
			return kabinet.Errorf(kabinet.EBADINPUT, "an APNs device token is hexadecimal (64 to 200 digits)")
		}
		return nil
	}
	for _, r := range token {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_:.", r)) {
			return kabinet.Errorf(kabinet.EBADINPUT, "an FCM registration token has only letters, digits and - _ : .")
		}
	}
	return nil
}
