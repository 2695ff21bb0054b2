package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/kabinet/kabinet/examples/client"
)

// runPhone shows the phone's side that an app developer must get right:
// activation, and delta sync that keeps its cursor and starts over on
// RESET_REQUIRED (the server can no longer serve the cursor: too old,
// malformed, or from a database restored from a backup).
func runPhone(ctx context.Context, c *client.Client, args []string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 4 && args[0] == "activate":
		var out struct {
			Activate struct {
				AccessToken string `json:"accessToken"`
				Employee    struct {
					Login string `json:"login"`
				} `json:"employee"`
			} `json:"activate"`
		}
		err := c.Do(ctx, `mutation($code: String!, $pw: String!, $dev: String!) { activate(input: {activationCode: $code, password: $pw, device: {id: $dev, platform: ANDROID}}) { accessToken employee { login } } }`,
			map[string]any{"code": args[1], "pw": args[2], "dev": args[3]}, &out)
		if err != nil {
			return report(stderr, err)
		}
		fmt.Fprintf(stdout, "login %s\nexport KABINET_TOKEN=%s\n", out.Activate.Employee.Login, out.Activate.AccessToken)
		return 0
	case len(args) == 2 && args[0] == "sync":
		return phoneSync(ctx, c, args[1], stdout, stderr)
	}
	fmt.Fprintln(stderr, "usage: kabinetctl phone activate CODE PASSWORD DEVICE_ID | kabinetctl phone sync STATE_FILE")
	return 2
}

// syncState is what a phone keeps between syncs.
type syncState struct {
	Cursor   string            `json:"cursor"`
	Payslips map[string]string `json:"payslips"` // id → period
}

func phoneSync(ctx context.Context, c *client.Client, stateFile string, stdout, stderr io.Writer) int {
	var st syncState
	if b, err := os.ReadFile(stateFile); err == nil {
		json.Unmarshal(b, &st)
	}
	if st.Payslips == nil {
		st.Payslips = map[string]string{}
	}
	const query = `query($c: String) { sync(cursor: $c) { payslips { id period } deleted { type id } cursor hasMore } }`
	pages := 0
	for more := true; more; pages++ {
		var out struct {
			Sync struct {
				Payslips []struct{ ID, Period string }
				Deleted  []struct{ Type, ID string }
				Cursor   string
				HasMore  bool
			}
		}
		var cursor any
		if st.Cursor != "" {
			cursor = st.Cursor
		}
		err := c.Do(ctx, query, map[string]any{"c": cursor}, &out)
		if client.Code(err) == "RESET_REQUIRED" {
			// Drop everything and sync from the start: the server will send
			// the full state again.
			fmt.Fprintln(stdout, "cursor no longer served: syncing afresh")
			st = syncState{Payslips: map[string]string{}}
			continue
		}
		if err != nil {
			return report(stderr, err)
		}
		for _, p := range out.Sync.Payslips {
			st.Payslips[p.ID] = p.Period
		}
		for _, d := range out.Sync.Deleted {
			delete(st.Payslips, d.ID)
		}
		st.Cursor, more = out.Sync.Cursor, out.Sync.HasMore
		if pages > 10_000 {
			fmt.Fprintln(stderr, "sync does not end: giving up")
			return 1
		}
	}
	b, _ := json.Marshal(st)
	if err := os.WriteFile(stateFile, b, 0o600); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	fmt.Fprintf(stdout, "%d payslips kept\n", len(st.Payslips))
	return 0
}
