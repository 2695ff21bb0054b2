package push_test

import (
	"testing"
	"time"

	"github.com/kabinet/kabinet/app"
	"github.com/kabinet/kabinet/internal/pgtest"
	"github.com/kabinet/kabinet/internal/testkit"
)

// TestWakeupAcrossInstances: two instances on one PostgreSQL schema. A
// notification planned through A (which dispatches nothing) is sent by B's
// dispatcher well within its 5-second poll: the planning transaction's
// NOTIFY wakes B.
func TestWakeupAcrossInstances(t *testing.T) {
	dsn := pgtest.DSN(t)
	clock := testkit.NewClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	onDSN := func(_ *app.Config, o *app.Options) { o.Clock = clock }
	recA, recB := &recorder{clock: clock}, &recorder{clock: clock}
	a := testkit.Start(t, withSender(recA), onDSN, func(c *app.Config, _ *app.Options) { c.DB = dsn })
	testkit.Start(t, onDSN, func(c *app.Config, o *app.Options) { c.DB = dsn; o.PushSender = recB })
	org, key := a.NewOrg(t, "ООО Ромашка")
	a.SeedEmployees(t, key, 1)
	f := &fixture{env: a, rec: recA, org: org, key: key}
	f.device(t, "E-1", "device-1")
	time.Sleep(300 * time.Millisecond) // B is idle, waiting for its poll
	start := time.Now()
	f.device(t, "E-1", "device-2") // A plans the new-device notice to device-1
	for len(recB.sent()) == 0 {
		if time.Since(start) > 2*time.Second {
			t.Fatalf("B sent nothing %v after A planned: no wake-up", time.Since(start))
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("planned on A, sent by B after %v", time.Since(start))
	if got := recB.sent(); len(got) != 1 || got[0].N.Kind != "NEW_DEVICE" || len(recA.sent()) != 0 {
		t.Fatalf("B sent %+v, A sent %d; want the one new-device notice, from B", got, len(recA.sent()))
	}
}
