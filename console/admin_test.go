package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/hr"
	"github.com/kabinet/kabinet/internal/testkit"
)

// fixture is an organisation with an admin, a user to act on and an API key.
type fixture struct {
	env    *testkit.Env
	org    string
	admin  *testkit.HRClient
	target *hr.User // an active HR user of the organisation
	keyID  string
}

func newFixture(t *testing.T, env *testkit.Env) *fixture {
	t.Helper()
	org, _ := env.NewOrg(t, "Org "+kabinet.RandomToken(3))
	f := &fixture{env: env, org: org, admin: env.HRClient(t, org, "ADMIN")}
	f.target = env.HRUser(t, org, "VIEWER", false).User
	k, _, err := env.App.Tenancy.CreateAPIKey(context.Background(), org, "1C", "test")
	if err != nil {
		t.Fatal(err)
	}
	f.keyID = k.ID
	return f
}

// action is one console request and the permission it needs.
type action struct {
	name   string
	perm   hr.Permission
	method string
	path   func(f *fixture) string
	form   func(f *fixture) url.Values
}

func none(*fixture) url.Values             { return nil }
func fixed(p string) func(*fixture) string { return func(*fixture) string { return p } }

// actions are the account and administration pages of the console.
var actions = []action{
	{"ViewProfile", hr.PermSelf, http.MethodGet, fixed("/hr/profile"), none},
	{"ViewTOTP", hr.PermSelf, http.MethodGet, fixed("/hr/profile/totp"), none},
	{"ViewUsers", hr.PermView, http.MethodGet, fixed("/hr/users"), none},
	{"ViewKeys", hr.PermView, http.MethodGet, fixed("/hr/keys"), none},
	{"ViewPolicy", hr.PermView, http.MethodGet, fixed("/hr/policy"), none},
	{"ViewAudit", hr.PermView, http.MethodGet, fixed("/hr/audit"), none},
	{"Invite", hr.PermAdmin, http.MethodPost, fixed("/hr/users/invite"), func(*fixture) url.Values {
		return url.Values{"email": {"new-" + kabinet.RandomToken(4) + "@example.test"}, "name": {"Новая Сотрудница"}, "role": {"HR"}}
	}},
	{"ChangeRole", hr.PermAdmin, http.MethodPost, func(f *fixture) string { return "/hr/users/" + f.target.ID + "/role" },
		func(*fixture) url.Values { return url.Values{"role": {"HR"}} }},
	{"Disable", hr.PermAdmin, http.MethodPost, func(f *fixture) string { return "/hr/users/" + f.target.ID + "/disable" }, none},
	{"Enable", hr.PermAdmin, http.MethodPost, func(f *fixture) string { return "/hr/users/" + f.target.ID + "/enable" }, none},
	{"CreateKey", hr.PermAdmin, http.MethodPost, fixed("/hr/keys"), func(*fixture) url.Values { return url.Values{"name": {"Скрипт"}} }},
	{"RotateKey", hr.PermAdmin, http.MethodPost, func(f *fixture) string { return "/hr/keys/" + f.keyID + "/rotate" }, none},
	{"RevokeKey", hr.PermAdmin, http.MethodPost, func(f *fixture) string { return "/hr/keys/" + f.keyID + "/revoke" }, none},
	{"Policy", hr.PermAdmin, http.MethodPost, fixed("/hr/policy"), func(*fixture) url.Values {
		return url.Values{"quickLoginMethods": {"PIN"}, "pinLength": {"6"}, "maxPinAttempts": {"5"},
			"accessTokenTtlSeconds": {"900"}, "refreshTokenTtlSeconds": {"2592000"}}
	}},
}

func (a action) do(c *testkit.HRClient, f *fixture) *testkit.HRPage {
	if a.method == http.MethodGet {
		return c.Get(a.path(f))
	}
	return c.PostForm(a.path(f), a.form(f))
}

// TestRoles: every role × every action, allowed or refused as hr.Allowed
// says; a refused POST changes nothing (the audit log shows it refused).
func TestRoles(t *testing.T) {
	env := testkit.Start(t)
	for _, role := range []string{"ADMIN", "HR", "VIEWER"} {
		for _, a := range actions {
			allowed := hr.Allowed(hr.Role(role), a.perm)
			name := role + "/" + a.name
			if !allowed {
				name = role + "/Err" + a.name
			}
			t.Run(name, func(t *testing.T) {
				f := newFixture(t, env)
				c := f.admin
				if role != "ADMIN" {
					c = env.HRClient(t, f.org, role)
				}
				p := a.do(c, f)
				if !allowed {
					p.Want(t, http.StatusForbidden)
					assertUnchanged(t, f)
					return
				}
				if p.Status != http.StatusOK && p.Status != http.StatusSeeOther {
					t.Fatalf("got HTTP %d, want 200 or 303: %s", p.Status, p.Body)
				}
				if p.Status == http.StatusSeeOther && strings.HasPrefix(p.Location, "/hr/signin") {
					t.Fatalf("sent to sign in: %s", p.Location)
				}
			})
		}
	}
}

// assertUnchanged: the fixture's user, key and policy are as made.
func assertUnchanged(t *testing.T, f *fixture) {
	t.Helper()
	ctx := context.Background()
	u, err := f.env.App.DB.HRUser(ctx, f.org, f.target.ID)
	if err != nil {
		t.Fatal(err)
	}
	if u.Role != hr.RoleViewer || u.Status != hr.StatusActive {
		t.Errorf("target user: got %s %s, want VIEWER ACTIVE", u.Role, u.Status)
	}
	keys, err := f.env.App.Tenancy.APIKeys(ctx, f.org)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 {
		t.Errorf("got %d keys, want 2 (the first and the fixture's)", len(keys))
	}
	for _, k := range keys {
		if k.RevokedAt != nil {
			t.Errorf("key %s revoked", k.Name)
		}
	}
	p, err := f.env.App.Auth.Policy(ctx, f.org)
	if err != nil {
		t.Fatal(err)
	}
	if p.PINLength != 4 {
		t.Errorf("policy pinLength: got %d, want 4", p.PINLength)
	}
	users, err := f.env.App.DB.HRUsers(ctx, f.org, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) > 3 {
		t.Errorf("got %d HR users, want at most 3 (nobody invited)", len(users))
	}
}

// TestOtherOrganisation: an admin of organisation A naming a user or key of
// B gets NOT_FOUND, and nothing of B changes.
func TestOtherOrganisation(t *testing.T) {
	env := testkit.Start(t)
	a, b := newFixture(t, env), newFixture(t, env)
	for _, path := range []string{
		"/hr/users/" + b.target.ID + "/role", "/hr/users/" + b.target.ID + "/disable",
		"/hr/keys/" + b.keyID + "/rotate", "/hr/keys/" + b.keyID + "/revoke",
	} {
		t.Run(path, func(t *testing.T) {
			a.admin.PostForm(path, url.Values{"role": {"ADMIN"}}).Want(t, http.StatusNotFound)
			assertUnchanged(t, b)
		})
	}
}
