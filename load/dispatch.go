package load

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"time"
)

// Dispatch measures reminders from publication to arrival: every phone
// registers a push token (FCM on Android, APNs on iOS) at the providers the
// server is configured with (local fakes: push/pushtest), HR sets the window
// to the whole day with no send delay, then asks to remind everyone who has
// not viewed the latest month's payslip (remindUnviewedPayslips). The clock
// runs from that request until arrived() — the fakes' count of received
// notifications, less before — has grown by the number planned, or timeout.
//
// The summary counts one "request" per reminder: RPS is reminders per
// second end to end, P50/P95/P99 the time until that share had arrived.
func Dispatch(ctx context.Context, c *Client, cfg Config, org *Org, arrived func() int, timeout time.Duration) (Summary, error) {
	st := NewStats()
	if err := c.Do(ctx, org.Key, `mutation($in: NotificationSettingsInput!) { updateNotificationSettings(input: $in) { windowStart } }`,
		map[string]any{"in": map[string]any{"windowStart": "00:00", "windowEnd": "24:00", "sendDelaySeconds": 0}}, nil); err != nil {
		return st.Summarize("dispatch", cfg.Concurrency), fmt.Errorf("settings: %w", err)
	}
	var mu sync.Mutex
	var failed error
	parallel(ctx, org.Phones, cfg.Concurrency, func(p *Phone) {
		provider, token := pushToken(p)
		p.mu.Lock()
		access := p.Access
		p.mu.Unlock()
		if err := c.Do(ctx, access, `mutation($in: RegisterPushTokenInput!) { registerPushToken(input: $in) }`,
			map[string]any{"in": map[string]any{"provider": provider, "token": token}}, nil); err != nil {
			mu.Lock()
			failed = cmp.Or(failed, fmt.Errorf("registerPushToken %s: %w", p.EmployeeExternalID, err))
			mu.Unlock()
		}
	})
	if failed != nil {
		return st.Summarize("dispatch", cfg.Concurrency), failed
	}
	before := arrived()
	period := org.Months[len(org.Months)-1]
	start := time.Now()
	var out struct{ RemindUnviewedPayslips int }
	if err := c.Do(ctx, org.Key, `mutation($p: String!) { remindUnviewedPayslips(period: $p) }`, map[string]any{"p": period}, &out); err != nil {
		return st.Summarize("dispatch", cfg.Concurrency), fmt.Errorf("remindUnviewedPayslips: %w", err)
	}
	want := out.RemindUnviewedPayslips
	// Poll the fakes' count: each newly arrived reminder is recorded with
	// the time since the request.
	seen := 0
	deadline := start.Add(timeout)
	for seen < want && time.Now().Before(deadline) && ctx.Err() == nil {
		n := min(arrived()-before, want)
		for ; seen < n; seen++ {
			st.Record(time.Since(start), nil)
		}
		time.Sleep(5 * time.Millisecond)
	}
	st.Stop()
	s := st.Summarize("dispatch", cfg.Concurrency)
	s.Extra["reminders_planned"] = float64(want)
	s.Extra["reminders_arrived"] = float64(seen)
	if seen < want {
		return s, fmt.Errorf("dispatch: %d of %d reminders arrived within %s", seen, want, timeout)
	}
	return s, nil
}

// pushToken is the phone's provider and a token of the provider's shape
// (APNs: 64 hex digits), stable per phone.
func pushToken(p *Phone) (provider, token string) {
	sum := sha256.Sum256([]byte(p.DeviceID))
	if p.Platform == "IOS" {
		return "APNS", hex.EncodeToString(sum[:])
	}
	return "FCM", "load-" + hex.EncodeToString(sum[:16])
}
