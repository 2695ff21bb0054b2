package graph

import (
	"context"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/graph/model"
)

// authPayload maps a session to the AuthPayload type.
func (r *Resolver) authPayload(ctx context.Context, s *kabinet.Session) (*model.AuthPayload, error) {
	emp, err := r.Store.Employee(ctx, s.OrgID, s.EmployeeID)
	if err != nil {
		return nil, err
	}
	return &model.AuthPayload{
		AccessToken:          s.AccessToken,
		RefreshToken:         s.RefreshToken,
		AccessTokenExpiresAt: s.AccessTokenExpiresAt,
		Employee:             emp,
		QuickLoginMethod:     quickLoginMethod(s.QuickLoginMethod),
	}, nil
}

func quickLoginMethod(m string) *string {
	if m == "" {
		return nil
	}
	return &m
}
