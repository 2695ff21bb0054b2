package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/kabinet/kabinet/app"
	"github.com/kabinet/kabinet/demo"
	"github.com/kabinet/kabinet/push"
	"github.com/kabinet/kabinet/push/providers"
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
	if err := seedDemoAdmin(ctx, a, res.Org.ID, out); err != nil {
		return err
	}
	if err := printActivationCodes(ctx, a, res.Org.ID, res.Employees, out); err != nil {
		return err
	}
	// Cabinets in every state, phones, reminders sent, failed and held:
	// every page of the HR console has something to show.
	_, err = demo.Console(ctx, demo.Services{Activation: a.Activation, Push: a.Push, Payroll: a.Payroll}, res.Org.ID, a.Clock.Now())
	return err
}

// demoOptions are the app's options for serve: with --demo and no push
// credentials, the demo's sender (the log sender, and one phone whose
// token the "provider" rejects, for a failure in the delivery log).
func demoOptions(cfg app.Config, withDemo bool, logger *slog.Logger) app.Options {
	o := app.Options{Logger: logger}
	if withDemo && cfg.Push == (providers.Config{}) {
		o.PushSender = demo.Sender{Next: push.NewLogSender(logger)}
	}
	return o
}

// printActivationCodes creates the demo employees' cabinets and prints a few
// activation codes, so that a newcomer can try `activate` straight away.
func printActivationCodes(ctx context.Context, a *app.App, orgID string, employees []string, out io.Writer) error {
	rs, err := a.Activation.CreateCabinets(ctx, orgID, employees)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  Cabinets created. Activation codes (each works once to set a password; keep them for a reinstall):\n\n")
	shown := 0
	for _, r := range rs {
		if r.ActivationCode == "" || shown == 3 {
			continue
		}
		e, err := a.DB.EmployeeByExternalID(ctx, orgID, r.EmployeeExternalID)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "    %s  %s %s %s (%s)\n", r.ActivationCode, e.LastName, e.FirstName, e.MiddleName, r.EmployeeExternalID)
		shown++
	}
	addr := a.Config.Addr
	if strings.HasPrefix(addr, ":") {
		addr = "localhost" + addr
	}
	fmt.Fprintf(out, "\n  Try:\n\n    curl -s %s/graphql -H 'Content-Type: application/json' -d '{\"query\":\"mutation { activate(input: {activationCode: \\\"<code>\\\", password: \\\"a-long-secret\\\", device: {id: \\\"demo-phone\\\", platform: ANDROID}}) { accessToken employee { login } } }\"}'\n\n",
		addr)
	return nil
}
