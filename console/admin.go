package console

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/auth"
	"github.com/kabinet/kabinet/hr"
	"github.com/kabinet/kabinet/tenancy"
)

// adminRoutes: HR users, API keys and the login policy. Every role reads
// them; only an ADMIN changes them.
func (c *Console) adminRoutes() {
	c.get("/users", hr.PermView, c.usersPage)
	c.post("/users/invite", hr.PermAdmin, c.inviteUser)
	c.post("/users/:id/role", hr.PermAdmin, c.changeRole)
	c.post("/users/:id/disable", hr.PermAdmin, c.setDisabled(true))
	c.post("/users/:id/enable", hr.PermAdmin, c.setDisabled(false))
	c.post("/users/:id/reinvite", hr.PermAdmin, c.reinviteUser)
	c.get("/keys", hr.PermView, c.keysPage)
	c.post("/keys", hr.PermAdmin, c.createKey)
	c.post("/keys/:id/rotate", hr.PermAdmin, c.rotateKey)
	c.post("/keys/:id/revoke", hr.PermAdmin, c.revokeKey)
	c.get("/policy", hr.PermView, c.policyPage)
	c.post("/policy", hr.PermAdmin, c.updatePolicy)
	c.nav("/users", "nav.users", hr.PermView)
	c.nav("/keys", "nav.keys", hr.PermView)
	c.nav("/policy", "nav.policy", hr.PermView)
}

// baseURL is where emailed links point: KABINET_PUBLIC_URL, else the
// origin the admin reached the console at.
func (r *Request) baseURL() string {
	if u := r.console.cfg.PublicURL; u != "" {
		return u
	}
	return r.C.BaseURL()
}

// usersData is the HR users page's data.
type usersData struct {
	Users   []*hr.User
	Roles   []hr.Role
	Invited *hr.Invitation
	Notice  string
}

func (c *Console) renderUsers(r *Request, status int, d *usersData) error {
	users, err := c.cfg.HR.Users(r.Context())
	if err != nil {
		return err
	}
	d.Users, d.Roles = users, hr.Roles
	return r.RenderStatus(status, "users", d)
}

func (c *Console) usersPage(r *Request) error {
	return c.renderUsers(r, fiber.StatusOK, &usersData{})
}

// inputError puts a service's BAD_USER_INPUT or CONFLICT on the form field
// it concerns and reports whether it did; other errors are the caller's.
func (r *Request) inputError(f *Form, field string, err error) bool {
	switch kabinet.ErrorCode(err) {
	case kabinet.EBADINPUT, kabinet.ECONFLICT:
		f.Fail(field, kabinet.ErrorMessage(err))
		return true
	}
	return false
}

func (c *Console) inviteUser(r *Request) error {
	f := r.NewForm()
	in := hr.NewUserInput{Email: f.Get("email"), FullName: f.Get("name"), Role: f.Get("role")}
	if _, err := hr.CheckEmail(in.Email); err != nil {
		f.Fail("email", r.T("users.bad_email"))
	}
	if _, err := hr.CheckName(in.FullName); err != nil {
		f.Fail("name", r.T("users.bad_name"))
	}
	if _, err := hr.ParseRole(in.Role); err != nil {
		f.Fail("role", r.T("users.bad_role"))
	}
	if !f.OK() {
		return c.renderUsers(r, fiber.StatusUnprocessableEntity, &usersData{})
	}
	r.Audit([]string{in.Email}, nil, map[string]string{"role": in.Role})
	inv, err := c.cfg.HR.Invite(r.Context(), in, r.baseURL())
	if kabinet.ErrorCode(err) == kabinet.ECONFLICT {
		f.Fail("email", r.T("users.taken"))
		return c.renderUsers(r, fiber.StatusConflict, &usersData{})
	}
	if err != nil {
		return err
	}
	r.Form = nil
	return c.renderUsers(r, fiber.StatusOK, &usersData{Invited: inv})
}

func (c *Console) reinviteUser(r *Request) error {
	inv, err := c.cfg.HR.Reinvite(r.Context(), r.C.Params("id"), r.baseURL())
	if err != nil {
		return err
	}
	r.Audit([]string{inv.User.Email}, nil, nil)
	return c.renderUsers(r, fiber.StatusOK, &usersData{Invited: inv})
}

func (c *Console) changeRole(r *Request) error {
	f := r.NewForm()
	role := f.Get("role")
	return c.updateUser(r, hr.ChangeUser{Role: &role})
}

func (c *Console) setDisabled(disabled bool) Handler {
	return func(r *Request) error { return c.updateUser(r, hr.ChangeUser{Disabled: &disabled}) }
}

func (c *Console) updateUser(r *Request, ch hr.ChangeUser) error {
	before, after, err := c.cfg.HR.UpdateUser(r.Context(), r.C.Params("id"), ch)
	if kabinet.ErrorCode(err) == kabinet.ECONFLICT || kabinet.ErrorCode(err) == kabinet.EBADINPUT {
		return c.renderUsers(r, fiber.StatusConflict, &usersData{Notice: kabinet.ErrorMessage(err)})
	}
	if err != nil {
		return err
	}
	r.Audit([]string{after.Email}, map[string]string{"role": string(before.Role), "status": before.Status},
		map[string]string{"role": string(after.Role), "status": after.Status})
	return r.Redirect(Prefix + "/users")
}

// keysData is the API keys page's data.
type keysData struct {
	Keys   []*tenancy.APIKey
	New    *tenancy.APIKey
	Secret string
}

func (c *Console) renderKeys(r *Request, status int, d *keysData) error {
	keys, err := c.cfg.Tenancy.APIKeys(r.Context(), r.Actor().OrgID)
	if err != nil {
		return err
	}
	d.Keys = keys
	return r.RenderStatus(status, "keys", d)
}

func (c *Console) keysPage(r *Request) error { return c.renderKeys(r, fiber.StatusOK, &keysData{}) }

func (c *Console) createKey(r *Request) error {
	f := r.NewForm()
	name, err := tenancy.CheckKeyName(f.Get("name"))
	if err != nil {
		f.Fail("name", r.T("keys.bad_name"))
		return c.renderKeys(r, fiber.StatusUnprocessableEntity, &keysData{})
	}
	r.Audit([]string{name}, nil, nil)
	k, secret, err := c.cfg.Tenancy.CreateAPIKey(r.Context(), r.Actor().OrgID, name, r.User.FullName)
	if r.inputError(f, "name", err) {
		return c.renderKeys(r, fiber.StatusConflict, &keysData{})
	}
	if err != nil {
		return err
	}
	r.Form = nil
	return c.renderKeys(r, fiber.StatusOK, &keysData{New: k, Secret: secret})
}

func (c *Console) rotateKey(r *Request) error {
	r.Audit([]string{r.C.Params("id")}, nil, nil)
	k, secret, err := c.cfg.Tenancy.RotateAPIKey(r.Context(), r.Actor().OrgID, r.C.Params("id"), r.User.FullName)
	if err != nil {
		return err
	}
	return c.renderKeys(r, fiber.StatusOK, &keysData{New: k, Secret: secret})
}

func (c *Console) revokeKey(r *Request) error {
	r.Audit([]string{r.C.Params("id")}, nil, nil)
	if err := c.cfg.Tenancy.RevokeAPIKey(r.Context(), r.Actor().OrgID, r.C.Params("id")); err != nil {
		return err
	}
	return r.Redirect(Prefix + "/keys")
}

func (c *Console) policyPage(r *Request) error {
	p, err := c.cfg.Auth.Policy(r.Context(), r.Actor().OrgID)
	if err != nil {
		return err
	}
	return r.Render("policy", policyData(p, false))
}

// policyData is the login policy page's data.
func policyData(p *kabinet.AuthPolicy, saved bool) map[string]any {
	return map[string]any{"Policy": p, "Bounds": auth.PolicyBounds, "Fields": policyFields, "Saved": saved,
		"Values": map[string]int{"pinLength": p.PINLength, "maxPinAttempts": p.MaxPINAttempts,
			"accessTokenTtlSeconds": p.AccessTokenTTLSeconds, "refreshTokenTtlSeconds": p.RefreshTokenTTLSeconds}}
}

// policyFields are the login policy's numeric fields on the form.
var policyFields = []string{"pinLength", "maxPinAttempts", "accessTokenTtlSeconds", "refreshTokenTtlSeconds"}

func (c *Console) updatePolicy(r *Request) error {
	f := r.NewForm()
	cur, err := c.cfg.Auth.Policy(r.Context(), r.Actor().OrgID)
	if err != nil {
		return err
	}
	in := auth.PolicyInput{QuickLoginMethods: []string{}}
	in.QuickLoginMethods = append(in.QuickLoginMethods, f.Values["quickLoginMethods"]...)
	ask := f.Get("askLoginOnActivation") == "on"
	in.AskLoginOnActivation = &ask
	nums := map[string]**int{"pinLength": &in.PINLength, "maxPinAttempts": &in.MaxPINAttempts,
		"accessTokenTtlSeconds": &in.AccessTokenTTLSeconds, "refreshTokenTtlSeconds": &in.RefreshTokenTTLSeconds}
	for _, name := range policyFields {
		n, ok := formInt(f.Get(name))
		if !ok {
			f.Fail(name, r.T("policy.number"))
			continue
		}
		*nums[name] = &n
	}
	if !f.OK() {
		return r.RenderStatus(fiber.StatusUnprocessableEntity, "policy", policyData(cur, false))
	}
	r.Audit(nil, cur, in)
	p, err := c.cfg.Auth.UpdatePolicy(r.Context(), r.Actor().OrgID, in)
	if r.inputError(f, fieldOf(err), err) {
		return r.RenderStatus(fiber.StatusUnprocessableEntity, "policy", policyData(cur, false))
	}
	if err != nil {
		return err
	}
	return r.Render("policy", policyData(p, true))
}

// fieldOf is the field a BAD_USER_INPUT error names (its first item's),
// "" for the form as a whole.
func fieldOf(err error) string {
	var e *kabinet.Error
	if errors.As(err, &e) && len(e.Items) > 0 {
		return e.Items[0].Field
	}
	return ""
}

// formInt reads a whole number from a form field.
func formInt(s string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	return n, err == nil
}
