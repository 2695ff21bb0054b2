package kabinet

import "context"

// Role is what a caller is allowed to do.
type Role int

// Roles, from the bearer token the request carried.
const (
	RoleAnonymous    Role = iota
	RoleOperator          // KABINET_BOOTSTRAP_TOKEN: may create organisations
	RoleOrganization      // an organisation API key: payroll integration and HR
	RoleEmployee          // an employee access token: the phone app
)

func (r Role) String() string {
	switch r {
	case RoleOperator:
		return "operator"
	case RoleOrganization:
		return "organization"
	case RoleEmployee:
		return "employee"
	}
	return "anonymous"
}

// Actor is who a request runs as, and from where. Every store call that reads
// or writes tenant data takes the organisation from the Actor, never from
// client input.
type Actor struct {
	Role  Role
	OrgID string // empty for the operator
	// KeyID identifies the organisation API key used (RoleOrganization).
	KeyID string
	// EmployeeID, DeviceID and SessionID are set for RoleEmployee.
	EmployeeID string
	DeviceID   string
	SessionID  string
	// HRUserID, HRUserName and HRRole are set when an HR user of the
	// organisation acts through the console (Role is then
	// RoleOrganization and KeyID is empty): who made a change, by name,
	// and what their role (package hr: ADMIN, HR, VIEWER) lets them do.
	HRUserID   string
	HRUserName string
	HRRole     string
	// Address is the client's network address; RequestID the request's id.
	Address   string
	RequestID string
	UserAgent string
}

type actorKey struct{}

// NewContext returns ctx carrying the actor.
func NewContext(ctx context.Context, a *Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor of ctx; an anonymous actor if there is none.
func ActorFrom(ctx context.Context) *Actor {
	if a, ok := ctx.Value(actorKey{}).(*Actor); ok && a != nil {
		return a
	}
	return &Actor{}
}
