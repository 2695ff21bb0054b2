package console

import (
	"errors"
	"io/fs"
	"mime"
	"net"
	"path"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/hr"
	"github.com/kabinet/kabinet/server"
)

// contentSecurityPolicy: scripts and styles only from the console's own
// files (no inline script, no eval), images also as data: URLs (the TOTP
// QR code), no framing, forms posting only here.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// headers sets the console's security headers (package server sets
// nosniff, no-store and Referrer-Policy on every response already; they
// are repeated here so that the console does not depend on it).
func (c *Console) headers(fc *fiber.Ctx) error {
	fc.Set("Content-Security-Policy", contentSecurityPolicy)
	fc.Set(fiber.HeaderXFrameOptions, "DENY")
	fc.Set(fiber.HeaderReferrerPolicy, "same-origin")
	fc.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	fc.Set(fiber.HeaderCacheControl, "no-store")
	return fc.Next()
}

// static serves the embedded static files.
func (c *Console) static(fc *fiber.Ctx) error {
	name := path.Clean("static/" + fc.Params("*"))
	if !strings.HasPrefix(name, "static/") {
		return fc.SendStatus(fiber.StatusNotFound)
	}
	b, err := fs.ReadFile(staticFS, name)
	if err != nil {
		return fc.SendStatus(fiber.StatusNotFound)
	}
	fc.Set(fiber.HeaderContentType, mime.TypeByExtension(path.Ext(name)))
	fc.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	return fc.Send(b)
}

// secure tells whether cookies are marked Secure: always, but for plain
// http to localhost (a laptop, the tests).
func (c *Console) secure(fc *fiber.Ctx) bool {
	if c.cfg.Server != nil && c.cfg.Server.OverTLS(fc) {
		return true
	}
	host := fc.Hostname()
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	return host != "localhost" && host != "127.0.0.1" && host != "::1"
}

// sessionCookie is the name of the session cookie: __Host- when Secure,
// so that no subdomain can set it.
func sessionCookie(secure bool) string {
	if secure {
		return "__Host-kabinet_hr"
	}
	return "kabinet_hr"
}

const langCookie = "kabinet_hr_lang"

// language is ?lang= (remembered in a cookie), else the cookie, else
// Russian.
func (c *Console) language(fc *fiber.Ctx) string {
	if l := fc.Query("lang"); knownLanguage(l) {
		fc.Cookie(&fiber.Cookie{Name: langCookie, Value: l, Path: "/", SameSite: fiber.CookieSameSiteLaxMode,
			Secure: c.secure(fc), HTTPOnly: true, Expires: c.cfg.Clock.Now().Add(365 * 24 * time.Hour)})
		return l
	}
	if l := fc.Cookies(langCookie); knownLanguage(l) {
		return l
	}
	return Languages[0]
}

// setSession sets (token != "") or clears the session cookie.
func (r *Request) setSession(token string) {
	secure := r.console.secure(r.C)
	ck := &fiber.Cookie{Name: sessionCookie(secure), Value: token, Path: "/", HTTPOnly: true, Secure: secure,
		SameSite: fiber.CookieSameSiteStrictMode, SessionOnly: true}
	if token == "" {
		ck.Expires = time.Unix(1, 0)
		ck.SessionOnly = false
	}
	r.C.Cookie(ck)
}

var (
	errSignIn    = errors.New("sign in")
	errTOTPSetup = errors.New("set up TOTP")
)

// session finds the request's session. A page with a permission needs a
// full session whose role has it (errSignIn without one; FORBIDDEN,
// logged, without the permission), and an ADMIN without a second factor
// may only set one up or sign out (errTOTPSetup). A public page gets the
// session if there is a full one.
func (c *Console) session(r *Request, perm hr.Permission) error {
	token := r.C.Cookies(sessionCookie(c.secure(r.C)))
	if token == "" {
		if perm == "" {
			return nil
		}
		return errSignIn
	}
	ss, u, err := c.cfg.HR.Authenticate(r.ctx, token)
	if kabinet.ErrorCode(err) == kabinet.EUNAUTHENTICATED {
		r.setSession("")
		if perm == "" {
			return nil
		}
		r.Log().Info("console session ended", "reason", kabinet.ErrorMessage(err))
		return errSignIn
	}
	if err != nil {
		return err
	}
	r.Session = ss
	if ss.Stage != hr.StageFull {
		if perm == "" {
			r.stepUser = u // only the TOTP step uses it
			return nil
		}
		return errSignIn
	}
	r.User = u
	r.ctx = kabinet.NewContext(r.ctx, hr.Actor(kabinet.ActorFrom(r.ctx), ss, u))
	if perm == "" {
		return nil
	}
	if hr.NeedsTOTPSetup(u) && !strings.HasPrefix(r.C.Path(), Prefix+"/profile/totp") && r.C.Path() != Prefix+"/signout" {
		return errTOTPSetup
	}
	if !hr.Allowed(u.Role, perm) {
		return errForbidden
	}
	return nil
}

// refuseCSRF answers a request whose CSRF token is missing or forged: the
// 403 page, logged; the handler never runs.
func (c *Console) refuseCSRF(fc *fiber.Ctx, err error) error {
	r := &Request{C: fc, console: c, ctx: server.Context(fc), Lang: c.language(fc)}
	r.Log().Warn("console request refused: CSRF token", "err", err, "method", fc.Method())
	return r.RenderStatus(fiber.StatusForbidden, "error", map[string]any{"Status": fiber.StatusForbidden,
		"Message": r.T("error.csrf")})
}

// View is what templates render: .Data is the handler's.
type View struct {
	Lang  string
	User  *hr.User
	Form  *Form
	Nav   []navLink
	Langs []string
	Data  any
}

func (r *Request) view(data any) *View {
	v := &View{Lang: r.Lang, User: r.User, Form: r.Form, Langs: Languages, Data: data}
	if v.Form == nil {
		v.Form = &Form{}
	}
	if r.User != nil {
		for _, n := range r.console.navs {
			if r.Can(n.Perm) {
				v.Nav = append(v.Nav, n)
			}
		}
	}
	return v
}

// Render answers with a page (templates/<page>.html in the layout), 200.
func (r *Request) Render(page string, data any) error {
	return r.RenderStatus(fiber.StatusOK, page, data)
}

// RenderStatus answers with a page and a status (422 for a form with
// errors, say).
func (r *Request) RenderStatus(status int, page string, data any) error {
	b, err := r.console.tmpl.execute(page, "layout", r.funcs(), r.view(data))
	if err != nil {
		return err
	}
	r.C.Status(status).Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return r.C.Send(b)
}

// Partial answers with one block of a page (an htmx fragment).
func (r *Request) Partial(page, block string, data any) error {
	b, err := r.console.tmpl.execute(page, block, r.funcs(), r.view(data))
	if err != nil {
		return err
	}
	r.C.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return r.C.Send(b)
}
