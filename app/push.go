package app

import (
	"context"

	"github.com/kabinet/kabinet/push"
	"github.com/kabinet/kabinet/push/providers"
)

// newPush builds the dispatcher and then the push service, which wakes it
// when something planned may be due now; the store's Wakeups wake it for
// what other instances planned (PostgreSQL). The dispatcher reads the settings
// from the store and asks gate who may still be reached (blocked or
// dismissed: CANCELLED, not sent). The sender is Options.PushSender, else
// the deployment's FCM/APNs router (Config.Push), which sends to the log
// when no credentials are set.
func (a *App) newPush(ctx context.Context, opt Options, gate push.Gate) error {
	sender := opt.PushSender
	if sender == nil {
		r, err := providers.New(ctx, a.Config.Push, opt.Logger)
		if err != nil {
			return err
		}
		sender = r
	}
	a.Dispatcher = &push.Dispatcher{
		Store: a.DB, Sender: sender, Clock: opt.Clock, Settings: push.SettingsOf(a.DB), Logger: opt.Logger,
		Gate: gate, Metrics: push.NewMetrics(a.Registry, a.DB, opt.Clock), Lease: a.Config.PushLease,
		Wakeups: a.DB.Wakeups, // plans committed by other instances
		// Preferences and the badge, read once per claimed batch.
		Recipients: a.DB, Waiting: []push.WaitingCount{a.DB.UnviewedPayslipCounts, a.DB.PendingApprovalCounts},
	}
	a.Push = &push.Service{Store: a.DB, Clock: opt.Clock, Logger: opt.Logger, Wake: a.Dispatcher.Wake}
	a.runDispatcher = !opt.NoDispatcher
	return nil
}
