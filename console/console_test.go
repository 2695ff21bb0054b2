package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/testkit"
)

func TestSecurityHeaders(t *testing.T) {
	env := testkit.Start(t)
	c := env.NewHRClient(t)
	p := c.Get("/hr/signin").Want(t, http.StatusOK)
	for h, want := range map[string]string{
		"Content-Security-Policy": "script-src 'self';",
		"X-Frame-Options":         "DENY",
		"X-Content-Type-Options":  "nosniff",
		"Cache-Control":           "no-store",
		"Referrer-Policy":         "same-origin",
	} {
		if got := p.Header.Get(h); !strings.Contains(got, want) {
			t.Errorf("%s: got %q, want it to contain %q", h, got, want)
		}
	}
	if csp := p.Header.Get("Content-Security-Policy"); strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP allows inline or eval: %q", csp)
	}
	if strings.Contains(p.Body, "<script>") || strings.Contains(p.Body, " on") && strings.Contains(p.Body, "onclick") {
		t.Errorf("page has inline script")
	}
}

func TestSignedOutRedirects(t *testing.T) {
	env := testkit.Start(t)
	p := env.NewHRClient(t).Get("/hr/profile").Want(t, http.StatusSeeOther)
	if want := "/hr/signin?next=%2Fhr%2Fprofile"; p.Location != want {
		t.Errorf("got location %q, want %q", p.Location, want)
	}
}

func TestSignIn(t *testing.T) {
	env := testkit.Start(t)
	org, _ := env.NewOrg(t, "Org")
	for _, role := range []string{"ADMIN", "HR", "VIEWER"} {
		t.Run(role, func(t *testing.T) {
			c := env.HRClient(t, org, role)
			p := c.Get("/hr/profile").Want(t, http.StatusOK)
			if !strings.Contains(p.Body, c.User.Email) {
				t.Errorf("profile does not show the email %s", c.User.Email)
			}
			ck := c.Cookie("kabinet_hr")
			if ck == "" {
				t.Fatal("no session cookie")
			}
			c.PostForm("/hr/signout", nil).Want(t, http.StatusSeeOther)
			c.Get("/hr/profile").Want(t, http.StatusSeeOther)
		})
	}
}

func TestSessionCookieAttributes(t *testing.T) {
	env := testkit.Start(t)
	org, _ := env.NewOrg(t, "Org")
	c := env.HRUser(t, org, "HR", false)
	c.Get("/hr/signin")
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/hr/signin", strings.NewReader(url.Values{
		"email": {c.User.Email}, "password": {c.Password}, "_csrf": {c.CSRFToken()}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	p := c.Do(req).Want(t, http.StatusSeeOther)
	var found bool
	for _, sc := range p.Header.Values("Set-Cookie") {
		if strings.HasPrefix(sc, "kabinet_hr=") {
			found = true
			low := strings.ToLower(sc)
			for _, want := range []string{"httponly", "samesite=strict", "path=/"} {
				if !strings.Contains(low, want) {
					t.Errorf("session cookie %q lacks %s", sc, want)
				}
			}
		}
	}
	if !found {
		t.Fatalf("no session cookie set: %v", p.Header.Values("Set-Cookie"))
	}
}

func TestWrongPassword(t *testing.T) {
	env := testkit.Start(t)
	org, _ := env.NewOrg(t, "Org")
	c := env.HRUser(t, org, "HR", false)
	wrong := c.PostForm("/hr/signin", url.Values{"email": {c.User.Email}, "password": {"not the password"}}).Want(t, http.StatusUnauthorized)
	unknown := c.PostForm("/hr/signin", url.Values{"email": {"nobody@example.test"}, "password": {"not the password"}}).Want(t, http.StatusUnauthorized)
	if !strings.Contains(wrong.Body, "Неверная почта или пароль") || !strings.Contains(unknown.Body, "Неверная почта или пароль") {
		t.Errorf("want the same message for a wrong password and an unknown email")
	}
}

func TestCSRF(t *testing.T) {
	env := testkit.Start(t)
	org, _ := env.NewOrg(t, "Org")
	c := env.HRClient(t, org, "HR")
	t.Run("ErrMissing", func(t *testing.T) {
		p := c.PostRaw("/hr/signout", url.Values{}).Want(t, http.StatusForbidden)
		if !strings.Contains(p.Body, "Форма устарела") {
			t.Errorf("want the CSRF page, got %s", p.Body)
		}
		c.Get("/hr/profile").Want(t, http.StatusOK) // still signed in: nothing changed
	})
	t.Run("ErrForged", func(t *testing.T) {
		c.PostRaw("/hr/signout", url.Values{"_csrf": {"abc.123.def"}}).Want(t, http.StatusForbidden)
		c.Get("/hr/profile").Want(t, http.StatusOK)
	})
	t.Run("ErrOtherToken", func(t *testing.T) {
		// A valid token of another browser does not match this one's cookie.
		other := env.NewHRClient(t)
		other.Get("/hr/signin")
		c.PostRaw("/hr/signout", url.Values{"_csrf": {other.CSRFToken()}}).Want(t, http.StatusForbidden)
		c.Get("/hr/profile").Want(t, http.StatusOK)
	})
	t.Run("OKHeader", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, env.URL+"/hr/signout", nil)
		req.Header.Set("X-Csrf-Token", c.CSRFToken())
		c.Do(req).Want(t, http.StatusSeeOther)
		c.Get("/hr/profile").Want(t, http.StatusSeeOther)
	})
}

func TestSessionExpiry(t *testing.T) {
	env := testkit.Start(t)
	org, _ := env.NewOrg(t, "Org")
	t.Run("ErrIdle", func(t *testing.T) {
		c := env.HRClient(t, org, "HR")
		env.Clock.Add(29 * time.Minute)
		c.Get("/hr/profile").Want(t, http.StatusOK)
		env.Clock.Add(29 * time.Minute) // active within 30 min each time
		c.Get("/hr/profile").Want(t, http.StatusOK)
		env.Clock.Add(30 * time.Minute)
		c.Get("/hr/profile").Want(t, http.StatusSeeOther)
	})
	t.Run("ErrAbsolute", func(t *testing.T) {
		c := env.HRClient(t, org, "VIEWER")
		for range 24 {
			env.Clock.Add(29 * time.Minute)
			c.Get("/hr/profile").Want(t, http.StatusOK)
		} // 11 h 36 min
		env.Clock.Add(25 * time.Minute)
		c.Get("/hr/profile").Want(t, http.StatusSeeOther)
	})
}

func TestLanguage(t *testing.T) {
	env := testkit.Start(t)
	c := env.NewHRClient(t)
	if p := c.Get("/hr/signin"); !strings.Contains(p.Body, `lang="ru"`) || !strings.Contains(p.Body, "Вход") {
		t.Errorf("default: want Russian")
	}
	if p := c.Get("/hr/signin?lang=en"); !strings.Contains(p.Body, `lang="en"`) || !strings.Contains(p.Body, "Sign in") {
		t.Errorf("?lang=en: want English")
	}
	if p := c.Get("/hr/signin"); !strings.Contains(p.Body, `lang="en"`) {
		t.Errorf("the cookie should keep English")
	}
}

func TestNotFound(t *testing.T) {
	env := testkit.Start(t)
	env.NewHRClient(t).Get("/hr/no-such-page").Want(t, http.StatusNotFound)
}
