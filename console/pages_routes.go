package console

import (
	"strings"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/hr"
)

// pageRoutes registers the HR work pages: dashboard, employees and
// cabinets (with the bulk actions), an employee's page, notification
// settings (with the arrival and text previews), the one-off reminder and
// the delivery log. Reading needs hr.PermView; every action hr.PermManage.
// Each handler only translates: it calls the services the GraphQL
// resolvers call (activation, push, payroll, auth) with the request's
// organisation.
func (c *Console) pageRoutes() {
	c.get("/", hr.PermView, c.dashboard)
	c.get("/employees", hr.PermView, c.employees)
	c.post("/employees/action", hr.PermManage, c.employeesAction)
	c.get("/employees/:id", hr.PermView, c.employee)
	c.get("/settings", hr.PermView, c.settings)
	c.get("/settings/preview", hr.PermView, c.settingsPreview)
	c.post("/settings", hr.PermManage, c.saveSettings)
	c.get("/reminders", hr.PermView, c.reminders)
	c.post("/reminders", hr.PermManage, c.sendReminder)
	c.get("/deliveries", hr.PermView, c.deliveries)

	c.nav("/", "pages.nav.dashboard", hr.PermView)
	c.nav("/employees", "pages.nav.employees", hr.PermView)
	c.nav("/settings", "pages.nav.settings", hr.PermView)
	c.nav("/reminders", "pages.nav.reminders", hr.PermView)
	c.nav("/deliveries", "pages.nav.deliveries", hr.PermView)
}

// orgID is the signed-in HR user's organisation.
func (r *Request) orgID() string { return r.Actor().OrgID }

// zone is the organisation's reminder zone: the console shows times in it.
func (c *Console) zone(r *Request) *time.Location {
	st, err := c.cfg.Push.Settings(r.Context(), r.orgID())
	if err != nil {
		return time.UTC
	}
	loc, err := time.LoadLocation(st.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// when formats an instant for people, in loc: "02.11.2026 09:00" in
// Russian, "2026-11-02 09:00" in English; "" for nil.
func (r *Request) when(t *time.Time, loc *time.Location) string {
	if t == nil || t.IsZero() {
		return ""
	}
	if r.Lang == "ru" {
		return t.In(loc).Format("02.01.2006 15:04")
	}
	return t.In(loc).Format("2006-01-02 15:04")
}

// day formats a date ("2026-11-02") for people.
func (r *Request) day(date string) string {
	d, err := time.Parse(kabinet.DateLayout, date)
	if err != nil || r.Lang != "ru" {
		return date
	}
	return d.Format("02.01")
}

// label is the text of prefix+code, or code itself where the catalog has
// none (a kind or status added to the services after these pages).
func (r *Request) label(prefix, code string) string {
	key := prefix + code
	if s := r.T(key); s != key {
		return s
	}
	return code
}

// option is one choice of a select: its value and its text.
type option struct{ Value, Label string }

// options are the choices of codes, labelled from the catalog.
func (r *Request) options(prefix string, codes []string) []option {
	out := make([]option, len(codes))
	for i, c := range codes {
		out[i] = option{Value: c, Label: r.label(prefix, c)}
	}
	return out
}

// errorText is what a form shows for a service's refusal: the localized
// text of the code, and the service's reason.
func (r *Request) errorText(err error) string {
	return r.T("pages.err."+strings.ToLower(kabinet.ErrorCode(err))) + ": " + kabinet.ErrorMessage(err)
}

// fieldErrors puts the items of a refused BAD_USER_INPUT on the form's
// fields (fields maps the service's field names to the form's), the rest
// on the form as a whole. It returns false for any other error.
func (r *Request) fieldErrors(f *Form, err error, fields map[string]string) bool {
	e, ok := err.(*kabinet.Error)
	if !ok || e.Code != kabinet.EBADINPUT {
		return false
	}
	if len(e.Items) == 0 {
		f.Fail("", e.Message)
	}
	for _, it := range e.Items {
		name, ok := fields[it.Field]
		if !ok {
			name = ""
		}
		if prev := f.Err(name); prev != "" {
			f.Fail(name, prev+"; "+it.Reason)
			continue
		}
		f.Fail(name, it.Reason)
	}
	return true
}
