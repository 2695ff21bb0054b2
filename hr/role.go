package hr

import (
	"strings"

	"github.com/kabinet/kabinet"
)

// Role is what an HR user may do in the console.
type Role string

// The roles, from least to most.
const (
	RoleViewer Role = "VIEWER" // reads everything of the console
	RoleHR     Role = "HR"     // also manages cabinets, invitations, notification settings and texts, reminders
	RoleAdmin  Role = "ADMIN"  // also manages HR users, API keys and the login policy
)

// Roles lists the roles, least first.
var Roles = []Role{RoleViewer, RoleHR, RoleAdmin}

// ParseRole reads a role name (any case); BAD_USER_INPUT for another.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToUpper(strings.TrimSpace(s)))
	for _, known := range Roles {
		if r == known {
			return r, nil
		}
	}
	return "", kabinet.Errorf(kabinet.EBADINPUT, "role must be ADMIN, HR or VIEWER")
}

// Permission is what a page or action needs.
type Permission string

// The permissions. Every console route names one.
const (
	// PermView reads the console: dashboards, lists, logs.
	PermView Permission = "view"
	// PermManage is HR work: cabinets, invitations, notification settings
	// and texts, one-off reminders.
	PermManage Permission = "manage"
	// PermAdmin administers the organisation's access: HR users, API keys,
	// the login policy.
	PermAdmin Permission = "admin"
	// PermSelf is what every signed-in user may do to their own account
	// (profile, password, second factor, sign-out).
	PermSelf Permission = "self"
)

// permissions is the one table of who may do what.
var permissions = map[Permission][]Role{
	PermSelf:   {RoleViewer, RoleHR, RoleAdmin},
	PermView:   {RoleViewer, RoleHR, RoleAdmin},
	PermManage: {RoleHR, RoleAdmin},
	PermAdmin:  {RoleAdmin},
}

// Allowed tells whether role has the permission. Unknown roles and
// permissions have none.
func Allowed(role Role, p Permission) bool {
	for _, r := range permissions[p] {
		if r == role {
			return true
		}
	}
	return false
}

// ParsePermission reads a permission name ("view", "manage", …); ok is
// false for an unknown one.
func ParsePermission(s string) (Permission, bool) {
	p := Permission(s)
	_, ok := permissions[p]
	return p, ok
}

// Require returns FORBIDDEN unless the actor is an HR user whose role has
// the permission. Services call it for console actions: a page that shows
// a button the role may not press is a bug, but never a hole.
func Require(a *kabinet.Actor, p Permission) error {
	if a.Role != kabinet.RoleOrganization || a.HRUserID == "" || !Allowed(Role(a.HRRole), p) {
		return kabinet.Errorf(kabinet.EFORBIDDEN, "your role may not do this")
	}
	return nil
}
