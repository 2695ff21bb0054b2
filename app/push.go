package app

import (
	"context"

	"github.com/kabinet/kabinet/push"
	"github.com/kabinet/kabinet/push/providers"
)

// newPush builds the push service and dispatcher and hooks them into
// publication (payroll listener), sign-in (new-device notice), payslip views
// (sync) and cabinet state (activation's gate: blocked or dismissed). The sender
// is Options.PushSender, else the deployment's FCM/APNs router
// (Config.Push), which sends to the log when no credentials are set.
func (a *App) newPush(ctx context.Context, opt Options) error {
	a.Push = &push.Service{Store: a.DB, Clock: opt.Clock, Logger: opt.Logger}
	sender := opt.PushSender
	if sender == nil {
		r, err := providers.New(ctx, a.Config.Push, opt.Logger)
		if err != nil {
			return err
		}
		sender = r
	}
	a.Dispatcher = &push.Dispatcher{
		Store: a.DB, Sender: sender, Clock: opt.Clock, Settings: a.Push.Settings, Logger: opt.Logger,
		Gate:    a.Activation, // blocked or dismissed: CANCELLED, not sent
		Metrics: push.NewMetrics(a.Registry, a.DB, opt.Clock),
	}
	a.Push.Wake = a.Dispatcher.Wake
	a.Payroll.Listeners = append(a.Payroll.Listeners, a.Push)
	a.Auth.NewDevice = a.Push
	a.Sync.Views = a.Push // a viewed payslip's reminders stop
	a.runDispatcher = !opt.NoDispatcher
	return nil
}
