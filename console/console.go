// Package console is the HR console: server-rendered pages under /hr/ for
// the organisation's HR users, served by the same binary (app/app.go mounts
// it on the Fiber app that package server builds). Templates, i18n
// catalogs and static files (a CSS file and htmx, vendored) are embedded;
// no Node.js is needed to build, test or run it.
//
// # What every request gets
//
//   - Security headers: a Content-Security-Policy without inline scripts
//     (no inline JS at all: static .js files only), X-Frame-Options: DENY,
//     Referrer-Policy, nosniff, Cache-Control: no-store on pages.
//   - A session from the cookie (hr.Service.Authenticate: server-side
//     record, idle 30 min, absolute 12 h, revocable); the cookie is
//     HttpOnly, SameSite=Strict and Secure except on plain http to
//     localhost. The request then runs with the user's kabinet.Actor
//     (RoleOrganization, the session's organisation, the HR user's id, name
//     and role): call the same services as the GraphQL resolvers with
//     r.Context(), never a second copy of their rules.
//   - CSRF protection on every POST (csrf.go): a forged or missing token
//     gets the 403 page, is logged, and the handler does not run.
//   - Language: Russian by default, English by ?lang=en (kept in a cookie).
//
// # Adding a page
//
// Register it in a routes function called from (*Console).routes — the HR
// work pages have theirs in pages_routes.go — naming the permission it
// needs:
//
//	c.get("/employees", hr.PermView, c.employees)          // GET /hr/employees
//	c.post("/employees/block", hr.PermManage, c.block)    // POST, CSRF-checked
//	c.nav("/employees", "nav.employees", hr.PermView)     // a navigation link
//
// A handler is func(r *console.Request) error. It reads input from r.C (the
// fiber.Ctx), calls services with r.Context(), and answers with
// r.Render("page", data) (templates/page.html, inside the layout),
// r.Partial("page", "block", data) for an htmx fragment, or
// r.Redirect("/hr/…") (303; HX-Redirect for htmx). Returned errors become
// pages: a *kabinet.Error's code picks 400/403/404/409/429 with its
// message, anything else is logged and shown as a 500 without details.
// For forms, fill r.Form (NewForm) with the posted values and the errors
// next to each field, and render the page again with status 422
// (r.RenderStatus).
//
// Public pages (sign-in, set-password) use c.public(method, path, handler).
//
// # Adding a permission
//
// Permissions and roles are package hr's one table (hr/role.go): add the
// constant and its roles there. Templates hide what the role may not press
// with {{if can "manage"}}…{{end}}; the route's permission is what is
// enforced (a VIEWER posting an HR action gets 403, logged, nothing done).
//
// # Templates and texts
//
// templates/layout.html and templates/part_*.html are shared by every page;
// every other templates/<page>.html is a page that defines "title" and
// "content" (and any blocks it renders alone for htmx). Data: .Data is what
// the handler passed, .User the signed-in user, .Form the form, .Nav the
// links the role may follow, .Lang the language. Functions: {{t "key"}},
// {{tf "key" args…}} (fmt verbs), {{csrfField}} (a hidden input in every
// POST form), {{csrfToken}}, {{can "manage"}}, {{lang}}, {{path}}.
//
// Texts live in i18n/<area>.<lang>.json (flat key → text), one area per
// part of the console (so helpers do not edit one file); all are loaded at
// start, and a key defined twice or missing in a language fails New (and
// TestCatalog). Keys are dotted: "<area>.<what>".
package console

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/activation"
	"github.com/kabinet/kabinet/auth"
	"github.com/kabinet/kabinet/hr"
	"github.com/kabinet/kabinet/payroll"
	"github.com/kabinet/kabinet/push"
	"github.com/kabinet/kabinet/server"
	"github.com/kabinet/kabinet/tenancy"
)

// Prefix is where the console is served.
const Prefix = "/hr"

// Config is what the console needs: the services it calls (the same the
// GraphQL resolvers call).
type Config struct {
	Logger *slog.Logger
	Clock  kabinet.Clock
	// Server is the HTTP server the console is mounted on.
	Server *server.Server
	// CSRFKey signs CSRF tokens (a key derived from the master secret).
	CSRFKey []byte

	HR         *hr.Service
	Tenancy    *tenancy.Service
	Auth       *auth.Service
	Payroll    *payroll.Service
	Activation *activation.Service
	Push       *push.Service
	// Audit records the console's changes and reads the audit log.
	Audit AuditLog
	// PublicURL is the console's public base URL for links in emails
	// (KABINET_PUBLIC_URL); "": the origin of the admin's request.
	PublicURL string
}

// Console is the HR console.
type Console struct {
	cfg  Config
	i18n *Catalog
	tmpl *templates
	// csrf are the middlewares for Secure cookies (true) and plain
	// localhost (false).
	csrf   map[bool]fiber.Handler
	router fiber.Router
	navs   []navLink
}

// navLink is one link of the navigation.
type navLink struct {
	Path  string // under Prefix
	Label string // i18n key
	Perm  hr.Permission
}

// Handler answers one console request.
type Handler func(r *Request) error

// New loads the templates and catalogs; an invalid catalog (a duplicate
// key, a key missing in a language) or template is an error.
func New(cfg Config) (*Console, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = kabinet.SystemClock{}
	}
	cat, err := LoadCatalog(i18nFS)
	if err != nil {
		return nil, err
	}
	t, err := loadTemplates(templateFS)
	if err != nil {
		return nil, err
	}
	c := &Console{cfg: cfg, i18n: cat, tmpl: t}
	tokens := signedTokens{key: cfg.CSRFKey, clock: cfg.Clock}
	c.csrf = map[bool]fiber.Handler{true: newCSRF(tokens, true, c.refuseCSRF), false: newCSRF(tokens, false, c.refuseCSRF)}
	return c, nil
}

// Mount serves the console under Prefix on the server.
func (c *Console) Mount() {
	c.cfg.Server.Mount(Prefix, func(r fiber.Router) {
		c.router = r
		r.Use(c.headers)
		r.Get("/static/*", c.static)
		r.Use(func(fc *fiber.Ctx) error { return c.csrf[c.secure(fc)](fc) })
		c.routes()
		r.Use(func(fc *fiber.Ctx) error { // nothing else matched
			return c.wrap("", func(r *Request) error { return kabinet.Errorf(kabinet.ENOTFOUND, "%s", r.T("error.not_found")) })(fc)
		})
	})
}

// routes registers every page.
func (c *Console) routes() {
	c.accountRoutes()
	c.pageRoutes()
	c.adminRoutes()
	c.auditRoutes()
}

// get registers a GET page needing perm.
func (c *Console) get(path string, perm hr.Permission, h Handler) {
	c.router.Get(path, c.wrap(perm, h))
}

// post registers a state-changing action needing perm (CSRF-checked
// before it runs).
func (c *Console) post(path string, perm hr.Permission, h Handler) {
	c.router.Post(path, c.wrap(perm, h))
}

// public registers a page that needs no session (sign-in, set-password).
func (c *Console) public(method, path string, h Handler) {
	c.router.Add(method, path, c.wrap("", h))
}

// nav adds a navigation link, shown to roles with perm.
func (c *Console) nav(path, labelKey string, perm hr.Permission) {
	c.navs = append(c.navs, navLink{Path: path, Label: labelKey, Perm: perm})
}

// Request is one console request.
type Request struct {
	// C is the Fiber request.
	C *fiber.Ctx
	// User and Session are the signed-in user's (nil on public pages
	// without a session).
	User    *hr.User
	Session *hr.Session
	// Lang is the language of the answer ("ru", "en").
	Lang string
	// Form is rendered as .Form: posted values and errors by field.
	Form *Form

	console *Console
	ctx     context.Context
	// stepUser is the user of a session at the TOTP step.
	stepUser *hr.User
	// audit is the entry of a signed-in user's POST.
	audit *kabinet.AuditEntry
}

// Context carries the request's actor: pass it to services.
func (r *Request) Context() context.Context { return r.ctx }

// T is the text of key in the request's language.
func (r *Request) T(key string) string { return r.console.i18n.T(r.Lang, key) }

// Tf formats the text of key.
func (r *Request) Tf(key string, args ...any) string { return r.console.i18n.Tf(r.Lang, key, args...) }

// Can tells whether the signed-in user's role has the permission.
func (r *Request) Can(p hr.Permission) bool { return r.User != nil && hr.Allowed(r.User.Role, p) }

// Actor is the request's actor.
func (r *Request) Actor() *kabinet.Actor { return kabinet.ActorFrom(r.ctx) }

// HTMX tells whether htmx sent the request.
func (r *Request) HTMX() bool { return r.C.Get("HX-Request") == "true" }

// Redirect answers with a 303 to path (an htmx request gets HX-Redirect).
func (r *Request) Redirect(path string) error {
	if r.HTMX() {
		r.C.Set("HX-Redirect", path)
		return r.C.SendStatus(fiber.StatusNoContent)
	}
	return r.C.Redirect(path, fiber.StatusSeeOther)
}

// Log is the console's logger with the request's id, user and address.
func (r *Request) Log() *slog.Logger {
	a := r.Actor()
	return r.console.cfg.Logger.With("request_id", a.RequestID, "hr_user", a.HRUserID, "org", a.OrgID, "address", a.Address,
		"path", r.C.Path())
}

// Form is a form's posted values and its errors by field.
type Form struct {
	Values url.Values
	Errors map[string]string
}

// NewForm returns a form of the request's posted values.
func (r *Request) NewForm() *Form {
	f := &Form{Values: url.Values{}, Errors: map[string]string{}}
	r.C.Request().PostArgs().VisitAll(func(k, v []byte) {
		if key := string(k); key != csrfFormField {
			f.Values.Add(key, string(v))
		}
	})
	r.Form = f
	return f
}

// Get is a posted value, trimmed.
func (f *Form) Get(field string) string {
	if f == nil {
		return ""
	}
	return strings.TrimSpace(f.Values.Get(field))
}

// Err is the error shown next to a field ("" when none).
func (f *Form) Err(field string) string {
	if f == nil {
		return ""
	}
	return f.Errors[field]
}

// Fail records an error for a field.
func (f *Form) Fail(field, msg string) { f.Errors[field] = msg }

// OK tells whether no field failed.
func (f *Form) OK() bool { return len(f.Errors) == 0 }

// errorStatus is the HTTP status of a service error.
func errorStatus(err error) int {
	switch kabinet.ErrorCode(err) {
	case kabinet.EBADINPUT:
		return fiber.StatusBadRequest
	case kabinet.EUNAUTHENTICATED:
		return fiber.StatusUnauthorized
	case kabinet.EFORBIDDEN:
		return fiber.StatusForbidden
	case kabinet.ENOTFOUND:
		return fiber.StatusNotFound
	case kabinet.ECONFLICT:
		return fiber.StatusConflict
	case kabinet.ERATELIMITED:
		return fiber.StatusTooManyRequests
	}
	return fiber.StatusInternalServerError
}

// fail answers an error with the error page.
func (r *Request) fail(err error) error {
	status := errorStatus(err)
	msg := kabinet.ErrorMessage(err)
	switch {
	case status == fiber.StatusInternalServerError:
		r.Log().Error("console request failed", "err", err)
		msg = r.T("error.internal")
	case status == fiber.StatusForbidden || status == fiber.StatusNotFound:
		r.Log().Warn("console request refused", "code", kabinet.ErrorCode(err), "err", err)
	}
	return r.RenderStatus(status, "error", map[string]any{"Status": status, "Message": msg})
}

var errForbidden = kabinet.Errorf(kabinet.EFORBIDDEN, "your role may not do this")

// wrap turns a handler into a Fiber handler: it finds the session (a page
// with a permission needs one), checks the permission, and renders
// returned errors.
func (c *Console) wrap(perm hr.Permission, h Handler) fiber.Handler {
	return func(fc *fiber.Ctx) error {
		r := &Request{C: fc, console: c, ctx: server.Context(fc), Lang: c.language(fc)}
		err := c.session(r, perm)
		if r.User != nil && fc.Method() == fiber.MethodPost {
			var pending *kabinet.PendingAudit
			base := r.ctx
			r.audit = r.auditEntry()
			r.ctx, pending = kabinet.WithPendingAudit(r.ctx, r.audit)
			defer func() { r.finishAudit(base, pending, err) }()
		}
		if err != nil {
			if errors.Is(err, errSignIn) {
				return r.Redirect(Prefix + "/signin?next=" + url.QueryEscape(nextPath(fc)))
			}
			if errors.Is(err, errTOTPSetup) {
				return r.Redirect(Prefix + "/profile/totp")
			}
			return r.fail(err)
		}
		if err = h(r); err != nil {
			return r.fail(err)
		}
		return nil
	}
}

// nextPath is where to return after signing in: this page if it is a GET.
func nextPath(fc *fiber.Ctx) string {
	if fc.Method() != fiber.MethodGet {
		return Prefix + "/"
	}
	return string(fc.Request().URI().RequestURI())
}

// safeNext keeps a next= parameter inside the console.
func safeNext(next string) string {
	if !strings.HasPrefix(next, Prefix+"/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return Prefix + "/"
	}
	return next
}

func urlQuery(s string) string { return url.QueryEscape(s) }
