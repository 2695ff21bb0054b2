package requests_test

import (
	"context"
	"strings"
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

// office is a running server with one organisation:
//
//	D-HQ  (head H-1, the organisation's head)
//	└── D-IT (head M-1): E-1, E-2
//	D-OPS (no head): E-3 — their manager is the organisation's head
//
// E-1 has 28 days of annual leave, E-2 has 2 and a vacation in December.
// Phones: E-1 and E-2 on Android (FCM), M-1 and H-1 on iPhones (APNs).
type office struct {
	env      *testkit.Env
	org, key string
	fcm      *pushtest.FCM
	apns     *pushtest.APNs
	tokens   map[string]string // access tokens by external ID
}

// Push tokens of the phones.
func fcmToken(emp string) string { return "fcm:" + emp + "-abcdefghijklmnopqrstuvwxyz0123456789" }

func apnsToken(emp string) string {
	return strings.Repeat(map[string]string{"M-1": "a1", "H-1": "b2"}[emp], 32)
}

const officeSetup = `mutation {
  upsertDepartments(input: [
    {externalId: "D-HQ", name: "Дирекция", headExternalId: "H-1"},
    {externalId: "D-IT", name: "ИТ", parentExternalId: "D-HQ", headExternalId: "M-1"},
    {externalId: "D-OPS", name: "Эксплуатация", parentExternalId: "D-HQ"}]) { created }
}`

const officeEmployees = `mutation {
  upsertEmployees(input: [
    {externalId: "H-1", lastName: "Директоров", firstName: "Пётр", email: "h1@example.com", departmentExternalId: "D-HQ", isOrganizationHead: true},
    {externalId: "M-1", lastName: "Руководова", firstName: "Анна", email: "m1@example.com", departmentExternalId: "D-IT"},
    {externalId: "E-1", lastName: "Иванова", firstName: "Ольга", email: "e1@example.com", departmentExternalId: "D-IT"},
    {externalId: "E-2", lastName: "Петров", firstName: "Олег", email: "e2@example.com", departmentExternalId: "D-IT"},
    {externalId: "E-3", lastName: "Сидоров", firstName: "Иван", email: "e3@example.com", departmentExternalId: "D-OPS"}]) { created }
  publishLeaveBalances(input: [
    {employeeExternalId: "E-1", leaveTypeCode: "ANNUAL", leaveTypeTitle: "Ежегодный отпуск", asOf: "2026-11-01", entitledDays: "28", usedDays: "0", remainingDays: "28"},
    {employeeExternalId: "E-2", leaveTypeCode: "ANNUAL", leaveTypeTitle: "Ежегодный отпуск", asOf: "2026-11-01", entitledDays: "28", usedDays: "26", remainingDays: "2"},
    {employeeExternalId: "M-1", leaveTypeCode: "ANNUAL", leaveTypeTitle: "Ежегодный отпуск", asOf: "2026-11-01", entitledDays: "28", usedDays: "0", remainingDays: "28"},
    {employeeExternalId: "E-1", leaveTypeCode: "UNPAID", leaveTypeTitle: "Без сохранения", asOf: "2026-11-01", entitledDays: "0", usedDays: "0", remainingDays: "0"}]) { created }
  publishVacations(input: [{externalId: "V-2", employeeExternalId: "E-2", startsOn: "2026-12-07", endsOn: "2026-12-13", days: 7}]) { created }
}`

// newOffice boots the server with the provider fakes behind the real
// FCM/APNs clients, and without the background dispatcher: tests
// dispatch when they choose.
func newOffice(t *testing.T, opts ...testkit.Option) *office {
	t.Helper()
	clock := testkit.NewClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)) // 12:00 in Moscow, inside the window
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
	sender := push.NewRouter(map[string]push.Sender{kabinet.ProviderFCM: fs, kabinet.ProviderAPNs: as})
	opts = append([]testkit.Option{func(_ *app.Config, o *app.Options) {
		o.Clock, o.PushSender, o.NoDispatcher = clock, sender, true
	}}, opts...)
	env := testkit.Start(t, opts...)
	org, key := env.NewOrg(t, "ООО Ромашка")
	env.Do(t, key, officeSetup, nil).Must(t, nil)
	env.Do(t, key, officeEmployees, nil).Must(t, nil)
	o := &office{env: env, org: org, key: key, fcm: ff, apns: af, tokens: map[string]string{}}
	o.signIn(t)
	return o
}

// signIn signs every phone in afresh (after the clock moved past the
// access tokens' lifetime).
func (o *office) signIn(t *testing.T) {
	t.Helper()
	for _, e := range []string{"E-1", "E-2", "E-3"} {
		o.tokens[e] = o.phone(t, e, kabinet.PlatformAndroid, kabinet.ProviderFCM, fcmToken(e))
	}
	for _, e := range []string{"M-1", "H-1"} {
		o.tokens[e] = o.phone(t, e, kabinet.PlatformIOS, kabinet.ProviderAPNs, apnsToken(e))
	}
}

// phone signs the employee in on a phone of the platform and registers its
// push token; it returns the access token.
func (o *office) phone(t *testing.T, emp, platform, provider, pushToken string) string {
	t.Helper()
	o.env.EmployeeSession(t, o.org, emp, "") // an active cabinet
	e, err := o.env.App.DB.EmployeeByExternalID(context.Background(), o.org, emp)
	if err != nil {
		t.Fatal(err)
	}
	s, err := o.env.App.Auth.StartSession(context.Background(), o.org, e.ID,
		kabinet.Device{ClientID: "phone-" + emp, Platform: platform, Model: "phone"}, kabinet.MethodPassword)
	if err != nil {
		t.Fatal(err)
	}
	o.env.Do(t, s.AccessToken, `mutation($in: RegisterPushTokenInput!) { registerPushToken(input: $in) }`,
		map[string]any{"in": map[string]any{"provider": provider, "token": pushToken}}).Must(t, nil)
	return s.AccessToken
}

// leave is a LeaveRequest as the tests read it.
type leave struct {
	ID, Status, StartsOn, EndsOn, LeaveTypeTitle string
	Days                                         int
	Comment, DecisionComment                     *string
	InHrQueue                                    bool
	Warnings                                     []string
	Employee                                     struct{ ExternalID string }
	Approver                                     *struct{ ExternalID string }
	History                                      []struct {
		From          *string
		To, Actor     string
		Comment       *string
		ActorEmployee *struct{ ExternalID string }
	}
}

const leaveFields = `id status startsOn endsOn leaveTypeTitle days comment decisionComment inHrQueue warnings
	employee { externalId } approver { externalId } history { from to actor comment actorEmployee { externalId } }`

// create asks for leave as the employee and returns the response.
func (o *office) create(t *testing.T, emp, cmid, code, from, to string) *testkit.Response {
	t.Helper()
	return o.env.Do(t, o.tokens[emp], `mutation($in: CreateLeaveRequestInput!) { createLeaveRequest(input: $in) { `+leaveFields+` } }`,
		map[string]any{"in": map[string]any{"clientMutationId": cmid, "leaveTypeCode": code, "startsOn": from, "endsOn": to, "comment": "к морю"}})
}

func (o *office) mustCreate(t *testing.T, emp, cmid, code, from, to string) leave {
	t.Helper()
	var out struct{ CreateLeaveRequest leave }
	o.create(t, emp, cmid, code, from, to).Must(t, &out)
	return out.CreateLeaveRequest
}

// decide decides as the employee (an approver, or not).
func (o *office) decide(t *testing.T, emp, id, decision, comment string) *testkit.Response {
	t.Helper()
	return o.env.Do(t, o.tokens[emp], `mutation($in: DecideLeaveRequestInput!) { decideLeaveRequest(input: $in) { `+leaveFields+` } }`,
		map[string]any{"in": map[string]any{"id": id, "decision": decision, "comment": comment}})
}

func (o *office) withdraw(t *testing.T, emp, id string) *testkit.Response {
	t.Helper()
	return o.env.Do(t, o.tokens[emp], `mutation($id: ID!) { withdrawLeaveRequest(id: $id) { `+leaveFields+` } }`, map[string]any{"id": id})
}

// dispatch delivers everything due now.
func (o *office) dispatch(t *testing.T) {
	t.Helper()
	if _, err := o.env.App.Dispatcher.DispatchDue(context.Background()); err != nil {
		t.Fatalf("DispatchDue: %v", err)
	}
}

// pushed is what went over the wire: "token kind" per message, from the
// FCM and APNs fakes (the kind is the Android tag / the APNs collapse id's
// first part).
func (o *office) pushed() (fcmMsgs []pushtest.FCMMessage, apnsReqs []pushtest.APNsRequest) {
	return o.fcm.Messages(), o.apns.Requests()
}

// syncPage is the part of a sync the tests read.
type syncPage struct {
	LeaveRequests []leave
	Deleted       []struct{ Type, ID string }
	Cursor        string
	HasMore       bool
	Integrity     *struct{ LeaveRequests struct{ Count int } }
}

func (o *office) sync(t *testing.T, emp, cursor string) syncPage {
	t.Helper()
	var out struct{ Sync syncPage }
	var c any
	if cursor != "" {
		c = cursor
	}
	o.env.Do(t, o.tokens[emp], `query($c: String) { sync(cursor: $c) { leaveRequests { `+leaveFields+` } deleted { type id } cursor hasMore
		integrity { leaveRequests { count } } } }`, map[string]any{"c": c}).Must(t, &out)
	return out.Sync
}
