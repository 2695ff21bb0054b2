package auth

import (
	"context"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/throttle"
)

// Limits are the throttle rules of every sign-in (activation, password,
// quick login), counted in the database by package throttle. Zero fields
// take DefaultLimits.
//
// The rules follow OWASP's advice against lock-out denial of service:
//   - A client address is shared by a whole office behind NAT. It may fail
//     PerAddress.Max times per window, raised by ProvenBonus for each
//     successful password sign-in or activation from it in the last
//     ProvenWindow, up to MaxAddressFactor times the base: an office that
//     signs in every morning is not stopped by a few dozen typos, a script
//     that never succeeds is.
//   - A device (install) may fail PerDevice.Max times whatever the login.
//   - Wrong passwords for one employee from a device they have signed in on
//     before (a known device) lock only that device (PerKnownDevice);
//     wrong passwords for the login from any other device share one counter
//     that delays progressively (PerUnknownDevices) and never locks: a
//     stranger who knows a login can slow down its sign-ins on new devices,
//     but cannot keep the employee out of the phones they already use.
//   - Quick login failures count per address (QuickPerAddress, scaled like
//     PerAddress). Deliberately not per install: the install id is public,
//     and a stranger must not be able to lock someone's quick login with bad
//     signatures; the PIN counter needs the device secret to be touched.
type Limits struct {
	PerAddress        throttle.Rule
	QuickPerAddress   throttle.Rule
	ProvenBonus       int
	ProvenWindow      time.Duration
	MaxAddressFactor  int
	PerDevice         throttle.Rule
	PerKnownDevice    throttle.Rule
	PerUnknownDevices throttle.Rule
}

// DefaultLimits are the limits of a deployment: 60 failed sign-ins per
// quarter hour per address (+10 for each success in the last day, at most
// 1,200), 30 failed quick logins (+10 likewise, at most 600), 10 per
// device, 10 per known device; unknown devices of a login get 5 tries, then
// wait 2 s, 4 s, 8 s… after each failure, at most 15 minutes, for a day.
var DefaultLimits = Limits{
	PerAddress:        throttle.Rule{Max: 60, Window: 15 * time.Minute},
	QuickPerAddress:   throttle.Rule{Max: 30, Window: 15 * time.Minute},
	ProvenBonus:       10,
	ProvenWindow:      24 * time.Hour,
	MaxAddressFactor:  20,
	PerDevice:         throttle.Rule{Max: 10, Window: 15 * time.Minute},
	PerKnownDevice:    throttle.Rule{Max: 10, Window: 15 * time.Minute},
	PerUnknownDevices: throttle.Rule{Window: 24 * time.Hour, Free: 5, Backoff: 2 * time.Second, MaxDelay: 15 * time.Minute},
}

func (s *Service) limits() Limits {
	l, d := s.Limits, DefaultLimits
	pick := func(r *throttle.Rule, def throttle.Rule) {
		if *r == (throttle.Rule{}) {
			*r = def
		}
	}
	pick(&l.PerAddress, d.PerAddress)
	pick(&l.QuickPerAddress, d.QuickPerAddress)
	pick(&l.PerDevice, d.PerDevice)
	pick(&l.PerKnownDevice, d.PerKnownDevice)
	pick(&l.PerUnknownDevices, d.PerUnknownDevices)
	if l.ProvenBonus == 0 {
		l.ProvenBonus = d.ProvenBonus
	}
	if l.ProvenWindow == 0 {
		l.ProvenWindow = d.ProvenWindow
	}
	if l.MaxAddressFactor == 0 {
		l.MaxAddressFactor = d.MaxAddressFactor
	}
	return l
}

// Guard is the throttle of one sign-in attempt: its keys, checked once
// before the attempt, counted if it fails, partly reset if it succeeds.
type Guard struct {
	s      *Service
	keys   []throttle.Key // [0] is the address, if known
	proven string         // the address's success counter
}

// Guard checks the throttle before a sign-in attempt of kind op
// ("activate", "login", "quick") from the caller's address and, if clientID
// is set, that install; extra keys (an activation code, a login) are
// checked and counted with them. RATE_LIMITED with a retry-after when any
// key must wait.
func (s *Service) Guard(ctx context.Context, op, clientID string, extra ...throttle.Key) (*Guard, error) {
	lim := s.limits()
	g := &Guard{s: s}
	rule := lim.PerAddress
	if op == "quick" {
		rule = lim.QuickPerAddress
	}
	if addr := kabinet.ActorFrom(ctx).Address; addr != "" {
		g.proven = "signin/ok/addr/" + addr
		g.keys = append(g.keys, throttle.Key{Name: op + "/addr/" + addr, Rule: rule})
	}
	if clientID != "" {
		g.keys = append(g.keys, throttle.Key{Name: op + "/device/" + kabinet.HashSecret(clientID), Rule: lim.PerDevice})
	}
	g.keys = append(g.keys, extra...)
	all := g.keys
	if g.proven != "" {
		all = append(all[:len(all):len(all)], throttle.Key{Name: g.proven})
	}
	cs, err := s.Limiter.Counters(ctx, all...)
	if err != nil {
		return nil, err
	}
	if g.proven != "" {
		// One read for all keys: the address's rule grows with what it has proven.
		k := &g.keys[0]
		k.Rule.Max = min(rule.Max+lim.ProvenBonus*cs[g.proven].Count, rule.Max*lim.MaxAddressFactor)
	}
	now := s.Clock.Now()
	var wait time.Duration
	for _, k := range g.keys {
		if c, ok := cs[k.Name]; ok {
			wait = max(wait, k.Rule.Wait(c, now))
		}
	}
	if wait > 0 {
		return nil, throttle.Limited(wait)
	}
	return g, nil
}

// Fail counts a failed attempt against every key and returns err (or the
// store's error).
func (g *Guard) Fail(ctx context.Context, err error) error {
	if ferr := g.s.Limiter.Add(ctx, g.keys...); ferr != nil {
		return ferr
	}
	return err
}

// Succeed forgets the failures of the attempt's own keys (not the address:
// one valid credential must not keep a shared counter low) and, for a
// password sign-in or activation, counts a proven success for the address.
func (g *Guard) Succeed(ctx context.Context, proven bool) {
	start := 0
	if g.proven != "" {
		start = 1
	}
	var err error
	if err = g.s.Limiter.Reset(ctx, g.keys[start:]...); err == nil && proven && g.proven != "" {
		err = g.s.Limiter.Add(ctx, throttle.Key{Name: g.proven, Rule: throttle.Rule{Window: g.s.limits().ProvenWindow}})
	}
	if err != nil {
		a := kabinet.ActorFrom(ctx)
		g.s.logger().ErrorContext(ctx, "sign-in throttle", "request_id", a.RequestID, "err", err)
	}
}
