package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/pquerna/otp/totp"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/app"
	"github.com/kabinet/kabinet/hr"
)

// demoAdminEmail is the demo organisation's HR console administrator.
const demoAdminEmail = "admin@demo.kabinet.ru"

// seedDemoAdmin creates the demo organisation's HR console administrator
// with a random password and a second factor (every ADMIN needs one), and
// prints how to sign in: the URL, email, password, the TOTP secret for an
// authenticator app, and recovery codes for those without one.
func seedDemoAdmin(ctx context.Context, a *app.App, orgID string, out io.Writer) error {
	u, link, err := a.HR.AddUser(ctx, orgID, hr.NewUserInput{Email: demoAdminEmail, FullName: "Анна Администратор", Role: string(hr.RoleAdmin)})
	if err != nil {
		return err
	}
	password := "demo-" + kabinet.RandomToken(8)
	if u, err = a.HR.SetPasswordWithLink(ctx, link, password); err != nil {
		return err
	}
	setup, err := a.HR.StartTOTP(ctx, u)
	if err != nil {
		return err
	}
	code, err := totp.GenerateCode(setup.Key.Secret(), a.Clock.Now())
	if err != nil {
		return err
	}
	codes, err := a.HR.ConfirmTOTP(ctx, u, "", code)
	if err != nil {
		return err
	}
	addr := a.Config.Addr
	if strings.HasPrefix(addr, ":") {
		addr = "localhost" + addr
	}
	fmt.Fprintf(out, "  HR console: http://%s/hr/\n\n    email:    %s\n    password: %s\n"+
		"    TOTP secret (add it to an authenticator app; or compute a code: oathtool --totp -b %s):\n      %s\n"+
		"    or a recovery code (each works once): %s\n\n",
		addr, demoAdminEmail, password, setup.Key.Secret(), setup.Key.Secret(), strings.Join(codes[:3], "  "))
	return nil
}
