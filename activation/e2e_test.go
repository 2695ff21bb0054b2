package activation_test

import (
	"strings"
	"testing"
)

// TestActivationEndToEnd drives the whole path over HTTP: publish → create
// cabinets → invitations by email (a real SMTP conversation) and SMS (a real
// HTTP gateway) → activate → login → reinstall → HR re-issues the code →
// block, checking HR's status list at every step.
func TestActivationEndToEnd(t *testing.T) {
	w := newWorld(t)
	w.publish(t,
		emp("E-1", "Иванов", "Иван", "Иванович", "ivanov@example.com", "+79160000001"),
		emp("E-2", "Иванов", "Игорь", "Ильич", "igor@example.com", ""),
		emp("E-3", "Петров", "Пётр", "", "", ""),
		emp("E-4", "Сидорова", "Анна", "Петровна", "", "+79160000004"),
	)
	w.wantStatuses(t, map[string]string{"E-1": "NOT_CREATED", "E-2": "NOT_CREATED", "E-3": "NOT_CREATED", "E-4": "NOT_CREATED"})

	// Create cabinets: an unknown external ID and an employee without
	// contacts are reported per item, not as a failure of the batch.
	rs := w.createCabinets(t, "E-1", "E-2", "E-3", "E-4", "E-404")
	for i, want := range []string{"CREATED", "CREATED", "CREATE_FAILED", "CREATED", "NOT_CREATED"} {
		if rs[i].Status != want {
			t.Errorf("createCabinets[%d] (%s): got %s, want %s", i, rs[i].EmployeeExternalID, rs[i].Status, want)
		}
	}
	if rs[0].ActivationCode == nil || rs[2].ActivationCode != nil {
		t.Errorf("got codes %v, %v; want a code for E-1 and none for E-3", str(rs[0].ActivationCode), str(rs[2].ActivationCode))
	}
	if !strings.Contains(str(rs[2].LastError), "no email and no phone") || !strings.Contains(str(rs[4].LastError), "no published employee") {
		t.Errorf("got reasons %q, %q; want no contacts / unknown employee", str(rs[2].LastError), str(rs[4].LastError))
	}
	createdCode := *rs[0].ActivationCode
	// Creating again keeps the cabinet and its code; a repeat is one item.
	if again := w.createCabinets(t, "E-1", "E-1"); len(again) != 1 || again[0].Status != "CREATED" || again[0].ActivationCode != nil {
		t.Errorf("createCabinets again: got %+v, want one CREATED without a new code", again)
	}
	w.wantStatuses(t, map[string]string{"E-1": "CREATED", "E-2": "CREATED", "E-3": "CREATE_FAILED", "E-4": "CREATED"})

	// Invitations by email: they really arrive, carrying the code.
	rs = w.invite(t, "EMAIL", "E-1", "E-2", "E-4")
	if rs[0].Status != "INVITED" || rs[1].Status != "INVITED" {
		t.Fatalf("sendInvitations: got %+v, want INVITED", rs)
	}
	if rs[2].Status != "INVITE_FAILED" || !strings.Contains(str(rs[2].LastError), "no email") {
		t.Errorf("E-4 by EMAIL: got %s %q, want INVITE_FAILED for the missing email", rs[2].Status, str(rs[2].LastError))
	}
	mails := map[string]string{}
	for i := 0; i < 2; i++ {
		m := w.smtp.Next(t)
		if !strings.Contains(m.Subject, "Приглашение") || m.Header.Get("Message-ID") == "" {
			t.Errorf("got subject %q, Message-ID %q; want the Russian default subject and an id", m.Subject, m.Header.Get("Message-ID"))
		}
		mails[m.To] = m.Body
	}
	body := mails["ivanov@example.com"]
	if !strings.Contains(body, "Здравствуйте, Иван Иванович!") || !strings.Contains(body, "play.google.com") {
		t.Errorf("got email body %q, want the greeting and the store links", body)
	}
	code := codeIn(t, body)
	if code != str(rs[0].ActivationCode) {
		t.Errorf("got code %s in the email, %s in the result; want the same", code, str(rs[0].ActivationCode))
	}
	code2 := codeIn(t, mails["igor@example.com"])

	// E-4 has only a phone: SMS.
	rs = w.invite(t, "SMS", "E-4")
	if rs[0].Status != "INVITED" {
		t.Fatalf("E-4 by SMS: got %+v, want INVITED", rs[0])
	}
	sms := w.sms.Next(t)
	if sms.To != "+79160000004" || codeIn(t, sms.Text) != str(rs[0].ActivationCode) || sms.IdempotencyKey == "" {
		t.Errorf("got SMS %+v, want the code %s to +79160000004 with an idempotency key", sms, str(rs[0].ActivationCode))
	}
	got := w.wantStatuses(t, map[string]string{"E-1": "INVITED", "E-2": "INVITED", "E-3": "CREATE_FAILED", "E-4": "INVITED"})
	if got["E-1"].InvitedAt == nil || str(got["E-1"].LastChannel) != "EMAIL" || got["E-1"].CodeExpiresAt == nil {
		t.Errorf("E-1: got %+v, want invitedAt, lastChannel EMAIL and codeExpiresAt", got["E-1"])
	}
	if str(got["E-4"].LastChannel) != "SMS" || got["E-4"].LastError != nil {
		t.Errorf("E-4 after the SMS: got %+v, want lastChannel SMS and no error", got["E-4"])
	}

	// The code from createCabinets was replaced by the invitation's.
	w.activate(t, createdCode, "correct horse battery", "phone-1", nil).WantCode(t, "UNAUTHENTICATED")

	// Bad passwords change nothing.
	w.activate(t, code, "12345678", "phone-1", nil).WantCode(t, "BAD_USER_INPUT")
	w.activate(t, code, "short", "phone-1", nil).WantCode(t, "BAD_USER_INPUT")
	w.wantStatuses(t, map[string]string{"E-1": "INVITED"})

	// First activation, typed in lower case without dashes.
	typed := strings.ToLower(strings.ReplaceAll(code, "-", ""))
	p := w.mustActivate(t, typed, "correct horse battery", "phone-1")
	if p.Employee.Login != "ИвановИИ" || p.AccessToken == "" || p.RefreshToken == "" {
		t.Fatalf("activate: got %+v, want login ИвановИИ and tokens", p)
	}
	p2 := w.mustActivate(t, code2, "another good secret", "phone-2")
	if p2.Employee.Login != "ИвановИИ2" {
		t.Errorf("second Иванов И. И.: got login %q, want ИвановИИ2", p2.Employee.Login)
	}
	got = w.wantStatuses(t, map[string]string{"E-1": "ACTIVE", "E-2": "ACTIVE", "E-4": "INVITED"})
	if got["E-1"].ActivatedAt == nil || str(got["E-1"].Employee.Login) != "ИвановИИ" {
		t.Errorf("E-1: got %+v, want activatedAt and the login", got["E-1"])
	}
	var me struct{ Me struct{ Login string } }
	w.env.Do(t, p.AccessToken, `{ me { login } }`, nil).Must(t, &me)
	if me.Me.Login != "ИвановИИ" {
		t.Errorf("me.login: got %q, want ИвановИИ", me.Me.Login)
	}

	// Password login, case-insensitive.
	w.login(t, "ивановии", "correct horse battery", "phone-1").Must(t, nil)
	w.login(t, "ИвановИИ", "wrong password!", "phone-1").WantCode(t, "UNAUTHENTICATED")
	w.login(t, "nobody", "correct horse battery", "phone-1").WantCode(t, "UNAUTHENTICATED")

	// Reinstall: the code alone is refused; code and password work.
	w.activate(t, code, "", "phone-1b", nil).WantCode(t, "UNAUTHENTICATED")
	w.activate(t, code, "not the password", "phone-1b", nil).WantCode(t, "UNAUTHENTICATED")
	re := w.mustActivate(t, code, "correct horse battery", "phone-1b")
	if re.Employee.Login != "ИвановИИ" {
		t.Errorf("re-activation: got login %q, want ИвановИИ", re.Employee.Login)
	}

	// HR re-issues the code: the old one stops working, the new one works
	// with the password.
	var ri struct{ ReissueActivationCode result }
	w.env.Do(t, w.key, `mutation { reissueActivationCode(employeeExternalId: "E-1") { `+resultFields+` } }`, nil).Must(t, &ri)
	if ri.ReissueActivationCode.ActivationCode == nil || ri.ReissueActivationCode.Status != "ACTIVE" {
		t.Fatalf("reissue: got %+v, want a new code and ACTIVE", ri.ReissueActivationCode)
	}
	w.activate(t, code, "correct horse battery", "phone-1c", nil).WantCode(t, "UNAUTHENTICATED")
	w.mustActivate(t, *ri.ReissueActivationCode.ActivationCode, "correct horse battery", "phone-1c")
	w.wantStatuses(t, map[string]string{"E-1": "ACTIVE"})

	// Block: every session ends at once.
	var bl struct{ BlockCabinet cabinet }
	w.env.Do(t, w.key, `mutation { blockCabinet(employeeExternalId: "E-1") { employee { externalId } status } }`, nil).Must(t, &bl)
	if bl.BlockCabinet.Status != "BLOCKED" {
		t.Errorf("blockCabinet: got %s, want BLOCKED", bl.BlockCabinet.Status)
	}
	w.env.Do(t, p.AccessToken, `{ me { login } }`, nil).WantCode(t, "UNAUTHENTICATED")
	w.env.Do(t, re.AccessToken, `{ me { login } }`, nil).WantCode(t, "UNAUTHENTICATED")
	w.env.Do(t, "", `mutation($r: String!) { refreshSession(refreshToken: $r) { accessToken } }`,
		map[string]any{"r": p.RefreshToken}).WantCode(t, "UNAUTHENTICATED")
	w.login(t, "ИвановИИ", "correct horse battery", "phone-1").WantCode(t, "FORBIDDEN")
	w.activate(t, *ri.ReissueActivationCode.ActivationCode, "correct horse battery", "phone-1d", nil).WantCode(t, "FORBIDDEN")
	// The other employee is untouched.
	w.env.Do(t, p2.AccessToken, `{ me { login } }`, nil).Must(t, nil)
	got = w.wantStatuses(t, map[string]string{"E-1": "BLOCKED", "E-2": "ACTIVE", "E-3": "CREATE_FAILED", "E-4": "INVITED"})

	var trail []string
	for _, h := range got["E-1"].History {
		trail = append(trail, h.Status+"/"+str(h.Channel))
	}
	if want := "CREATED/<nil> INVITED/EMAIL ACTIVE/<nil>"; !strings.HasPrefix(strings.Join(dedupe(trail), " "), want) ||
		trail[len(trail)-1] != "BLOCKED/<nil>" {
		t.Errorf("history: got %v, want it to start with %s and end with BLOCKED", trail, want)
	}

	// Unblock: ACTIVE again, the password works.
	w.env.Do(t, w.key, `mutation { unblockCabinet(employeeExternalId: "E-1") { status } }`, nil).Must(t, nil)
	w.login(t, "ИвановИИ", "correct horse battery", "phone-1").Must(t, nil)
	w.wantStatuses(t, map[string]string{"E-1": "ACTIVE"})

	// Unknown employees in single-employee operations.
	w.env.Do(t, w.key, `mutation { blockCabinet(employeeExternalId: "E-404") { status } }`, nil).WantCode(t, "NOT_FOUND")
	w.env.Do(t, w.key, `mutation { reissueActivationCode(employeeExternalId: "E-404") { status } }`, nil).WantCode(t, "NOT_FOUND")
}

// dedupe drops consecutive repeats (a re-issue records the same status again).
func dedupe(s []string) []string {
	var out []string
	for _, v := range s {
		if len(out) == 0 || out[len(out)-1] != v {
			out = append(out, v)
		}
	}
	return out
}
