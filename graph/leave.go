package graph

import (
	"context"

	"github.com/kabinet/kabinet"
)

// viewer is who reads a leave request: the employee of an access token, ""
// for the organisation's key (requests decides what each may see).
func viewer(ctx context.Context) string {
	a := kabinet.ActorFrom(ctx)
	if a.Role != kabinet.RoleEmployee {
		return ""
	}
	return a.EmployeeID
}

// pointers returns pointers to the elements of s.
func pointers[T any](s []T) []*T {
	out := make([]*T, len(s))
	for i := range s {
		out[i] = &s[i]
	}
	return out
}
