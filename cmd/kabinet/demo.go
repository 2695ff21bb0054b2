package main

import (
	"context"
	"fmt"
	"io"

	"github.com/kabinet/kabinet/app"
	"github.com/kabinet/kabinet/demo"
)

// seedDemo creates the demo organisation on an empty database and prints
// what a newcomer needs to try the API.
func seedDemo(ctx context.Context, a *app.App, out io.Writer) error {
	n, err := a.DB.CountOrganizations(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		fmt.Fprintf(out, "\n  --demo: %s already has %d organisation(s); the demo is created only on an empty database.\n"+
			"  Its API key was printed when it was created. Start afresh with: rm %s*\n\n", a.Config.DB, n, a.Config.DB)
		return nil
	}
	res, err := demo.Seed(ctx, a.Tenancy, a.Payroll, a.Clock.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n  Demo organisation %q created with %d employees.\n  API key (shown once):\n\n    export KABINET_KEY=%s\n\n",
		res.Org.Name, len(res.Employees), res.APIKey)
	return nil
}
