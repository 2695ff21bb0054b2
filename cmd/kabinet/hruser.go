package main

import (
	"fmt"
	"strings"

	"github.com/kabinet/kabinet/hr"
)

type hrUserCmd struct {
	Add hrUserAddCmd `cmd:"" help:"Create an HR console user of an organisation and print their one-time set-password link."`
}

type hrUserAddCmd struct {
	DB    string `name:"db" placeholder:"FILE|URL" help:"SQLite database file or postgres:// URL (overrides KABINET_DB)."`
	Org   string `required:"" placeholder:"ID" help:"The organisation's id (kabinet org list)."`
	Email string `required:"" help:"The user's email: they sign in with it."`
	Name  string `required:"" help:"The user's full name."`
	Role  string `default:"ADMIN" enum:"ADMIN,HR,VIEWER" help:"ADMIN (HR users, API keys, login policy, and all of HR), HR (cabinets, invitations, notifications) or VIEWER (reads)."`
}

// Run creates the user (status INVITED) and prints the link that lets them
// set a password: good for 72 hours, once. An ADMIN then sets up a second
// factor before anything else.
func (c *hrUserAddCmd) Run(e *runEnv) error {
	a, err := e.openApp(c.DB)
	if err != nil {
		return err
	}
	defer a.Close()
	org, err := a.DB.Organization(e.ctx, strings.TrimSpace(c.Org))
	if err != nil {
		return fmt.Errorf("org %s: %w", strings.TrimSpace(c.Org), err)
	}
	u, token, err := a.HR.AddUser(e.ctx, org.ID, hr.NewUserInput{Email: c.Email, FullName: c.Name, Role: c.Role})
	if err != nil {
		return fmt.Errorf("hr-user add: %w", err)
	}
	link := hr.LinkURL(a.Config.PublicURL, token)
	note := ""
	if a.Config.PublicURL == "" {
		note = " (a path on the server: prefix it with the server's address, or set KABINET_PUBLIC_URL)"
	}
	_, err = fmt.Fprintf(e.stdout, "HR user %s (%s, %s) of %s created.\nOne-time set-password link, good for %d hours%s:\n\n    %s\n\n",
		u.Email, u.FullName, u.Role, org.Name, int(hr.LinkLifetime.Hours()), note, link)
	return err
}
