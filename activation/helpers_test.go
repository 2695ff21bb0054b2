package activation_test

import (
	"regexp"
	"testing"

	"github.com/kabinet/kabinet/internal/testkit"
)

// world is a server with a real SMTP fixture and SMS gateway behind it.
type world struct {
	env  *testkit.Env
	smtp *testkit.SMTPServer
	sms  *testkit.SMSGateway
	org  string
	key  string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	smtp := testkit.StartSMTP(t)
	sms := testkit.StartSMSGateway(t)
	env := testkit.Start(t, testkit.WithSMTP(smtp.URL, "Кабинет сотрудника <noreply@example.com>"), testkit.WithSMSWebhook(sms.URL))
	org, key := env.NewOrg(t, "ООО «Тест»")
	return &world{env: env, smtp: smtp, sms: sms, org: org, key: key}
}

func (w *world) publish(t *testing.T, emps ...map[string]any) {
	t.Helper()
	w.env.Do(t, w.key, `mutation($in: [EmployeeInput!]!) { upsertEmployees(input: $in) { created updated } }`,
		map[string]any{"in": emps}).Must(t, nil)
}

func emp(ext, last, first, middle, email, phone string) map[string]any {
	return map[string]any{"externalId": ext, "lastName": last, "firstName": first, "middleName": middle, "email": email, "phone": phone}
}

type result struct {
	EmployeeExternalID string
	Status             string
	ActivationCode     *string
	LastError          *string
}

const resultFields = `employeeExternalId status activationCode lastError`

func (w *world) createCabinets(t *testing.T, ids ...string) []result {
	t.Helper()
	var out struct{ CreateCabinets []result }
	w.env.Do(t, w.key, `mutation($ids: [String!]!) { createCabinets(employeeExternalIds: $ids) { `+resultFields+` } }`,
		map[string]any{"ids": ids}).Must(t, &out)
	return out.CreateCabinets
}

func (w *world) invite(t *testing.T, channel string, ids ...string) []result {
	t.Helper()
	var out struct{ SendInvitations []result }
	w.env.Do(t, w.key, `mutation($ids: [String!]!, $ch: InvitationChannel!) { sendInvitations(employeeExternalIds: $ids, channel: $ch) { `+resultFields+` } }`,
		map[string]any{"ids": ids, "ch": channel}).Must(t, &out)
	return out.SendInvitations
}

type cabinet struct {
	Employee struct {
		ExternalID string
		Login      *string
	}
	Status        string
	InvitedAt     *string
	ActivatedAt   *string
	LastError     *string
	LastChannel   *string
	CodeExpiresAt *string
	History       []struct {
		Status, Reason string
		Channel        *string
	}
}

// statuses returns the HR list as external ID → status.
func (w *world) statuses(t *testing.T) map[string]cabinet {
	t.Helper()
	var out struct{ Cabinets []cabinet }
	w.env.Do(t, w.key, `{ cabinets { employee { externalId login } status invitedAt activatedAt lastError lastChannel codeExpiresAt history { status reason channel } } }`, nil).Must(t, &out)
	m := map[string]cabinet{}
	for _, c := range out.Cabinets {
		m[c.Employee.ExternalID] = c
	}
	return m
}

// wantStatuses checks the HR list.
func (w *world) wantStatuses(t *testing.T, want map[string]string) map[string]cabinet {
	t.Helper()
	got := w.statuses(t)
	for ext, st := range want {
		if got[ext].Status != st {
			t.Errorf("cabinet %s: got status %q, want %q (lastError %v)", ext, got[ext].Status, st, str(got[ext].LastError))
		}
	}
	return got
}

func str(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

type payload struct {
	AccessToken  string
	RefreshToken string
	Employee     struct {
		ExternalID string
		Login      string
	}
}

const payloadFields = `accessToken refreshToken employee { externalId login }`

func device(id string) map[string]any {
	return map[string]any{"id": id, "platform": "ANDROID", "model": "Pixel 8", "appVersion": "1.0.0", "timezone": "Europe/Moscow"}
}

func (w *world) activate(t *testing.T, code, password, deviceID string, extra map[string]any) *testkit.Response {
	t.Helper()
	in := map[string]any{"activationCode": code, "password": password, "device": device(deviceID)}
	for k, v := range extra {
		in[k] = v
	}
	return w.env.Do(t, "", `mutation($in: ActivateInput!) { activate(input: $in) { `+payloadFields+` } }`, map[string]any{"in": in})
}

func (w *world) mustActivate(t *testing.T, code, password, deviceID string) payload {
	t.Helper()
	var out struct{ Activate payload }
	w.activate(t, code, password, deviceID, nil).Must(t, &out)
	return out.Activate
}

func (w *world) login(t *testing.T, login, password, deviceID string) *testkit.Response {
	t.Helper()
	return w.env.Do(t, "", `mutation($in: LoginInput!) { login(input: $in) { `+payloadFields+` } }`,
		map[string]any{"in": map[string]any{"login": login, "password": password, "device": device(deviceID)}})
}

var codeRE = regexp.MustCompile(`[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}`)

// codeIn finds the activation code in a message text.
func codeIn(t *testing.T, text string) string {
	t.Helper()
	c := codeRE.FindString(text)
	if c == "" {
		t.Fatalf("no activation code in %q", text)
	}
	return c
}
