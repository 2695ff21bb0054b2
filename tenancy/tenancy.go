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
}

// DefaultTimezone is the zone of an organisation created without one.
const DefaultTimezone = "Europe/Moscow"

// Service manages tenants.
type Service struct {
	Store Store
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
	return &kabinet.Actor{Role: kabinet.RoleOrganization, OrgID: org.ID, KeyID: keyID}, nil
}
