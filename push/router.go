package push

import (
	"context"
	"sort"

	"github.com/kabinet/kabinet"
)

// Router is a Sender that hands each Notification to the Sender configured
// for its Provider. It is safe for concurrent use once built.
type Router struct {
	senders map[string]Sender
}

// NewRouter routes kabinet.ProviderFCM and kabinet.ProviderAPNs to the given senders; a nil
// sender (or a missing provider) means the deployment has no credentials
// for that provider.
func NewRouter(senders map[string]Sender) *Router {
	r := &Router{senders: map[string]Sender{}}
	for p, s := range senders {
		if s != nil {
			r.senders[p] = s
		}
	}
	return r
}

// Send routes n. A provider without a sender gives OutcomeUndeliverable
// (keep the token, log the delivery); an unknown provider OutcomeFailed.
func (r *Router) Send(ctx context.Context, n *Notification) Result {
	if s, ok := r.senders[n.Provider]; ok {
		return s.Send(ctx, n)
	}
	switch n.Provider {
	case kabinet.ProviderFCM, kabinet.ProviderAPNs:
		return Result{Outcome: OutcomeUndeliverable, Reason: "no credentials for " + n.Provider + " in this deployment"}
	}
	return Result{Outcome: OutcomeFailed, Reason: "unknown push provider " + quoteShort(n.Provider)}
}

// Configured reports whether provider has a sender.
func (r *Router) Configured(provider string) bool {
	_, ok := r.senders[provider]
	return ok
}

// Providers lists the providers with a sender, sorted.
func (r *Router) Providers() []string {
	var out []string
	for p := range r.senders {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Sender returns the sender of provider, or nil.
func (r *Router) Sender(provider string) Sender { return r.senders[provider] }

func quoteShort(s string) string {
	if len(s) > 16 {
		s = s[:16] + "…"
	}
	return "\"" + s + "\""
}
