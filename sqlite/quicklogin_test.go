package sqlite_test

import (
	"github.com/kabinet/kabinet/auth"
	"github.com/kabinet/kabinet/sqlite"
)

var (
	_ auth.Store           = (*sqlite.DB)(nil)
	_ auth.PolicyStore     = (*sqlite.DB)(nil)
	_ auth.QuickLoginStore = (*sqlite.DB)(nil)
)
