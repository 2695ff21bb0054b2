package push

import (
	"context"
	"log/slog"
)

// LogSender is the Sender of a deployment without push credentials: it logs
// each notification (kind, provider, a token prefix, the title, the deep
// link; never the whole token) and reports it sent, so that the whole flow
// of planning, window and delivery log can be tried on a laptop.
type LogSender struct {
	log *slog.Logger
}

// NewLogSender returns a LogSender writing to log (nil: slog.Default()).
func NewLogSender(log *slog.Logger) *LogSender {
	if log == nil {
		log = slog.Default()
	}
	return &LogSender{log: log}
}

// LogProviderID is the ProviderID of what a LogSender "sent".
const LogProviderID = "log"

// Send logs n at Info level and returns OutcomeSent.
func (s *LogSender) Send(ctx context.Context, n *Notification) Result {
	title, _ := n.Text()
	s.log.LogAttrs(ctx, slog.LevelInfo, "push (log sender; no credentials configured)",
		slog.String("id", n.ID),
		slog.String("kind", n.Kind),
		slog.String("provider", n.Provider),
		slog.String("token", TokenPrefix(n.Token)),
		slog.String("locale", NormalizeLocale(n.Locale)),
		slog.String("title", title),
		slog.String("deepLink", n.DeepLink),
		slog.String("collapseKey", n.CollapseKey),
	)
	return Result{Outcome: OutcomeSent, ProviderID: LogProviderID}
}
