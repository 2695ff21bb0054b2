// Package tenancy creates organisations and tells which organisation an API
// key belongs to. Keys are 256-bit random secrets, returned once at creation
// and stored only as SHA-256 hashes.
package tenancy

import (
	"context"
	"strings"

	"github.com/kabinet/kabinet"
)

// Store is what the service needs of the store.
type Store interface {
	CreateOrganization(ctx context.Context, org *kabinet.Organization, keyHash string) error
	OrganizationByKeyHash(ctx context.Context, keyHash string) (*kabinet.Organization, string, error)
	AddAPIKey(ctx context.Context, orgID, keyHash string) error
	Organizations(ctx context.Context) ([]*kabinet.Organization, error)
	KeyStore
}

// DefaultTimezone is the zone of an organisation created without one.
const DefaultTimezone = "Europe/Moscow"

// Service manages tenants.
type Service struct {
	Store Store
	// Clock times keys' creation and use (nil: the system clock).
	Clock   kabinet.Clock
	touches keyTouches
}

// CreateOrganization creates an organisation and returns it with its API
// key. BAD_USER_INPUT for an empty or overlong name or an unknown zone.
func (s *Service) CreateOrganization(ctx context.Context, name, timezone string) (*kabinet.Organization, string, error) {
	name, timezone = strings.TrimSpace(name), strings.TrimSpace(timezone)
	if name == "" || len([]rune(name)) > 200 {
		return nil, "", kabinet.Errorf(kabinet.EBADINPUT, "name must be 1 to 200 characters")
	}
	if timezone == "" {
		timezone = DefaultTimezone
	}
	if !kabinet.ValidTimezone(timezone) {
		return nil, "", kabinet.Errorf(kabinet.EBADINPUT, "timezone %q is not a known IANA time zone", timezone)
	}
	key := kabinet.NewAPIKey()
	org := &kabinet.Organization{Name: name, Timezone: timezone}
	if err := s.Store.CreateOrganization(ctx, org, kabinet.HashSecret(key)); err != nil {
		return nil, "", err
	}
	return org, key, nil
}

// IssueAPIKey creates another API key for an organisation and returns it;
// it is shown once, like the first. Keys issued before stay valid (revoke
// them through the store). NOT_FOUND for an unknown organisation.
func (s *Service) IssueAPIKey(ctx context.Context, orgID string) (string, error) {
	key := kabinet.NewAPIKey()
	if err := s.Store.AddAPIKey(ctx, strings.TrimSpace(orgID), kabinet.HashSecret(key)); err != nil {
		return "", err
	}
	return key, nil
}

// Organizations lists every organisation, oldest first.
func (s *Service) Organizations(ctx context.Context) ([]*kabinet.Organization, error) {
	return s.Store.Organizations(ctx)
}

// Authenticate returns the actor of an organisation API key, or
// UNAUTHENTICATED.
func (s *Service) Authenticate(ctx context.Context, key string) (*kabinet.Actor, error) {
	if !strings.HasPrefix(key, kabinet.APIKeyPrefix) {
		return nil, kabinet.Errorf(kabinet.EUNAUTHENTICATED, "invalid token")
	}
	org, keyID, err := s.Store.OrganizationByKeyHash(ctx, kabinet.HashSecret(key))
	if kabinet.ErrorCode(err) == kabinet.ENOTFOUND {
		return nil, kabinet.Errorf(kabinet.EUNAUTHENTICATED, "invalid token")
	}
	if err != nil {
		return nil, err
	}
	if now := s.now(); s.touches.due(keyID, now) {
		if err := s.Store.TouchAPIKey(ctx, keyID, now); err != nil {
			return nil, err
		}
	}
	return &kabinet.Actor{Role: kabinet.RoleOrganization, OrgID: org.ID, KeyID: keyID}, nil
}
