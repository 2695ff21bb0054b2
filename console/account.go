package console

import (
	"bytes"
	"encoding/base64"
	"html/template"
	"image/png"

	"github.com/gofiber/fiber/v2"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/hr"
)

// accountRoutes are the pages of one's own account: sign-in (with the TOTP
// step), set-password links, sign-out, profile (password, second factor).
func (c *Console) accountRoutes() {
	c.public(fiber.MethodGet, "/signin", c.signInPage)
	c.public(fiber.MethodPost, "/signin", c.signIn)
	c.public(fiber.MethodGet, "/signin/totp", c.totpStepPage)
	c.public(fiber.MethodPost, "/signin/totp", c.totpStep)
	c.public(fiber.MethodGet, "/set-password/:token", c.setPasswordPage)
	c.public(fiber.MethodPost, "/set-password/:token", c.setPassword)
	c.post("/signout", hr.PermSelf, c.signOut)
	c.get("/profile", hr.PermSelf, c.profile)
	c.post("/profile/password", hr.PermSelf, c.changePassword)
	c.get("/profile/totp", hr.PermSelf, c.totpPage)
	c.post("/profile/totp/start", hr.PermSelf, c.totpStart)
	c.post("/profile/totp/confirm", hr.PermSelf, c.totpConfirm)
	c.post("/profile/totp/disable", hr.PermSelf, c.totpDisable)
}

func (c *Console) signInPage(r *Request) error {
	if r.User != nil {
		return r.Redirect(safeNext(r.C.Query("next")))
	}
	notice := ""
	if r.C.Query("ended") != "" {
		notice = "signin.ended"
	}
	return r.Render("signin", map[string]any{"Next": safeNext(r.C.Query("next")), "Notice": notice})
}

// signInError puts a sign-in's error on the form: the messages never tell
// whether the email exists.
func (r *Request) signInError(f *Form, err error) (int, error) {
	switch kabinet.ErrorCode(err) {
	case kabinet.EUNAUTHENTICATED:
		r.Log().Info("console sign-in failed", "step", r.C.Path())
		f.Fail("", r.T("signin.wrong"))
		return fiber.StatusUnauthorized, nil
	case kabinet.ERATELIMITED:
		f.Fail("", r.T("signin.limited"))
		return fiber.StatusTooManyRequests, nil
	case kabinet.EFORBIDDEN:
		f.Fail("", r.T("signin.disabled"))
		return fiber.StatusForbidden, nil
	}
	return 0, err
}

func (c *Console) signIn(r *Request) error {
	f := r.NewForm()
	data := map[string]any{"Next": safeNext(f.Get("next"))}
	if f.Get("email") == "" {
		f.Fail("email", r.T("signin.email_required"))
	}
	if f.Values.Get("password") == "" {
		f.Fail("password", r.T("signin.password_required"))
	}
	if !f.OK() {
		return r.RenderStatus(fiber.StatusUnprocessableEntity, "signin", data)
	}
	in, err := c.cfg.HR.SignIn(r.Context(), f.Get("email"), f.Values.Get("password"))
	if err != nil {
		status, err := r.signInError(f, err)
		if err != nil {
			return err
		}
		return r.RenderStatus(status, "signin", data)
	}
	r.setSession(in.Token)
	if in.Session.Stage == hr.StageTOTP {
		return r.Redirect(Prefix + "/signin/totp?next=" + urlQuery(data["Next"].(string)))
	}
	return r.Redirect(data["Next"].(string))
}

func (c *Console) totpStepPage(r *Request) error {
	if r.Session == nil || r.Session.Stage != hr.StageTOTP {
		return r.Redirect(Prefix + "/signin")
	}
	return r.Render("signin_totp", map[string]any{"Next": safeNext(r.C.Query("next"))})
}

func (c *Console) totpStep(r *Request) error {
	f := r.NewForm()
	data := map[string]any{"Next": safeNext(f.Get("next"))}
	if r.Session == nil || r.Session.Stage != hr.StageTOTP {
		return r.Redirect(Prefix + "/signin?ended=1")
	}
	if f.Get("code") == "" {
		f.Fail("code", r.T("totp.code_required"))
		return r.RenderStatus(fiber.StatusUnprocessableEntity, "signin_totp", data)
	}
	if err := c.cfg.HR.VerifyTOTP(r.Context(), r.Session, r.stepUser, f.Get("code")); err != nil {
		status, err := r.signInError(f, err)
		if err != nil {
			return err
		}
		return r.RenderStatus(status, "signin_totp", data)
	}
	return r.Redirect(data["Next"].(string))
}

func (c *Console) signOut(r *Request) error {
	if err := c.cfg.HR.SignOut(r.Context(), r.Session); err != nil {
		return err
	}
	r.setSession("")
	return r.Redirect(Prefix + "/signin")
}

func (c *Console) setPasswordPage(r *Request) error {
	u, err := c.cfg.HR.Link(r.Context(), r.C.Params("token"))
	if err != nil {
		return r.linkGone(err)
	}
	return r.Render("set_password", map[string]any{"User": u, "Token": r.C.Params("token")})
}

// linkGone shows the page of a used or expired link.
func (r *Request) linkGone(err error) error {
	if kabinet.ErrorCode(err) != kabinet.ENOTFOUND {
		return err
	}
	r.Log().Info("console set-password link refused")
	return r.RenderStatus(fiber.StatusNotFound, "error", map[string]any{"Status": fiber.StatusNotFound, "Message": r.T("setpw.gone")})
}

func (c *Console) setPassword(r *Request) error {
	token := r.C.Params("token")
	u, err := c.cfg.HR.Link(r.Context(), token)
	if err != nil {
		return r.linkGone(err)
	}
	f := r.NewForm()
	data := map[string]any{"User": u, "Token": token}
	pw := f.Values.Get("password")
	if pw != f.Values.Get("password2") {
		f.Fail("password2", r.T("setpw.mismatch"))
		return r.RenderStatus(fiber.StatusUnprocessableEntity, "set_password", data)
	}
	if _, err := c.cfg.HR.SetPasswordWithLink(r.Context(), token, pw); err != nil {
		if kabinet.ErrorCode(err) == kabinet.EBADINPUT {
			f.Fail("password", r.passwordRule(err))
			return r.RenderStatus(fiber.StatusUnprocessableEntity, "set_password", data)
		}
		return r.linkGone(err)
	}
	r.setSession("")
	return r.Render("signin", map[string]any{"Next": Prefix + "/", "Notice": "setpw.done"})
}

// passwordRule is the message of a password that breaks a rule
// (auth.CheckPassword), in the request's language.
func (r *Request) passwordRule(err error) string {
	if r.Lang == "en" {
		return kabinet.ErrorMessage(err)
	}
	return r.T("password.rules")
}

func (c *Console) profile(r *Request) error {
	return r.Render("profile", nil)
}

func (c *Console) changePassword(r *Request) error {
	f := r.NewForm()
	pw := f.Values.Get("password")
	if pw != f.Values.Get("password2") {
		f.Fail("password2", r.T("setpw.mismatch"))
		return r.RenderStatus(fiber.StatusUnprocessableEntity, "profile", nil)
	}
	err := c.cfg.HR.ChangePassword(r.Context(), r.User, r.Session.ID, f.Values.Get("current"), pw)
	switch kabinet.ErrorCode(err) {
	case "":
		return r.Render("profile", map[string]any{"Done": "profile.password_changed"})
	case kabinet.EBADINPUT:
		f.Fail("password", r.passwordRule(err))
	case kabinet.EUNAUTHENTICATED:
		f.Fail("current", r.T("profile.wrong_password"))
	case kabinet.ERATELIMITED:
		f.Fail("current", r.T("signin.limited"))
	default:
		return err
	}
	return r.RenderStatus(fiber.StatusUnprocessableEntity, "profile", nil)
}

// totpView is the second-factor page's data.
type totpView struct {
	Enabled  bool
	Required bool
	Secret   string
	QR       template.URL
	Codes    []string
	Left     int
}

func (c *Console) totpData(r *Request) (*totpView, error) {
	v := &totpView{Enabled: r.User.TOTPEnabledAt != nil, Required: r.User.Role == hr.RoleAdmin}
	if v.Enabled {
		n, err := c.cfg.HR.RecoveryCodesLeft(r.Context(), r.User)
		v.Left = n
		return v, err
	}
	key, err := c.cfg.HR.PendingTOTP(r.User)
	if err != nil || key == nil {
		return v, err
	}
	img, err := key.Image(220, 220)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	v.Secret = key.Secret()
	v.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()))
	return v, nil
}

func (c *Console) totpPage(r *Request) error {
	v, err := c.totpData(r)
	if err != nil {
		return err
	}
	return r.Render("totp", v)
}

func (c *Console) totpStart(r *Request) error {
	if _, err := c.cfg.HR.StartTOTP(r.Context(), r.User); err != nil {
		return err
	}
	return r.Redirect(Prefix + "/profile/totp")
}

func (c *Console) totpConfirm(r *Request) error {
	f := r.NewForm()
	codes, err := c.cfg.HR.ConfirmTOTP(r.Context(), r.User, r.Session.ID, f.Get("code"))
	if kabinet.ErrorCode(err) == kabinet.EUNAUTHENTICATED {
		f.Fail("code", r.T("totp.wrong"))
		v, err := c.totpData(r)
		if err != nil {
			return err
		}
		return r.RenderStatus(fiber.StatusUnprocessableEntity, "totp", v)
	}
	if err != nil {
		return err
	}
	return r.Render("totp", &totpView{Enabled: true, Required: r.User.Role == hr.RoleAdmin, Codes: codes, Left: len(codes)})
}

func (c *Console) totpDisable(r *Request) error {
	f := r.NewForm()
	err := c.cfg.HR.DisableTOTP(r.Context(), r.User, f.Values.Get("password"))
	switch kabinet.ErrorCode(err) {
	case "":
		return r.Redirect(Prefix + "/profile/totp")
	case kabinet.EUNAUTHENTICATED:
		f.Fail("password", r.T("profile.wrong_password"))
	case kabinet.ERATELIMITED:
		f.Fail("password", r.T("signin.limited"))
	default:
		return err
	}
	v, err := c.totpData(r)
	if err != nil {
		return err
	}
	return r.RenderStatus(fiber.StatusUnprocessableEntity, "totp", v)
}
