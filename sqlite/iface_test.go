package sqlite_test

import (
	"github.com/kabinet/kabinet/payroll"
	"github.com/kabinet/kabinet/sqlite"
)

var _ payroll.Store = (*sqlite.DB)(nil)
