// Package graph is the GraphQL layer: gqlgen's generated executor and the
// resolvers. Resolvers only translate: they take the caller from the
// context, call a service and map the result. No SQL and no business rules
// live here.
package graph

// go generate runs gqlgen through internal/cmd/gqlgen, which also rewrites
// the marshallers of plain objects (graph/marshal.go): do not run
// `go tool gqlgen` alone.
//
//go:generate go run github.com/kabinet/kabinet/internal/cmd/gqlgen

import (
	"context"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/activation"
	"github.com/kabinet/kabinet/auth"
	"github.com/kabinet/kabinet/hr"
	"github.com/kabinet/kabinet/payroll"
	"github.com/kabinet/kabinet/push"
	"github.com/kabinet/kabinet/requests"
	ksync "github.com/kabinet/kabinet/sync"
	"github.com/kabinet/kabinet/tenancy"
)

// Store is the read side the resolvers list records from.
type Store interface {
	Organization(ctx context.Context, id string) (*kabinet.Organization, error)
	Departments(ctx context.Context, orgID string) ([]*kabinet.Department, error)
	Employees(ctx context.Context, orgID string, f kabinet.EmployeeFilter) ([]*kabinet.Employee, error)
	Employee(ctx context.Context, orgID, id string) (*kabinet.Employee, error)
	EmployeeByExternalID(ctx context.Context, orgID, externalID string) (*kabinet.Employee, error)
	Payslips(ctx context.Context, orgID string, f kabinet.PayslipFilter) ([]*kabinet.Payslip, error)
	AuditLog(ctx context.Context, orgID string, before int64, limit int) ([]*kabinet.AuditEntry, error)
}

// Resolver holds the services the resolvers call.
type Resolver struct {
	Store       Store
	Tenancy     *tenancy.Service
	Payroll     *payroll.Service
	Auth        *auth.Service
	SyncService *ksync.Service // field not named Sync: queryResolver has a Sync method
	// Activation runs cabinets, invitations, activation and password sign-in.
	Activation *activation.Service
	// Push holds notification settings, push tokens and the delivery log.
	Push *push.Service
	// Leave runs leave requests.
	Leave *requests.Service
	// HR creates an organisation's first HR console administrator;
	// PublicURL (KABINET_PUBLIC_URL) starts the set-password link.
	HR        *hr.Service
	PublicURL string
}
