package sqlite_test

import (
	"github.com/kabinet/kabinet/payroll"
	"github.com/kabinet/kabinet/sqlite"
	ksync "github.com/kabinet/kabinet/sync"
)

var _ payroll.Store = (*sqlite.DB)(nil)

var (
	_ ksync.Store        = (*sqlite.DB)(nil)
	_ ksync.CompactStore = (*sqlite.DB)(nil)
)
