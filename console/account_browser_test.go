package console_test

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kabinet/kabinet/internal/testkit"
)

// signInInBrowser signs in through the pages as a person would: email and
// password, then the TOTP code when the user has a second factor.
func signInInBrowser(t *testing.T, tb *tab, env *testkit.Env, c *testkit.HRClient) {
	t.Helper()
	tb.do(t, "sign in",
		chromedp.Navigate(env.URL+"/hr/signin"),
		chromedp.WaitVisible(chromedp.CSS(`#email`)),
		chromedp.SendKeys(chromedp.CSS(`#email`), c.User.Email),
		chromedp.SendKeys(chromedp.CSS(`#password`), c.Password),
		chromedp.Click(chromedp.CSS(`button[type=submit].primary`)),
	)
	if c.TOTPSecret != "" {
		tb.do(t, "TOTP step",
			chromedp.WaitVisible(chromedp.CSS(`#code`)),
			chromedp.SendKeys(chromedp.CSS(`#code`), c.TOTPCode(1)), // the next step: the set-up spent this one
			chromedp.Click(chromedp.CSS(`button[type=submit].primary`)),
		)
	}
	tb.do(t, "signed in", chromedp.WaitVisible(chromedp.CSS(`a.me`)))
}

// TestConsoleInBrowser: in headless Chromium, under the console's CSP, an
// admin signs in with TOTP and invites a user; a VIEWER sees no button
// they may not press (and a POST they forge anyway is refused); a form
// with a forged CSRF token is refused with the 403 page and changes
// nothing. Any script error or CSP violation fails it.
func TestConsoleInBrowser(t *testing.T) {
	env := testkit.Start(t)
	org, _ := env.NewOrg(t, "ООО «Браузер»")
	admin := env.HRUser(t, org, "ADMIN", true)

	t.Run("AdminWithTOTP", func(t *testing.T) {
		tb := newTab(t)
		signInInBrowser(t, tb, env, admin)
		if !eval[bool](t, tb, `typeof htmx === 'object'`) {
			t.Errorf("htmx did not load under the CSP")
		}
		tb.do(t, "invite",
			chromedp.Navigate(env.URL+"/hr/users"),
			chromedp.WaitVisible(chromedp.CSS(`#inv-email`)),
			chromedp.SendKeys(chromedp.CSS(`#inv-email`), "browser@example.ru"),
			chromedp.SendKeys(chromedp.CSS(`#inv-name`), "Борис Браузеров"),
			chromedp.Click(chromedp.CSS(`form[action="/hr/users/invite"] button`)),
			waitText("browser@example.ru"),
			chromedp.WaitVisible(chromedp.CSS(`#invite-link`)), // no mail server: the link is shown to hand over
		)
		tb.noProblems(t)
	})

	t.Run("ViewerCannotPress", func(t *testing.T) {
		viewer := env.HRUser(t, org, "VIEWER", false)
		tb := newTab(t)
		signInInBrowser(t, tb, env, viewer)
		for _, page := range []string{"/hr/users", "/hr/keys", "/hr/policy", "/hr/audit"} {
			tb.do(t, page, chromedp.Navigate(env.URL+page), chromedp.WaitVisible(chromedp.CSS(`main h1`)))
			// The only forms a VIEWER sees are sign-out's, and the policy's, disabled.
			n := eval[int](t, tb, `[...document.querySelectorAll('form')].filter(f => f.getAttribute('action') !== '/hr/signout' && !f.querySelector('fieldset[disabled]')).length`)
			buttons := eval[int](t, tb, `[...document.querySelectorAll('main button')].filter(b => !b.closest('fieldset[disabled]')).length`)
			if n != 0 || buttons != 0 {
				t.Errorf("%s: a VIEWER sees %d forms and %d buttons to press, want none", page, n, buttons)
			}
		}
		// A forged POST with the page's own token: refused by role.
		status := eval[int](t, tb, `(async () => {
			const token = JSON.parse(document.body.getAttribute('hx-headers'))['X-Csrf-Token'];
			const r = await fetch('/hr/keys', {method: 'POST', headers: {'X-Csrf-Token': token, 'Content-Type': 'application/x-www-form-urlencoded'}, body: 'name=forged'});
			return r.status;
		})()`)
		if status != 403 {
			t.Errorf("a VIEWER's forged POST /hr/keys: got HTTP %d, want 403", status)
		}
		tb.noProblems(t)
	})

	t.Run("ErrCSRF", func(t *testing.T) {
		tb := newTab(t)
		admin2 := env.HRUser(t, org, "ADMIN", true)
		signInInBrowser(t, tb, env, admin2)
		tb.do(t, "forged token",
			chromedp.Navigate(env.URL+"/hr/keys"),
			chromedp.WaitVisible(chromedp.CSS(`#key-name`)),
			chromedp.SendKeys(chromedp.CSS(`#key-name`), "CSRF"),
			chromedp.Evaluate[chromedp.Void](`document.querySelector('form[action="/hr/keys"] input[name=_csrf]').value = 'forged.1.token'`),
			chromedp.Click(chromedp.CSS(`form[action="/hr/keys"] button`)),
			waitText("Форма устарела"),
		)
		keys, err := env.App.Tenancy.APIKeys(context.Background(), org)
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) != 1 {
			t.Errorf("got %d API keys, want 1: the forged form made one", len(keys))
		}
	})
}
