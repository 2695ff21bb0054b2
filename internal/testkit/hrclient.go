package testkit

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/hr"
)

// HRPassword is the password of every HR user HRClient makes.
const HRPassword = "correct horse battery staple"

// HRClient is a browser-like client of the HR console signed in as an HR
// user: it keeps cookies, does not follow redirects (tests read them), and
// sends the CSRF token with every form it posts.
type HRClient struct {
	tb   testing.TB
	env  *Env
	HTTP *http.Client
	// User is the signed-in HR user; Password their password.
	User     *hr.User
	Password string
	// TOTPSecret is the user's TOTP secret ("" when they have none).
	TOTPSecret string
}

// HRPage is a console answer.
type HRPage struct {
	Status   int
	Body     string
	Header   http.Header
	Location string // of a redirect
}

// HRClient returns a client signed in (through the sign-in pages, with the
// TOTP step for an ADMIN, who must have a second factor) as a fresh HR user
// of the organisation with the role (ADMIN, HR, VIEWER).
func (e *Env) HRClient(tb testing.TB, orgID, role string) *HRClient {
	tb.Helper()
	c := e.HRUser(tb, orgID, role, role == string(hr.RoleAdmin))
	c.SignIn()
	return c
}

// HRUser makes a fresh HR user of the organisation with a password (and a
// second factor when withTOTP) and returns a client that has not signed in
// (SignIn does).
func (e *Env) HRUser(tb testing.TB, orgID, role string, withTOTP bool) *HRClient {
	tb.Helper()
	ctx := context.Background()
	email := strings.ToLower(role) + "-" + kabinet.RandomToken(5) + "@example.test"
	u, link, err := e.App.HR.AddUser(ctx, orgID, hr.NewUserInput{Email: email, FullName: "Тест " + role, Role: role})
	if err != nil {
		tb.Fatalf("add HR user: %v", err)
	}
	if u, err = e.App.HR.SetPasswordWithLink(ctx, link, HRPassword); err != nil {
		tb.Fatalf("set HR password: %v", err)
	}
	c := e.NewHRClient(tb)
	c.User, c.Password = u, HRPassword
	if withTOTP {
		setup, err := e.App.HR.StartTOTP(ctx, u)
		if err != nil {
			tb.Fatalf("start TOTP: %v", err)
		}
		c.TOTPSecret = setup.Key.Secret()
		if _, err := e.App.HR.ConfirmTOTP(ctx, u, "", c.TOTPCode(0)); err != nil {
			tb.Fatalf("confirm TOTP: %v", err)
		}
	}
	return c
}

// NewHRClient returns a client with no user (public pages, refusals).
func (e *Env) NewHRClient(tb testing.TB) *HRClient {
	jar, _ := cookiejar.New(nil)
	return &HRClient{tb: tb, env: e, HTTP: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// TOTPCode is the user's TOTP code for the test clock's time plus steps
// 30-second steps (a code is accepted once: the next sign-in needs a later
// step, or the clock moved on).
func (c *HRClient) TOTPCode(steps int) string {
	c.tb.Helper()
	code, err := totp.GenerateCode(c.TOTPSecret, c.env.Clock.Now().Add(time.Duration(steps)*30*time.Second))
	if err != nil {
		c.tb.Fatalf("TOTP code: %v", err)
	}
	return code
}

// SignIn signs in through the pages (GET and POST /hr/signin, then the TOTP
// step with the next step's code when the user has a second factor) and
// fails the test unless it ends on a console page.
func (c *HRClient) SignIn() {
	c.tb.Helper()
	c.Get("/hr/signin")
	p := c.PostForm("/hr/signin", url.Values{"email": {c.User.Email}, "password": {c.Password}})
	if p.Status != http.StatusSeeOther {
		c.tb.Fatalf("sign in as %s: got HTTP %d, want 303: %s", c.User.Role, p.Status, p.Body)
	}
	if strings.HasPrefix(p.Location, "/hr/signin/totp") {
		p = c.PostForm("/hr/signin/totp", url.Values{"code": {c.TOTPCode(1)}})
		if p.Status != http.StatusSeeOther {
			c.tb.Fatalf("TOTP step as %s: got HTTP %d, want 303: %s", c.User.Role, p.Status, p.Body)
		}
	}
}

// Get fetches a console path.
func (c *HRClient) Get(path string) *HRPage {
	c.tb.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.env.URL+path, nil)
	return c.Do(req)
}

// PostForm posts a form with the CSRF token of the client's cookie (the
// token the console's pages put into their forms), fetching the sign-in
// page first if the client has none yet.
func (c *HRClient) PostForm(path string, v url.Values) *HRPage {
	c.tb.Helper()
	if c.CSRFToken() == "" {
		c.Get("/hr/signin")
	}
	form := url.Values{}
	for k, vs := range v {
		form[k] = vs
	}
	form.Set("_csrf", c.CSRFToken())
	return c.PostRaw(path, form)
}

// PostRaw posts a form as it is: no CSRF token is added.
func (c *HRClient) PostRaw(path string, form url.Values) *HRPage {
	c.tb.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.env.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.Do(req)
}

// Do sends a request with the client's cookies.
func (c *HRClient) Do(req *http.Request) *HRPage {
	c.tb.Helper()
	resp, err := c.HTTP.Do(req)
	if err != nil {
		c.tb.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return &HRPage{Status: resp.StatusCode, Body: string(b), Header: resp.Header, Location: resp.Header.Get("Location")}
}

// Cookie is the value of the client's cookie of that name ("" if none).
func (c *HRClient) Cookie(name string) string {
	u, _ := url.Parse(c.env.URL + "/hr/")
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// CSRFToken is the client's CSRF token (the double-submit cookie's value).
func (c *HRClient) CSRFToken() string { return c.Cookie("kabinet_hr_csrf") }

// Want fails the test unless the page has the status.
func (p *HRPage) Want(tb testing.TB, status int) *HRPage {
	tb.Helper()
	if p.Status != status {
		body := p.Body
		if len(body) > 2000 {
			body = body[:2000] + "…"
		}
		tb.Fatalf("got HTTP %d, want %d (location %q): %s", p.Status, status, p.Location, body)
	}
	return p
}
