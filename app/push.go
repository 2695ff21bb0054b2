package app

import (
	"context"
	"log/slog"

	"github.com/kabinet/kabinet/push"
)

// logSender delivers notifications to the log: the default when no push
// credentials are configured, so the whole flow (planning, window, delivery
// log) can be tried on a laptop. It never logs the token.
//
// temporary: replaced by the pushproviders branch's log sender and router.
type logSender struct{ logger *slog.Logger }

func (s logSender) Send(ctx context.Context, n *push.Notification) push.Result {
	s.logger.InfoContext(ctx, "push (log sender)", "id", n.ID, "kind", n.Kind, "provider", n.Provider,
		"title", n.Title, "deep_link", n.DeepLink, "collapse_key", n.CollapseKey)
	return push.Result{Outcome: push.OutcomeSent, ProviderID: "log-" + n.ID}
}

// newPush builds the push service and dispatcher and hooks them into
// publication (payroll listener) and sign-in (new-device notice).
func (a *App) newPush(opt Options) {
	a.Push = &push.Service{Store: a.DB, Clock: opt.Clock, Logger: opt.Logger}
	sender := opt.PushSender
	if sender == nil {
		sender = logSender{logger: opt.Logger}
	}
	a.Dispatcher = &push.Dispatcher{
		Store: a.DB, Sender: sender, Clock: opt.Clock, Settings: a.Push.Settings, Logger: opt.Logger,
		Metrics: push.NewMetrics(a.Registry, a.DB, opt.Clock),
	}
	a.Push.Wake = a.Dispatcher.Wake
	a.Payroll.Listeners = append(a.Payroll.Listeners, a.Push)
	a.Auth.NewDevice = a.Push
	if !opt.NoDispatcher {
		a.pushDone = make(chan struct{})
	}
}
