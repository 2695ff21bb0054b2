package activation_test

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/testkit"
)

// TestRacingActivations: two phones activate with the same code at once
// with different passwords: exactly one first activation happens, the other
// is refused (its password is not the one set).
func TestRacingActivations(t *testing.T) {
	w := newWorld(t)
	w.publish(t, emp("E-1", "Иванов", "Иван", "Иванович", "ivanov@example.com", ""))
	code := *w.createCabinets(t, "E-1")[0].ActivationCode
	var wg sync.WaitGroup
	codes := make([]string, 2)
	for i, pw := range []string{"first racer password", "second racer password"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = w.activate(t, code, pw, "racer-"+pw, map[string]any{"consentVersion": "2"}).Code()
		}()
	}
	wg.Wait()
	if !(codes[0] == "" && codes[1] == "UNAUTHENTICATED") && !(codes[1] == "" && codes[0] == "UNAUTHENTICATED") {
		t.Fatalf("got results %q, want exactly one success and one UNAUTHENTICATED", codes)
	}
	got := w.statuses(t)["E-1"]
	activations := 0
	for _, h := range got.History {
		if h.Status == "ACTIVE" {
			activations++
		}
	}
	if activations != 1 {
		t.Errorf("got %d ACTIVE transitions, want 1", activations)
	}
	testkit.SQLiteOnly(t) // the rest reads the SQLite file
	db, err := sql.Open("sqlite3", "file:"+w.env.DBPath+"?_query_only=true")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var version string
	var at sql.NullInt64
	if err := db.QueryRow(`SELECT consent_version, consent_at FROM cabinets`).Scan(&version, &at); err != nil {
		t.Fatal(err)
	}
	if version != "2" || !at.Valid {
		t.Errorf("got consent %q at %v, want version 2 with a time", version, at)
	}
}

func TestCodeExpiry(t *testing.T) {
	w := newWorld(t)
	w.publish(t, emp("E-1", "Иванов", "Иван", "Иванович", "ivanov@example.com", ""),
		emp("E-2", "Петров", "Пётр", "Петрович", "petrov@example.com", ""))
	code := *w.createCabinets(t, "E-1")[0].ActivationCode
	w.env.Clock.Add(30*24*time.Hour + time.Minute)
	w.activate(t, code, "correct horse battery", "phone-1", nil).WantCode(t, "UNAUTHENTICATED")
	w.wantStatuses(t, map[string]string{"E-1": "CREATED"})
	// HR shortens the TTL; a fresh code works within it.
	w.env.Do(t, w.key, `mutation { updateCabinetSettings(input: {codeTtlDays: 3}) { codeTtlDays } }`, nil).Must(t, nil)
	var ri struct{ ReissueActivationCode result }
	w.env.Do(t, w.key, `mutation { reissueActivationCode(employeeExternalId: "E-1") { `+resultFields+` } }`, nil).Must(t, &ri)
	code2 := *w.createCabinets(t, "E-2")[0].ActivationCode
	w.env.Clock.Add(2 * 24 * time.Hour)
	w.mustActivate(t, *ri.ReissueActivationCode.ActivationCode, "correct horse battery", "phone-1")
	w.env.Clock.Add(24 * time.Hour)
	w.activate(t, code2, "correct horse battery", "phone-2", nil).WantCode(t, "UNAUTHENTICATED")
}

func TestChosenLogin(t *testing.T) {
	w := newWorld(t)
	w.publish(t, emp("E-1", "Иванов", "Иван", "Иванович", "ivanov@example.com", ""),
		emp("E-2", "Петров", "Пётр", "Петрович", "petrov@example.com", ""))
	rs := w.createCabinets(t, "E-1", "E-2")
	w.env.Do(t, w.key, `mutation { updateAuthPolicy(input: {askLoginOnActivation: true}) { askLoginOnActivation } }`, nil).Must(t, nil)
	c1, c2 := *rs[0].ActivationCode, *rs[1].ActivationCode

	w.activate(t, c1, "correct horse battery", "p1", nil).WantCode(t, "BAD_USER_INPUT")
	w.activate(t, c1, "correct horse battery", "p1", map[string]any{"login": "bad login!"}).WantCode(t, "BAD_USER_INPUT")
	w.activate(t, c1, "correct horse battery", "p1", map[string]any{"login": "ab"}).WantCode(t, "BAD_USER_INPUT")
	w.activate(t, c1, "ivan.petrov", "p1", map[string]any{"login": "ivan.petrov"}).WantCode(t, "BAD_USER_INPUT") // password = login
	var out struct{ Activate payload }
	w.activate(t, c1, "correct horse battery", "p1", map[string]any{"login": "ivan.petrov"}).Must(t, &out)
	if out.Activate.Employee.Login != "ivan.petrov" {
		t.Errorf("got login %q, want ivan.petrov", out.Activate.Employee.Login)
	}
	w.activate(t, c2, "another good secret", "p2", map[string]any{"login": "IVAN.PETROV"}).WantCode(t, "CONFLICT")
	w.wantStatuses(t, map[string]string{"E-1": "ACTIVE", "E-2": "CREATED"})
	w.activate(t, c2, "another good secret", "p2", map[string]any{"login": "Пётр_Петров"}).Must(t, nil)
	w.login(t, "IVAN.Petrov", "correct horse battery", "p1").Must(t, nil)
	w.login(t, "пётр_петров", "another good secret", "p2").Must(t, nil)
}

func TestChangePassword(t *testing.T) {
	w := newWorld(t)
	w.publish(t, emp("E-1", "Иванов", "Иван", "Иванович", "ivanov@example.com", ""))
	code := *w.createCabinets(t, "E-1")[0].ActivationCode
	p1 := w.mustActivate(t, code, "correct horse battery", "phone-1")
	p2 := w.mustActivate(t, code, "correct horse battery", "tablet")

	change := func(token, old, new string) *struct{ ChangePassword payload } {
		var out struct{ ChangePassword payload }
		r := w.env.Do(t, token, `mutation($o: String!, $n: String!) { changePassword(oldPassword: $o, newPassword: $n) { `+payloadFields+` } }`,
			map[string]any{"o": old, "n": new})
		if r.Code() != "" {
			t.Logf("changePassword: %s", r.Code())
			return nil
		}
		r.Must(t, &out)
		return &out
	}
	w.env.Do(t, p1.AccessToken, `mutation { changePassword(oldPassword: "wrong one!", newPassword: "a new good secret") { accessToken } }`, nil).WantCode(t, "UNAUTHENTICATED")
	w.env.Do(t, p1.AccessToken, `mutation { changePassword(oldPassword: "correct horse battery", newPassword: "qwerty123") { accessToken } }`, nil).WantCode(t, "BAD_USER_INPUT")
	w.env.Do(t, w.key, `mutation { changePassword(oldPassword: "correct horse battery", newPassword: "a new good secret") { accessToken } }`, nil).WantCode(t, "FORBIDDEN")
	out := change(p1.AccessToken, "correct horse battery", "a new good secret")
	if out == nil || out.ChangePassword.AccessToken == "" {
		t.Fatalf("changePassword: got %+v, want new tokens", out)
	}
	// Every old session ends (the tablet's too); the new one works.
	w.env.Do(t, p1.AccessToken, `{ me { login } }`, nil).WantCode(t, "UNAUTHENTICATED")
	w.env.Do(t, p2.AccessToken, `{ me { login } }`, nil).WantCode(t, "UNAUTHENTICATED")
	w.env.Do(t, out.ChangePassword.AccessToken, `{ me { login } }`, nil).Must(t, nil)
	w.login(t, "ИвановИИ", "correct horse battery", "phone-1").WantCode(t, "UNAUTHENTICATED")
	w.login(t, "ИвановИИ", "a new good secret", "phone-1").Must(t, nil)
}

// TestDismissal: a published dismissal that has passed blocks the cabinet
// and ends the sessions; a future one takes effect when its day is over, in
// the organisation's zone, even before the sweep runs.
func TestDismissal(t *testing.T) {
	w := newWorld(t) // the clock is at 2026-11-02 09:00 UTC (12:00 in Moscow)
	w.publish(t, emp("E-1", "Иванов", "Иван", "Иванович", "ivanov@example.com", ""),
		emp("E-2", "Петров", "Пётр", "Петрович", "petrov@example.com", ""))
	rs := w.createCabinets(t, "E-1", "E-2")
	p1 := w.mustActivate(t, *rs[0].ActivationCode, "correct horse battery", "phone-1")
	p2 := w.mustActivate(t, *rs[1].ActivationCode, "another good secret", "phone-2")

	dismissed := func(ext, last, first, middle, email, on string) map[string]any {
		e := emp(ext, last, first, middle, email, "")
		e["dismissedOn"] = on
		return e
	}
	w.publish(t, dismissed("E-1", "Иванов", "Иван", "Иванович", "ivanov@example.com", "2026-11-01"),
		dismissed("E-2", "Петров", "Пётр", "Петрович", "petrov@example.com", "2026-11-02"))
	w.wantStatuses(t, map[string]string{"E-1": "BLOCKED", "E-2": "ACTIVE"})
	w.env.Do(t, p1.AccessToken, `{ me { login } }`, nil).WantCode(t, "UNAUTHENTICATED")
	w.login(t, "ИвановИИ", "correct horse battery", "phone-1").WantCode(t, "FORBIDDEN")
	w.env.Do(t, w.key, `mutation { unblockCabinet(employeeExternalId: "E-1") { status } }`, nil).WantCode(t, "FORBIDDEN")

	// E-2's last day ends at midnight Moscow time (21:00 UTC).
	w.env.Clock.Set(time.Date(2026, 11, 2, 20, 59, 0, 0, time.UTC))
	w.env.Do(t, "", `mutation($r: String!) { refreshSession(refreshToken: $r) { refreshToken } }`, map[string]any{"r": p2.RefreshToken}).Must(t, nil)
	w.env.Clock.Set(time.Date(2026, 11, 2, 21, 0, 0, 0, time.UTC))
	w.login(t, "ПетровПП", "another good secret", "phone-2").WantCode(t, "FORBIDDEN")
	if err := w.env.App.Activation.BlockDismissed(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.wantStatuses(t, map[string]string{"E-2": "BLOCKED"})
}

// TestAutomaticCabinets: with the settings on, publishing an employee
// creates the cabinet and sends the invitation (SMS preferred, email when
// there is no phone), with HR's template.
func TestAutomaticCabinets(t *testing.T) {
	w := newWorld(t)
	w.env.Do(t, w.key, `mutation { updateCabinetSettings(input: {emailTemplate: "no code here"}) { codeTtlDays } }`, nil).WantCode(t, "BAD_USER_INPUT")
	w.env.Do(t, w.key, `mutation { updateCabinetSettings(input: {codeTtlDays: 0}) { codeTtlDays } }`, nil).WantCode(t, "BAD_USER_INPUT")
	w.env.Do(t, w.key, `mutation { updateCabinetSettings(input: {androidUrl: "javascript:alert(1)"}) { codeTtlDays } }`, nil).WantCode(t, "BAD_USER_INPUT")
	var st struct {
		CabinetSettings struct{ InvitationChannel, SmsTemplate string }
	}
	w.env.Do(t, w.key, `{ cabinetSettings { invitationChannel smsTemplate } }`, nil).Must(t, &st)
	if st.CabinetSettings.InvitationChannel != "EMAIL" || !strings.Contains(st.CabinetSettings.SmsTemplate, "{code}") {
		t.Errorf("default settings: got %+v, want EMAIL and a template with {code}", st.CabinetSettings)
	}
	w.env.Do(t, w.key, `mutation { updateCabinetSettings(input: {autoCreateCabinets: true, autoSendInvitations: true,
		invitationChannel: SMS, smsTemplate: "{name}, ваш код: {code}"}) { autoCreateCabinets } }`, nil).Must(t, nil)

	w.publish(t, emp("E-1", "Сидорова", "Анна", "Петровна", "anna@example.com", "+79160000001"),
		emp("E-2", "Петров", "Пётр", "Петрович", "petrov@example.com", ""),
		emp("E-3", "Никто", "Без", "Контактов", "", ""))
	sms := w.sms.Next(t)
	if !strings.HasPrefix(sms.Text, "Анна Петровна, ваш код: ") || sms.To != "+79160000001" {
		t.Errorf("got SMS %+v, want HR's template to +79160000001", sms)
	}
	mail := w.smtp.Next(t)
	if mail.To != "petrov@example.com" {
		t.Errorf("got email to %q, want petrov@example.com (no phone: email instead)", mail.To)
	}
	w.eventually(t, map[string]string{"E-1": "INVITED", "E-2": "INVITED", "E-3": "CREATE_FAILED"})
	w.mustActivate(t, codeIn(t, sms.Text), "correct horse battery", "phone-1")
}

// eventually waits (up to 10 s) for background invitations to settle.
func (w *world) eventually(t *testing.T, want map[string]string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := w.statuses(t)
		ok := true
		for ext, st := range want {
			ok = ok && got[ext].Status == st
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			w.wantStatuses(t, want)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestInvitationFailures: the SMTP server refusing the recipient and the
// gateway answering 503 give INVITE_FAILED with channel and reason; HR
// retries after the contact is corrected.
func TestInvitationFailures(t *testing.T) {
	w := newWorld(t)
	w.publish(t, emp("E-1", "Иванов", "Иван", "Иванович", "reject@example.com", "+79160000000"))
	w.createCabinets(t, "E-1")
	rs := w.invite(t, "EMAIL", "E-1")
	if rs[0].Status != "INVITE_FAILED" || !strings.Contains(str(rs[0].LastError), "550") {
		t.Errorf("email refused: got %s %q, want INVITE_FAILED with the 550", rs[0].Status, str(rs[0].LastError))
	}
	rs = w.invite(t, "SMS", "E-1")
	if rs[0].Status != "INVITE_FAILED" || !strings.Contains(str(rs[0].LastError), "503") {
		t.Errorf("SMS refused: got %s %q, want INVITE_FAILED with the 503", rs[0].Status, str(rs[0].LastError))
	}
	got := w.wantStatuses(t, map[string]string{"E-1": "INVITE_FAILED"})
	if str(got["E-1"].LastChannel) != "SMS" {
		t.Errorf("got lastChannel %s, want SMS", str(got["E-1"].LastChannel))
	}
	w.publish(t, emp("E-1", "Иванов", "Иван", "Иванович", "ivanov@example.com", "+79160000000"))
	rs = w.invite(t, "EMAIL", "E-1")
	if rs[0].Status != "INVITED" || rs[0].LastError != nil {
		t.Errorf("retry: got %+v, want INVITED", rs[0])
	}
	w.mustActivate(t, codeIn(t, w.smtp.Next(t).Body), "correct horse battery", "phone-1")
}

// TestOutboxCrashSafety: an invitation committed with its code but not sent
// when the process died is sent after the restart, once; one whose sender
// died mid-send is retried after the lease with the same idempotency key;
// settled ones are never sent again, and their text (the code) is wiped.
func TestOutboxCrashSafety(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.publish(t, emp("E-1", "Иванов", "Иван", "Иванович", "ivanov@example.com", "+79160000001"))
	w.createCabinets(t, "E-1")
	e, err := w.env.App.DB.EmployeeByExternalID(ctx, w.org, "E-1")
	if err != nil {
		t.Fatal(err)
	}
	// The transaction of sendInvitations committed, then the process died.
	inv := &kabinet.Invitation{ID: kabinet.NewID("inv"), Channel: "SMS", To: e.Phone, Body: "код: AAAA-BBBB-CCCC"}
	if _, issued, err := w.env.App.DB.IssueCode(ctx, w.org, e.ID, "hash-of-AAAABBBBCCCC", nil,
		[]string{kabinet.CabinetCreated}, "test", inv); err != nil || !issued {
		t.Fatalf("queue: got %v, %v", issued, err)
	}
	// A sender claimed it and died in the middle of the send.
	if claimed, err := w.env.App.DB.ClaimInvitations(ctx, []string{inv.ID}, time.Minute, 10); err != nil || len(claimed) != 1 {
		t.Fatalf("claim: got %d, %v; want 1", len(claimed), err)
	}
	if n, err := w.env.App.Activation.Flush(ctx); err != nil || n != 0 {
		t.Fatalf("flush under lease: got %d, %v; want 0", n, err)
	}
	w.env.Clock.Add(3 * time.Minute)
	if n, err := w.env.App.Activation.Flush(ctx); err != nil || n != 1 {
		t.Fatalf("flush after the lease: got %d, %v; want 1", n, err)
	}
	sms := w.sms.Next(t)
	if sms.IdempotencyKey != inv.ID || !strings.Contains(sms.Text, "AAAA-BBBB-CCCC") {
		t.Errorf("got %+v, want the queued text with Idempotency-Key %s", sms, inv.ID)
	}
	if n, err := w.env.App.Activation.Flush(ctx); err != nil || n != 0 {
		t.Fatalf("flush again: got %d, %v; want 0", n, err)
	}
	select {
	case again := <-w.sms.SMS:
		t.Errorf("got a second SMS %+v, want none", again)
	default:
	}
	w.wantStatuses(t, map[string]string{"E-1": "INVITED"})
	testkit.SQLiteOnly(t) // the rest reads the SQLite file
	db, err := sql.Open("sqlite3", "file:"+w.env.DBPath+"?_query_only=true")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var left int
	if err := db.QueryRow(`SELECT count(*) FROM invitation_outbox WHERE body <> ''`).Scan(&left); err != nil || left != 0 {
		t.Errorf("got %d outbox rows still holding text (%v), want 0", left, err)
	}
}
