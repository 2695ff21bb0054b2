package activation

import (
	"context"
	"time"

	"github.com/kabinet/kabinet"
)

// GateStore is what the Gate reads.
type GateStore interface {
	Organization(ctx context.Context, id string) (*kabinet.Organization, error)
	Employee(ctx context.Context, orgID, id string) (*kabinet.Employee, error)
	Cabinet(ctx context.Context, orgID, employeeID string) (*kabinet.Cabinet, error)
}

// Gate answers whether an employee may hold a session or be reached by a
// notification: only with an ACTIVE cabinet and before their dismissal. It
// reads the store and nothing else, so the services that consult it (auth,
// the push dispatcher) are built without the Service that changes what it
// answers, and without a cycle between auth and activation.
type Gate struct {
	Store GateStore
	Clock kabinet.Clock
}

// MaySignIn implements auth.Gate and push.Gate: UNAUTHENTICATED unless the
// employee's cabinet is ACTIVE and their dismissal date has not passed.
func (g *Gate) MaySignIn(ctx context.Context, orgID, employeeID string) error {
	c, err := g.Store.Cabinet(ctx, orgID, employeeID)
	if kabinet.ErrorCode(err) == kabinet.ENOTFOUND || (err == nil && c.Status != kabinet.CabinetActive) {
		return kabinet.Errorf(kabinet.EUNAUTHENTICATED, "the cabinet is not active; sign-in is not possible")
	}
	if err != nil {
		return err
	}
	e, err := g.Store.Employee(ctx, orgID, employeeID)
	if err != nil {
		return err
	}
	if g.dismissed(ctx, e) {
		return kabinet.Errorf(kabinet.EUNAUTHENTICATED, "the cabinet is not active; sign-in is not possible")
	}
	return nil
}

// dismissed reports whether e's dismissal date has passed in e's zone.
func (g *Gate) dismissed(ctx context.Context, e *kabinet.Employee) bool {
	return e.DismissedOn != "" && e.Dismissed(g.Clock.Now(), g.location(ctx, e))
}

// location is the zone an employee's dates are in: theirs, else the
// organisation's, else Moscow.
func (g *Gate) location(ctx context.Context, e *kabinet.Employee) *time.Location {
	for _, tz := range []string{e.Timezone, g.orgZone(ctx, e.OrgID)} {
		if tz == "" {
			continue
		}
		if loc, err := time.LoadLocation(tz); err == nil {
			return loc
		}
	}
	loc, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		return time.UTC
	}
	return loc
}

func (g *Gate) orgZone(ctx context.Context, orgID string) string {
	o, err := g.Store.Organization(ctx, orgID)
	if err != nil {
		return ""
	}
	return o.Timezone
}
