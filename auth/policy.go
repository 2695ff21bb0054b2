package auth

import (
	"context"
	"time"

	"github.com/kabinet/kabinet"
)

// PolicyStore keeps login policies.
type PolicyStore interface {
	AuthPolicy(ctx context.Context, orgID string) (*kabinet.AuthPolicy, error)
	PutAuthPolicy(ctx context.Context, orgID string, p *kabinet.AuthPolicy) error
}

// DefaultPolicy is the policy of an organisation whose HR never changed it.
func DefaultPolicy() *kabinet.AuthPolicy {
	return &kabinet.AuthPolicy{
		QuickLoginMethods:      []string{kabinet.MethodPIN, kabinet.MethodBiometric},
		PINLength:              4,
		MaxPINAttempts:         5,
		AccessTokenTTLSeconds:  int(DefaultLifetimes.Access / time.Second),
		RefreshTokenTTLSeconds: int(DefaultLifetimes.RefreshIdle / time.Second),
	}
}

// Policy bounds: what HR may set.
const (
	minPINLength, maxPINLength     = 4, 8
	minPINAttempts, maxPINAttempts = 1, 20
	minAccessTTL, maxAccessTTL     = 60, 3600
	minRefreshTTL, maxRefreshTTL   = 3600, 365 * 24 * 3600
	absoluteSessionLimit           = 365 * 24 * time.Hour
)

// PolicyBounds are the ranges of the policy's numbers, by GraphQL field
// name (forms show them).
var PolicyBounds = map[string][2]int{
	"pinLength":              {minPINLength, maxPINLength},
	"maxPinAttempts":         {minPINAttempts, maxPINAttempts},
	"accessTokenTtlSeconds":  {minAccessTTL, maxAccessTTL},
	"refreshTokenTtlSeconds": {minRefreshTTL, maxRefreshTTL},
}

// PolicyInput changes some fields of a policy; nil fields keep their value.
type PolicyInput struct {
	QuickLoginMethods      []string
	PINLength              *int
	MaxPINAttempts         *int
	AccessTokenTTLSeconds  *int
	RefreshTokenTTLSeconds *int
	AskLoginOnActivation   *bool
}

// Policy returns the organisation's login policy (the defaults if unset).
func (s *Service) Policy(ctx context.Context, orgID string) (*kabinet.AuthPolicy, error) {
	p, err := s.Policies.AuthPolicy(ctx, orgID)
	if err != nil || p != nil {
		return p, err
	}
	return DefaultPolicy(), nil
}

// UpdatePolicy validates and stores a change of the login policy. A
// quick-login method it no longer allows stops working at once (quick login
// checks the policy at every attempt). BAD_USER_INPUT for values out of range.
func (s *Service) UpdatePolicy(ctx context.Context, orgID string, in PolicyInput) (*kabinet.AuthPolicy, error) {
	p, err := s.Policy(ctx, orgID)
	if err != nil {
		return nil, err
	}
	if in.QuickLoginMethods != nil {
		seen := map[string]bool{}
		p.QuickLoginMethods = []string{}
		for _, m := range in.QuickLoginMethods {
			if m != kabinet.MethodPIN && m != kabinet.MethodBiometric {
				return nil, kabinet.Errorf(kabinet.EBADINPUT, "quickLoginMethods: %q is not PIN or BIOMETRIC", m)
			}
			if !seen[m] {
				seen[m] = true
				p.QuickLoginMethods = append(p.QuickLoginMethods, m)
			}
		}
	}
	set := func(name string, v *int, dst *int, lo, hi int) error {
		if v == nil {
			return nil
		}
		if *v < lo || *v > hi {
			e := kabinet.Errorf(kabinet.EBADINPUT, "%s must be between %d and %d (got %d)", name, lo, hi, *v)
			e.Items = []kabinet.ItemError{{Field: name, Reason: e.Message}} // the console shows it next to the field
			return e
		}
		*dst = *v
		return nil
	}
	for _, f := range []error{
		set("pinLength", in.PINLength, &p.PINLength, minPINLength, maxPINLength),
		set("maxPinAttempts", in.MaxPINAttempts, &p.MaxPINAttempts, minPINAttempts, maxPINAttempts),
		set("accessTokenTtlSeconds", in.AccessTokenTTLSeconds, &p.AccessTokenTTLSeconds, minAccessTTL, maxAccessTTL),
		set("refreshTokenTtlSeconds", in.RefreshTokenTTLSeconds, &p.RefreshTokenTTLSeconds, minRefreshTTL, maxRefreshTTL),
	} {
		if f != nil {
			return nil, f
		}
	}
	if in.AskLoginOnActivation != nil {
		p.AskLoginOnActivation = *in.AskLoginOnActivation
	}
	if err := s.Policies.PutAuthPolicy(ctx, orgID, p); err != nil {
		return nil, err
	}
	return p, nil
}

// policyLifetimes turns the policy into token lifetimes. A session lasts at
// most a year, or twice the refresh lifetime when that is longer than the
// default 180 days.
func (s *Service) policyLifetimes(ctx context.Context, orgID string) (Lifetimes, error) {
	p, err := s.Policy(ctx, orgID)
	if err != nil {
		return Lifetimes{}, err
	}
	idle := time.Duration(p.RefreshTokenTTLSeconds) * time.Second
	return Lifetimes{
		Access:          time.Duration(p.AccessTokenTTLSeconds) * time.Second,
		RefreshIdle:     idle,
		RefreshAbsolute: min(max(DefaultLifetimes.RefreshAbsolute, 2*idle), absoluteSessionLimit),
	}, nil
}
