package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/testkit"
)

var (
	linkPath     = regexp.MustCompile(`/hr/set-password/[a-z0-9]+`)
	recoveryCode = regexp.MustCompile(`<li>([a-z2-7]{5}-[a-z2-7]{5})</li>`)
)

// TestFirstAdmin: createOrganization with adminEmail returns a one-time
// link; the admin sets a password, is sent to set up TOTP before anything
// else, sees the QR code and secret, confirms with a code, gets recovery
// codes once, and can then use the console.
func TestFirstAdmin(t *testing.T) {
	env := testkit.Start(t)
	var out struct {
		CreateOrganization struct {
			Organization         struct{ ID string }
			AdminSetPasswordLink string
		}
	}
	env.Do(t, testkit.BootstrapToken, `mutation { createOrganization(input: {name: "ООО Первый", adminEmail: "first@example.ru", adminName: "Ирина Первая"}) {
		organization { id } adminSetPasswordLink } }`, nil).Must(t, &out)
	link := out.CreateOrganization.AdminSetPasswordLink
	if !linkPath.MatchString(link) {
		t.Fatalf("got link %q, want /hr/set-password/…", link)
	}
	c := env.NewHRClient(t)
	if p := c.Get(link).Want(t, http.StatusOK); !strings.Contains(p.Body, "first@example.ru") {
		t.Errorf("set-password page does not name the account")
	}
	t.Run("ErrPasswordRules", func(t *testing.T) {
		p := c.PostForm(link, url.Values{"password": {"12345678"}, "password2": {"12345678"}}).Want(t, http.StatusUnprocessableEntity)
		if !strings.Contains(p.Body, `id="password-err"`) {
			t.Errorf("no error next to the password field")
		}
		c.PostForm(link, url.Values{"password": {"long enough 1"}, "password2": {"long enough 2"}}).Want(t, http.StatusUnprocessableEntity)
	})
	pw := "Первый пароль 2026"
	c.PostForm(link, url.Values{"password": {pw}, "password2": {pw}}).Want(t, http.StatusOK)
	c.PostForm("/hr/signin", url.Values{"email": {"First@Example.ru"}, "password": {pw}}).Want(t, http.StatusSeeOther)
	for _, path := range []string{"/hr/", "/hr/users", "/hr/profile"} {
		if p := c.Get(path).Want(t, http.StatusSeeOther); p.Location != "/hr/profile/totp" {
			t.Errorf("%s: got sent to %q, want /hr/profile/totp", path, p.Location)
		}
	}
	c.PostForm("/hr/users/invite", url.Values{"email": {"x@example.ru"}, "name": {"X"}, "role": {"HR"}}).Want(t, http.StatusSeeOther)
	c.PostForm("/hr/profile/totp/start", nil).Want(t, http.StatusSeeOther)
	p := c.Get("/hr/profile/totp").Want(t, http.StatusOK)
	secret := regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`).FindStringSubmatch(p.Body)
	if secret == nil || !strings.Contains(p.Body, `src="data:image/png;base64,`) {
		t.Fatalf("no QR image and secret on the TOTP page:\n%s", p.Body)
	}
	c.TOTPSecret = secret[1]
	c.PostForm("/hr/profile/totp/confirm", url.Values{"code": {"000000"}}).Want(t, http.StatusUnprocessableEntity)
	p = c.PostForm("/hr/profile/totp/confirm", url.Values{"code": {c.TOTPCode(0)}}).Want(t, http.StatusOK)
	if n := len(recoveryCode.FindAllString(p.Body, -1)); n != 10 {
		t.Errorf("got %d recovery codes shown, want 10", n)
	}
	c.Get("/hr/users").Want(t, http.StatusOK)
	if p := c.Get("/hr/profile/totp"); recoveryCode.MatchString(p.Body) {
		t.Errorf("recovery codes shown again")
	}
	t.Run("ErrLinkUsed", func(t *testing.T) {
		c.Get(link).Want(t, http.StatusNotFound)
	})
	t.Run("ErrTaken", func(t *testing.T) {
		env.Do(t, testkit.BootstrapToken, `mutation { createOrganization(input: {name: "Второй", adminEmail: "first@example.ru", adminName: "X"}) {
			organization { id } } }`, nil).WantCode(t, "CONFLICT")
		env.Do(t, testkit.BootstrapToken, `mutation { createOrganization(input: {name: "Второй", adminEmail: "not-an-email", adminName: "X"}) {
			organization { id } } }`, nil).WantCode(t, "BAD_USER_INPUT")
		orgs, _ := env.App.Tenancy.Organizations(context.Background())
		if len(orgs) != 1 {
			t.Errorf("got %d organisations, want 1: a refused admin creates nothing", len(orgs))
		}
	})
}

// TestTOTPSignIn: wrong, right and replayed codes; recovery codes once.
func TestTOTPSignIn(t *testing.T) {
	env := testkit.Start(t)
	org, _ := env.NewOrg(t, "Org")
	c := env.HRUser(t, org, "HR", true) // an HR user who chose a second factor
	codes, err := recoveryCodes(t, env, c)
	if err != nil {
		t.Fatal(err)
	}
	signIn := func(code string) *testkit.HRPage {
		t.Helper()
		c.Get("/hr/signin")
		if p := c.PostForm("/hr/signin", url.Values{"email": {c.User.Email}, "password": {c.Password}}).Want(t, http.StatusSeeOther); !strings.HasPrefix(p.Location, "/hr/signin/totp") {
			t.Fatalf("got %q, want the TOTP step", p.Location)
		}
		c.Get("/hr/profile").Want(t, http.StatusSeeOther) // not signed in before the code
		return c.PostForm("/hr/signin/totp", url.Values{"code": {code}})
	}
	t.Run("ErrWrong", func(t *testing.T) {
		signIn("123456").Want(t, http.StatusUnauthorized)
		c.Get("/hr/profile").Want(t, http.StatusSeeOther)
	})
	code := c.TOTPCode(1)
	t.Run("OK", func(t *testing.T) {
		signIn(code).Want(t, http.StatusSeeOther)
		c.Get("/hr/profile").Want(t, http.StatusOK)
		c.PostForm("/hr/signout", nil).Want(t, http.StatusSeeOther)
	})
	t.Run("ErrReplayed", func(t *testing.T) {
		signIn(code).Want(t, http.StatusUnauthorized)
		c.Get("/hr/profile").Want(t, http.StatusSeeOther)
	})
	t.Run("ErrEarlierStep", func(t *testing.T) {
		signIn(c.TOTPCode(0)).Want(t, http.StatusUnauthorized)
	})
	t.Run("RecoveryOnce", func(t *testing.T) {
		signIn(codes[0]).Want(t, http.StatusSeeOther)
		c.Get("/hr/profile").Want(t, http.StatusOK)
		c.PostForm("/hr/signout", nil).Want(t, http.StatusSeeOther)
		signIn(codes[0]).Want(t, http.StatusUnauthorized)
		signIn(strings.ToUpper(codes[1])).Want(t, http.StatusSeeOther)
	})
	t.Run("ErrStepTimeout", func(t *testing.T) {
		c.Get("/hr/signin")
		c.PostForm("/hr/signin", url.Values{"email": {c.User.Email}, "password": {c.Password}}).Want(t, http.StatusSeeOther)
		env.Clock.Add(6 * time.Minute)
		if p := c.PostForm("/hr/signin/totp", url.Values{"code": {c.TOTPCode(0)}}); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/hr/signin?") {
			t.Errorf("a code after the step's 5 minutes: got HTTP %d to %q, want sent to sign in again", p.Status, p.Location)
		}
	})
}

// recoveryCodes gives the user new recovery codes (turning TOTP off and on
// again through the pages).
func recoveryCodes(t *testing.T, env *testkit.Env, c *testkit.HRClient) ([]string, error) {
	t.Helper()
	c.SignIn()
	c.PostForm("/hr/profile/totp/disable", url.Values{"password": {"wrong password!"}}).Want(t, http.StatusUnprocessableEntity)
	c.PostForm("/hr/profile/totp/disable", url.Values{"password": {c.Password}}).Want(t, http.StatusSeeOther)
	c.PostForm("/hr/profile/totp/start", nil).Want(t, http.StatusSeeOther)
	p := c.Get("/hr/profile/totp")
	c.TOTPSecret = regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`).FindStringSubmatch(p.Body)[1]
	p = c.PostForm("/hr/profile/totp/confirm", url.Values{"code": {c.TOTPCode(0)}}).Want(t, http.StatusOK)
	var codes []string
	for _, m := range recoveryCode.FindAllStringSubmatch(p.Body, -1) {
		codes = append(codes, m[1])
	}
	c.PostForm("/hr/signout", nil)
	env.Clock.Add(30 * time.Second) // the confirming code's step is spent
	return codes, nil
}

// TestSignInThrottle: wrong passwords for one email slow it down
// (RATE_LIMITED) — with the same message for an email nobody has.
func TestSignInThrottle(t *testing.T) {
	env := testkit.Start(t)
	org, _ := env.NewOrg(t, "Org")
	c := env.HRUser(t, org, "VIEWER", false)
	for _, email := range []string{c.User.Email, "nobody@example.ru"} {
		var limited bool
		for i := 0; i < 8 && !limited; i++ {
			p := c.PostForm("/hr/signin", url.Values{"email": {email}, "password": {"wrong password"}})
			limited = p.Status == http.StatusTooManyRequests
		}
		if !limited {
			t.Fatalf("%s: no RATE_LIMITED after 8 wrong passwords", email)
		}
	}
	// Limited even with the right password, until the wait is over.
	c.PostForm("/hr/signin", url.Values{"email": {c.User.Email}, "password": {c.Password}}).Want(t, http.StatusTooManyRequests)
	env.Clock.Add(20 * time.Minute)
	c.PostForm("/hr/signin", url.Values{"email": {c.User.Email}, "password": {c.Password}}).Want(t, http.StatusSeeOther)
}

// TestInvitation: an admin invites by email; the link sets the password
// once, expires after 72 hours; a disabled user's sessions end at once.
func TestInvitation(t *testing.T) {
	smtp := testkit.StartSMTP(t)
	env := testkit.Start(t, testkit.WithSMTP(smtp.URL, "Кабинет <noreply@example.com>"))
	org, _ := env.NewOrg(t, "Org")
	admin := env.HRClient(t, org, "ADMIN")
	invite := func(email string) string {
		t.Helper()
		p := admin.PostForm("/hr/users/invite", url.Values{"email": {email}, "name": {"Ольга Новая"}, "role": {"HR"}}).Want(t, http.StatusOK)
		if !strings.Contains(p.Body, "Приглашение отправлено") {
			t.Fatalf("no 'sent' notice:\n%s", p.Body)
		}
		m := smtp.Next(t)
		if m.To != email {
			t.Errorf("mail to %q, want %q", m.To, email)
		}
		link := linkPath.FindString(m.Body)
		if link == "" || !strings.Contains(m.Body, env.URL+link) {
			t.Fatalf("no absolute set-password link in the mail:\n%s", m.Body)
		}
		return link
	}
	t.Run("ErrFields", func(t *testing.T) {
		p := admin.PostForm("/hr/users/invite", url.Values{"email": {"nope"}, "name": {""}, "role": {"BOSS"}}).Want(t, http.StatusUnprocessableEntity)
		for _, id := range []string{"inv-email-err", "inv-name-err", "inv-role-err"} {
			if !strings.Contains(p.Body, `id="`+id+`"`) {
				t.Errorf("no error #%s next to its field", id)
			}
		}
		admin.PostForm("/hr/users/invite", url.Values{"email": {admin.User.Email}, "name": {"X"}, "role": {"HR"}}).Want(t, http.StatusConflict)
	})
	t.Run("ErrExpired", func(t *testing.T) {
		link := invite("late@example.ru")
		env.Clock.Add(72 * time.Hour)
		c := env.NewHRClient(t)
		c.Get(link).Want(t, http.StatusNotFound)
		c.PostForm(link, url.Values{"password": {"a good password"}, "password2": {"a good password"}}).Want(t, http.StatusNotFound)
		admin = env.HRClient(t, org, "ADMIN") // the admin's session idled out meanwhile
	})
	link := invite("olga@example.ru")
	c := env.NewHRClient(t)
	c.PostForm(link, url.Values{"password": {"olga's password"}, "password2": {"olga's password"}}).Want(t, http.StatusOK)
	c.PostForm(link, url.Values{"password": {"another password"}, "password2": {"another password"}}).Want(t, http.StatusNotFound)
	c.PostForm("/hr/signin", url.Values{"email": {"olga@example.ru"}, "password": {"olga's password"}}).Want(t, http.StatusSeeOther)
	c.Get("/hr/profile").Want(t, http.StatusOK)
	t.Run("DisableEndsSessions", func(t *testing.T) {
		users, _ := env.App.DB.HRUsers(context.Background(), org, 10)
		var id string
		for _, u := range users {
			if u.Email == "olga@example.ru" {
				id = u.ID
			}
		}
		admin.PostForm("/hr/users/"+id+"/disable", nil).Want(t, http.StatusSeeOther)
		c.Get("/hr/profile").Want(t, http.StatusSeeOther)
		p := c.PostForm("/hr/signin", url.Values{"email": {"olga@example.ru"}, "password": {"olga's password"}}).Want(t, http.StatusForbidden)
		if !strings.Contains(p.Body, "отключена") {
			t.Errorf("want the disabled message")
		}
	})
	t.Run("KeepAnAdmin", func(t *testing.T) {
		other := env.HRClient(t, org, "ADMIN")
		// Two admins: one may demote the other, but not the last one.
		users, _ := env.App.DB.HRUsers(context.Background(), org, 10)
		for _, u := range users {
			if u.ID == admin.User.ID {
				other.PostForm("/hr/users/"+u.ID+"/role", url.Values{"role": {"HR"}}).Want(t, http.StatusSeeOther)
			}
		}
		p := other.PostForm("/hr/users/"+other.User.ID+"/disable", nil).Want(t, http.StatusConflict)
		if !strings.Contains(p.Body, "cannot change your own") {
			t.Errorf("want the own-account refusal")
		}
	})
}

// TestPasswordChangeRevokesOtherSessions: changing the password ends the
// user's other sessions, not this one.
func TestPasswordChangeRevokesOtherSessions(t *testing.T) {
	env := testkit.Start(t)
	org, _ := env.NewOrg(t, "Org")
	a := env.HRClient(t, org, "VIEWER")
	b := env.NewHRClient(t)
	b.User, b.Password = a.User, a.Password
	b.SignIn()
	a.PostForm("/hr/profile/password", url.Values{"current": {"wrong"}, "password": {"new password 1"}, "password2": {"new password 1"}}).Want(t, http.StatusUnprocessableEntity)
	a.PostForm("/hr/profile/password", url.Values{"current": {a.Password}, "password": {"new password 1"}, "password2": {"new password 1"}}).Want(t, http.StatusOK)
	a.Get("/hr/profile").Want(t, http.StatusOK)
	b.Get("/hr/profile").Want(t, http.StatusSeeOther)
}

// TestAuditNamesThePerson: console changes are in the audit log under the
// HR user's name, settings changes with before and after; API-key changes
// under the key's name.
func TestAuditNamesThePerson(t *testing.T) {
	env := testkit.Start(t)
	org, _ := env.NewOrg(t, "Org")
	admin := env.HRClient(t, org, "ADMIN")
	admin.PostForm("/hr/policy", url.Values{"quickLoginMethods": {"PIN"}, "pinLength": {"6"}, "maxPinAttempts": {"5"},
		"accessTokenTtlSeconds": {"900"}, "refreshTokenTtlSeconds": {"2592000"}}).Want(t, http.StatusOK)
	t.Run("ErrPolicyField", func(t *testing.T) {
		p := admin.PostForm("/hr/policy", url.Values{"pinLength": {"99"}, "maxPinAttempts": {"5"},
			"accessTokenTtlSeconds": {"900"}, "refreshTokenTtlSeconds": {"x"}}).Want(t, http.StatusUnprocessableEntity)
		if !strings.Contains(p.Body, `id="refreshTokenTtlSeconds-err"`) {
			t.Errorf("no error next to refreshTokenTtlSeconds")
		}
		p = admin.PostForm("/hr/policy", url.Values{"pinLength": {"99"}, "maxPinAttempts": {"5"},
			"accessTokenTtlSeconds": {"900"}, "refreshTokenTtlSeconds": {"3600"}}).Want(t, http.StatusUnprocessableEntity)
		if !strings.Contains(p.Body, `id="pinLength-err"`) {
			t.Errorf("no error next to pinLength")
		}
	})
	p := admin.PostForm("/hr/keys", url.Values{"name": {"1С: Зарплата"}}).Want(t, http.StatusOK)
	key := regexp.MustCompile(`id="new-key">(kbn_[a-z0-9]+)<`).FindStringSubmatch(p.Body)
	if key == nil {
		t.Fatalf("the new key is not shown:\n%s", p.Body)
	}
	env.Do(t, key[1], `mutation { updateAuthPolicy(input: {pinLength: 5}) { pinLength } }`, nil).Must(t, nil)
	viewer := env.HRClient(t, org, "VIEWER")
	viewer.PostForm("/hr/keys", url.Values{"name": {"nope"}}).Want(t, http.StatusForbidden)
	var log struct {
		AuditLog []struct{ Actor, ActorName, Operation, Outcome, Detail string }
	}
	env.Do(t, key[1], `{ auditLog { actor actorName operation outcome detail } }`, nil).Must(t, &log)
	want := []struct{ name, op, outcome string }{
		{"Тест VIEWER", "console:/keys", "FORBIDDEN"},
		{"1С: Зарплата", "updateAuthPolicy", "OK"},
		{"Тест ADMIN", "console:/keys", "OK"},
		{"Тест ADMIN", "console:/policy", "BAD_USER_INPUT"},
		{"Тест ADMIN", "console:/policy", "BAD_USER_INPUT"},
		{"Тест ADMIN", "console:/policy", "OK"},
	}
	if len(log.AuditLog) < len(want) {
		t.Fatalf("got %d entries, want at least %d: %+v", len(log.AuditLog), len(want), log.AuditLog)
	}
	for i, w := range want {
		got := log.AuditLog[i]
		if got.ActorName != w.name || got.Operation != w.op || got.Outcome != w.outcome {
			t.Errorf("entry %d: got %s %s %s, want %s %s %s", i, got.ActorName, got.Operation, got.Outcome, w.name, w.op, w.outcome)
		}
	}
	if d := log.AuditLog[5].Detail; !strings.Contains(d, `"before":{"QuickLoginMethods":["PIN","BIOMETRIC"]`) || !strings.Contains(d, `"PINLength":6`) {
		t.Errorf("policy change detail: got %s, want before and after", d)
	}
	if p := viewer.Get("/hr/audit").Want(t, http.StatusOK); !strings.Contains(p.Body, "1С: Зарплата") || !strings.Contains(p.Body, "изменение политики входа") {
		t.Errorf("the audit page does not name the key or the operation")
	}
}
