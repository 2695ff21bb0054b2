package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/internal/testkit"
)

// TestHRUserAdd: the printed link sets the password once, and the new ADMIN
// is then sent to set up a second factor.
func TestHRUserAdd(t *testing.T) {
	live := testkit.Start(t)
	orgID, _ := live.NewOrg(t, "ООО Кадры")
	var out bytes.Buffer
	err := run(context.Background(), []string{"hr-user", "add", "--org", orgID, "--email", "Boss@Example.ru", "--name", "Анна Бос",
		"--role", "ADMIN", "--db", live.DBPath}, env(nil), &out)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(/hr/set-password/\w+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("got %q, want a set-password link", out.String())
	}
	c := live.NewHRClient(t)
	c.Get(m[1]).Want(t, http.StatusOK)
	pw := "Ёлки-палки 2026"
	c.PostForm(m[1], url.Values{"password": {pw}, "password2": {pw}}).Want(t, http.StatusOK)
	c.PostForm(m[1], url.Values{"password": {pw}, "password2": {pw}}).Want(t, http.StatusNotFound) // once
	c.PostForm("/hr/signin", url.Values{"email": {"boss@example.ru"}, "password": {pw}}).Want(t, http.StatusSeeOther)
	if p := c.Get("/hr/keys").Want(t, http.StatusSeeOther); p.Location != "/hr/profile/totp" {
		t.Errorf("an ADMIN without TOTP: got sent to %q, want /hr/profile/totp", p.Location)
	}

	for name, args := range map[string][]string{
		"ErrTaken":     {"--org", orgID, "--email", "boss@example.ru", "--name", "X"},
		"ErrBadEmail":  {"--org", orgID, "--email", "boss", "--name", "X"},
		"ErrNoSuchOrg": {"--org", "org_nope", "--email", "x@example.ru", "--name", "X"},
	} {
		t.Run(name, func(t *testing.T) {
			err := run(context.Background(), append([]string{"hr-user", "add", "--db", live.DBPath}, args...), env(nil), &out)
			if err == nil || !strings.Contains(err.Error(), "hr-user add") && !strings.Contains(err.Error(), "org ") {
				t.Errorf("got %v, want an error", err)
			}
		})
	}
}

// checkDemoConsole signs in to the demo's HR console with what serve --demo
// printed: the email, the password and a recovery code for the TOTP step.
func checkDemoConsole(t *testing.T, addr, out string) {
	t.Helper()
	m := regexp.MustCompile(`email:\s+(\S+)\s+password:\s+(\S+)[\s\S]*?recovery code \(each works once\): (\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no HR console sign-in printed:\n%s", out)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	base := "http://" + addr
	post := func(path string, v url.Values) *http.Response {
		u, _ := url.Parse(base + "/hr/")
		for _, ck := range jar.Cookies(u) {
			if ck.Name == "kabinet_hr_csrf" {
				v.Set("_csrf", ck.Value)
			}
		}
		resp, err := c.PostForm(base+path, v)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp, err := c.Get(base + "/hr/signin"); err == nil {
		resp.Body.Close()
	}
	if resp := post("/hr/signin", url.Values{"email": {m[1]}, "password": {m[2]}}); resp.Header.Get("Location") != "/hr/signin/totp?next=%2Fhr%2F" {
		t.Fatalf("demo admin sign-in: got HTTP %d to %q, want the TOTP step", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp := post("/hr/signin/totp", url.Values{"code": {m[3]}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("demo admin recovery code: got HTTP %d, want 303", resp.StatusCode)
	}
	resp, err := c.Get(base + "/hr/profile")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("demo admin profile: got HTTP %d, want 200", resp.StatusCode)
	}
}
