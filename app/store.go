package app

import (
	"context"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/activation"
	"github.com/kabinet/kabinet/auth"
	"github.com/kabinet/kabinet/graph"
	"github.com/kabinet/kabinet/hr"
	"github.com/kabinet/kabinet/keys"
	"github.com/kabinet/kabinet/payroll"
	"github.com/kabinet/kabinet/postgres"
	"github.com/kabinet/kabinet/push"
	"github.com/kabinet/kabinet/requests"
	"github.com/kabinet/kabinet/sqlite"
	ksync "github.com/kabinet/kabinet/sync"
	"github.com/kabinet/kabinet/tenancy"
	"github.com/kabinet/kabinet/throttle"
)

// Store is everything the services need of a store: the union of their
// narrow store interfaces. sqlite.DB (one process, the embedded default)
// and postgres.DB (several instances on one database) both satisfy it.
type Store interface {
	tenancy.Store
	payroll.Store
	auth.Store
	auth.PolicyStore
	auth.QuickLoginStore
	auth.CredentialStore
	activation.Store
	activation.SearchStore
	throttle.Store
	keys.Store
	ksync.Store
	ksync.CompactStore
	push.Store
	push.DispatchStore
	push.StatsStore
	requests.LeaveStore
	graph.Store
	graph.Auditor
	hr.Store

	// CountOrganizations tells an empty database (serve --demo seeds one).
	CountOrganizations(ctx context.Context) (int, error)
	// ChangeCount is the number of change-log entries of an organisation
	// (tests: a republish that changes nothing records nothing).
	ChangeCount(ctx context.Context, orgID string) (int, error)
	// PushToken is a device's current push token (tests).
	PushToken(ctx context.Context, deviceID string) (provider, token string, err error)
	// Wakeups tells of notifications planned by any instance on the
	// store (Dispatcher.Wakeups): LISTEN/NOTIFY on PostgreSQL; never on
	// SQLite, where the one process wakes its dispatcher itself.
	Wakeups(ctx context.Context) <-chan struct{}
	// Ready reports whether the database answers and is fully migrated.
	Ready(ctx context.Context) error
	// Migrations lists the applied migrations, oldest first.
	Migrations(ctx context.Context) ([]string, error)
	Close() error
}

var (
	_ Store = (*sqlite.DB)(nil)
	_ Store = (*postgres.DB)(nil)
)

// OpenStore opens the store KABINET_DB names, applying its pending
// migrations: postgres:// or postgresql:// selects PostgreSQL (pool size
// maxConns, zero: the driver's default), anything else is a SQLite file.
func OpenStore(ctx context.Context, dsn string, clock kabinet.Clock, maxConns int) (Store, error) {
	if postgres.IsDSN(dsn) {
		return postgres.Open(ctx, dsn, clock, postgres.Options{MaxConns: maxConns})
	}
	return sqlite.Open(ctx, dsn, clock)
}
