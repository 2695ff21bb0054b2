package load

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/kabinet/kabinet/push/pushtest"
)

// PushFakes are the local wire-level fakes of FCM and APNs (push/pushtest)
// that the dispatch scenario counts arrivals at. The server under test must
// send to them: start it with Env (written to EnvFile as KEY=VALUE lines).
type PushFakes struct {
	fcm  *pushtest.FCM
	apns *pushtest.APNs
	// Env holds the KABINET_FCM_* and KABINET_APNS_* variables.
	Env map[string]string
	// EnvFile is where Env was written (dir/push.env).
	EnvFile string
}

// StartPushFakes starts the fakes on fcmAddr and apnsAddr ("127.0.0.1:0":
// any free port), writes their credentials and dir/push.env into dir.
// They keep counts only, not the messages, so a long run stays small.
func StartPushFakes(dir, fcmAddr, apnsAddr string) (*PushFakes, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	p := &PushFakes{EnvFile: filepath.Join(dir, "push.env")}
	var err error
	if p.fcm, err = pushtest.ServeFCM(fcmAddr); err != nil {
		return nil, err
	}
	if p.apns, err = pushtest.ServeAPNs(apnsAddr); err != nil {
		p.fcm.Close()
		return nil, err
	}
	p.fcm.DisableRecording()
	p.apns.DisableRecording()
	fe, err := p.fcm.EnvIn(dir)
	if err != nil {
		p.Close()
		return nil, err
	}
	ae, err := p.apns.EnvIn(dir)
	if err != nil {
		p.Close()
		return nil, err
	}
	p.Env = fe
	maps.Copy(p.Env, ae)
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(p.Env)) {
		fmt.Fprintf(&b, "%s=%s\n", k, p.Env[k])
	}
	// Written whole, then renamed: a script waiting for the file never
	// reads half of it.
	if err := os.WriteFile(p.EnvFile+".tmp", []byte(b.String()), 0o600); err != nil {
		p.Close()
		return nil, err
	}
	if err := os.Rename(p.EnvFile+".tmp", p.EnvFile); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// Arrived is the number of notifications the fakes have accepted.
func (p *PushFakes) Arrived() int { return p.fcm.Requests() + p.apns.Count() }

// Close stops both fakes.
func (p *PushFakes) Close() { p.fcm.Close(); p.apns.Close() }

// waitUp polls every instance's /healthz until it answers or d has passed:
// with push fakes, the servers are started after the harness (they need
// its push.env).
func waitUp(ctx context.Context, cs []*Client, d time.Duration) error {
	deadline := time.Now().Add(d)
	for _, c := range cs {
		for {
			_, err := c.Get(ctx, "/healthz")
			if err == nil {
				break
			}
			if time.Now().After(deadline) || ctx.Err() != nil {
				return fmt.Errorf("%s did not come up within %s: %w", c.Target, d, err)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	return nil
}
