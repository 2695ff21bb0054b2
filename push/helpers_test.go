package push_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/app"
	"github.com/kabinet/kabinet/internal/testkit"
	"github.com/kabinet/kabinet/push"
	"github.com/kabinet/kabinet/push/apns"
	"github.com/kabinet/kabinet/push/fcm"
	"github.com/kabinet/kabinet/push/pushtest"
)

// sent is one notification a recording sender accepted, at the clock's time.
type sent struct {
	At time.Time
	N  push.Notification
}

// recorder is an in-memory Sender: it answers with script (default: sent)
// and logs every notification it accepted. Swapping in the real provider
// fakes (push/pushtest) is a matter of passing another push.Sender.
type recorder struct {
	clock  kabinet.Clock
	mu     sync.Mutex
	log    []sent
	script func(n *push.Notification) push.Result
	// next, if set, is the real sender (e.g. the FCM/APNs router over the
	// push/pushtest fakes): the recorder forwards to it and logs what it
	// accepted. Setting it is the one line that runs these tests end to end.
	next push.Sender
}

func (r *recorder) Send(ctx context.Context, n *push.Notification) push.Result {
	res := push.Result{Outcome: push.OutcomeSent, ProviderID: "msg-" + n.ID}
	if r.next != nil && r.script == nil {
		res = r.next.Send(ctx, n) // not under the lock: sends run concurrently
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.script != nil {
		res = r.script(n)
	}
	if res.Outcome == push.OutcomeSent {
		r.log = append(r.log, sent{At: r.clock.Now(), N: *n})
	}
	return res
}

func (r *recorder) sent() []sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sent(nil), r.log...)
}

func (r *recorder) reset() {
	r.mu.Lock()
	r.log = nil
	r.mu.Unlock()
}

// withSender boots the app with the sender and without the background
// dispatcher: tests call DispatchDue.
func withSender(s push.Sender) testkit.Option {
	return func(_ *app.Config, o *app.Options) {
		o.PushSender = s
		o.NoDispatcher = true
	}
}

// fixture is a running app with an organisation and a recording sender.
type fixture struct {
	env      *testkit.Env
	rec      *recorder
	org, key string
	fcm      *pushtest.FCM // what went over the wire
	apns     *pushtest.APNs
}

func newFixture(t *testing.T, employees int) *fixture {
	t.Helper()
	clock := testkit.NewClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	snd, ff, af := providerFakes(t, clock)
	rec := &recorder{clock: clock, next: snd}
	env := testkit.Start(t, withSender(rec), func(_ *app.Config, o *app.Options) { o.Clock = clock })
	org, key := env.NewOrg(t, "ООО Ромашка")
	env.SeedEmployees(t, key, employees)
	return &fixture{env: env, rec: rec, org: org, key: key, fcm: ff, apns: af}
}

// device signs the employee in on an Android device and registers an FCM token.
func (f *fixture) device(t *testing.T, emp, dev string) string {
	t.Helper()
	s := f.env.EmployeeSession(t, f.org, emp, dev)
	f.env.Do(t, s.AccessToken, `mutation($in: RegisterPushTokenInput!) { registerPushToken(input: $in) }`,
		map[string]any{"in": map[string]any{"provider": "FCM", "token": fcmToken(emp, dev)}}).Must(t, nil)
	return s.AccessToken
}

func fcmToken(emp, dev string) string {
	return fmt.Sprintf("fcm:%s.%s-abcdefghijklmnopqrstuvwxyz0123456789", emp, dev)
}

func (f *fixture) dispatch(t *testing.T) push.Stats {
	t.Helper()
	st, err := f.env.App.Dispatcher.DispatchDue(context.Background())
	if err != nil {
		t.Fatalf("DispatchDue: %v", err)
	}
	return st
}

// delivery is a line of the deliveries query.
type delivery struct {
	ID, Kind, EmployeeExternalID, Status string
	Stage                                int
	Platform, Error                      *string
	PlannedAt                            time.Time
	SentAt                               *time.Time
	Attempts                             []struct{ Outcome string }
}

func (f *fixture) deliveries(t *testing.T, emp string) []delivery {
	t.Helper()
	var out struct{ Deliveries []delivery }
	f.env.Do(t, f.key, `query($e: String) { deliveries(employeeExternalId: $e) { id kind stage employeeExternalId platform status plannedAt sentAt error attempts { outcome } } }`,
		map[string]any{"e": emp}).Must(t, &out)
	return out.Deliveries
}

// statuses summarises deliveries as "KIND/stage/STATUS" counts.
func statuses(ds []delivery) map[string]int {
	m := map[string]int{}
	for _, d := range ds {
		m[fmt.Sprintf("%s/%d/%s", d.Kind, d.Stage, d.Status)]++
	}
	return m
}

var moscow = func() *time.Location {
	l, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		panic(err)
	}
	return l
}()

// inWindow reports whether t is within 09:00–21:00 Moscow time.
func inWindow(t time.Time) bool {
	h := t.In(moscow).Hour()
	return h >= 9 && h < 21
}

func kabinetFilter(employeeID string) kabinet.PayslipFilter {
	return kabinet.PayslipFilter{EmployeeID: employeeID}
}

// providerFakes is the provider sender the tests deliver through: a router
// (as push/providers builds it) over the real FCM and APNs SDK clients,
// pointed at the wire-protocol fakes of push/pushtest, on the test's clock
// (expiry). The recorder in front of it keeps the log most assertions read;
// the fakes show what really went over the wire.
func providerFakes(t testing.TB, clock kabinet.Clock) (push.Sender, *pushtest.FCM, *pushtest.APNs) {
	t.Helper()
	ff, af := pushtest.NewFCM(t), pushtest.NewAPNs(t)
	fs, err := fcm.New(context.Background(), fcm.Config{CredentialsFile: ff.WriteServiceAccount(t), Endpoint: ff.Endpoint(), Now: clock.Now})
	if err != nil {
		t.Fatalf("fcm: %v", err)
	}
	as, err := apns.New(apns.Config{KeyFile: af.WriteKey(t), KeyID: af.KeyID, TeamID: af.TeamID, Topic: af.Topic,
		Environment: "development", Host: af.URL, CAFile: af.WriteCA(t), Now: clock.Now})
	if err != nil {
		t.Fatalf("apns: %v", err)
	}
	return push.NewRouter(map[string]push.Sender{kabinet.ProviderFCM: fs, kabinet.ProviderAPNs: as}), ff, af
}
