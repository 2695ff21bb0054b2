// Command kabinetctl is a runnable example of a Kabinet integration: every
// publication mutation and every HR operation, with the error handling a real
// integration needs. It reads batches as JSON from stdin and prints the
// answer's data as JSON.
//
//	export KABINET_URL=http://localhost:8080 KABINET_KEY=kbn_…
//	kabinetctl employees < employees.json        # [{"externalId": "E-1", "lastName": …}, …]
//	kabinetctl payslips < payslips.json
//	kabinetctl invite EMAIL E-1 E-2
//	kabinetctl remind 2026-10
//
// Errors: a refused batch (BAD_USER_INPUT) lists every bad item with its
// index, external ID, field and reason, and nothing of the batch was written:
// fix them and send the whole batch again (publication is idempotent: what is
// already there comes back "unchanged"). RATE_LIMITED is waited out as the
// server says (extensions.retryAfterSeconds) by the client package.
// UNAUTHENTICATED: the key is wrong or revoked. The phone commands show
// RESET_REQUIRED: the sync cursor is dropped and the phone syncs afresh.
//
// Run `kabinetctl help` for the list of commands.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"

	"github.com/kabinet/kabinet/examples/client"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	token := os.Getenv("KABINET_KEY")
	if len(os.Args) > 1 && os.Args[1] == "phone" {
		token = os.Getenv("KABINET_TOKEN") // an employee's access token
	}
	c := client.New(envOr("KABINET_URL", "http://localhost:8080"), token)
	os.Exit(run(ctx, c, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// command is one operation: its GraphQL document and how its variables come
// from the arguments and stdin.
type command struct {
	usage string
	query string
	vars  func(args []string, stdin io.Reader) (map[string]any, error)
}

const publishResult = `{ created updated unchanged warnings { index externalId field reason } }`
const cabinetResult = `{ employeeExternalId status activationCode lastError }`
const cabinetFields = `{ employee { externalId lastName firstName } status invitedAt activatedAt lastChannel codeExpiresAt }`

var commands = map[string]command{
	// Publication: a JSON array of inputs on stdin, all-or-nothing per batch.
	"departments":     {"< departments.json", `mutation($in: [DepartmentInput!]!) { upsertDepartments(input: $in) ` + publishResult + ` }`, batch},
	"employees":       {"< employees.json", `mutation($in: [EmployeeInput!]!) { upsertEmployees(input: $in) ` + publishResult + ` }`, batch},
	"payslips":        {"< payslips.json", `mutation($in: [PayslipInput!]!) { publishPayslips(input: $in) ` + publishResult + ` }`, batch},
	"leave-balances":  {"< balances.json", `mutation($in: [LeaveBalanceInput!]!) { publishLeaveBalances(input: $in) ` + publishResult + ` }`, batch},
	"vacations":       {"< vacations.json", `mutation($in: [VacationInput!]!) { publishVacations(input: $in) ` + publishResult + ` }`, batch},
	"retract-payslip": {"PAYSLIP_EXTERNAL_ID", `mutation($id: String!) { retractPayslip(externalId: $id) }`, one("id")},
	"cancel-vacation": {"VACATION_EXTERNAL_ID", `mutation($id: String!) { cancelVacation(externalId: $id) }`, one("id")},

	// HR: cabinets and invitations.
	"cabinets":             {"[CREATED|INVITED|ACTIVE|BLOCKED]", `query($s: CabinetStatus) { cabinets(status: $s) ` + cabinetFields + ` }`, optional("s")},
	"create-cabinets":      {"EMPLOYEE_ID…", `mutation($ids: [String!]!) { createCabinets(employeeExternalIds: $ids) ` + cabinetResult + ` }`, ids},
	"invite":               {"EMAIL|SMS EMPLOYEE_ID…", `mutation($ch: InvitationChannel!, $ids: [String!]!) { sendInvitations(employeeExternalIds: $ids, channel: $ch) ` + cabinetResult + ` }`, channelAndIDs},
	"block":                {"EMPLOYEE_ID", `mutation($id: String!) { blockCabinet(employeeExternalId: $id) { status } }`, one("id")},
	"unblock":              {"EMPLOYEE_ID", `mutation($id: String!) { unblockCabinet(employeeExternalId: $id) { status } }`, one("id")},
	"reissue-code":         {"EMPLOYEE_ID [EMAIL|SMS]", `mutation($id: String!, $ch: InvitationChannel) { reissueActivationCode(employeeExternalId: $id, channel: $ch) ` + cabinetResult + ` }`, idAndChannel},
	"cabinet-settings":     {"", `{ cabinetSettings { autoCreateCabinets autoSendInvitations invitationChannel emailSubject codeTtlDays } }`, none},
	"set-cabinet-settings": {"< settings.json", `mutation($in: CabinetSettingsInput!) { updateCabinetSettings(input: $in) { autoCreateCabinets autoSendInvitations invitationChannel emailSubject codeTtlDays } }`, object},

	// HR: sign-in policy, reminders, delivery log, audit log.
	"auth-policy":               {"", `{ authPolicy { quickLoginMethods pinLength maxPinAttempts accessTokenTtlSeconds refreshTokenTtlSeconds } }`, none},
	"set-auth-policy":           {"< policy.json", `mutation($in: AuthPolicyInput!) { updateAuthPolicy(input: $in) { quickLoginMethods pinLength maxPinAttempts } }`, object},
	"notification-settings":     {"", `{ notificationSettings { windowStart windowEnd sendDelaySeconds payslipReminderDays vacationReminderDaysBefore timezone } }`, none},
	"set-notification-settings": {"< settings.json", `mutation($in: NotificationSettingsInput!) { updateNotificationSettings(input: $in) { windowStart windowEnd payslipReminderDays } }`, object},
	"remind":                    {"PERIOD (YYYY-MM)", `mutation($p: String!) { remindUnviewedPayslips(period: $p) }`, one("p")},
	"deliveries":                {"[EMPLOYEE_ID]", `query($id: String) { deliveries(employeeExternalId: $id) { kind stage platform status plannedAt sentAt error } }`, optional("id")},
	"audit":                     {"[LIMIT]", `query($n: Int) { auditLog(limit: $n) { actor operation targets outcome at } }`, limit},
}

// run executes one command and returns the process's exit code: 0, 1 for an
// error, 2 for a refused batch or bad arguments.
func run(ctx context.Context, c *client.Client, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" {
		usage(stdout)
		return 0
	}
	if args[0] == "phone" {
		return runPhone(ctx, c, args[1:], stdout, stderr)
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "unknown command %q\n", args[0])
		usage(stderr)
		return 2
	}
	vars, err := cmd.vars(args[1:], stdin)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v (usage: kabinetctl %s %s)\n", args[0], err, args[0], cmd.usage)
		return 2
	}
	var data json.RawMessage
	if err := c.Do(ctx, cmd.query, vars, &data); err != nil {
		return report(stderr, err)
	}
	return printJSON(stdout, data)
}

// report explains an error the way an integration should act on it.
func report(w io.Writer, err error) int {
	var e *client.Error
	if !errors.As(err, &e) {
		fmt.Fprintf(w, "request failed: %v\n", err)
		return 1
	}
	switch e.Code {
	case "BAD_USER_INPUT":
		fmt.Fprintf(w, "refused, nothing written: %s\n", e.Message)
		for _, it := range e.Items {
			fmt.Fprintf(w, "  item %d (%s) %s: %s\n", it.Index, it.ExternalID, it.Field, it.Reason)
		}
		return 2
	case "RATE_LIMITED":
		fmt.Fprintf(w, "rate limited: try again in %s\n", e.RetryAfter)
	case "UNAUTHENTICATED":
		fmt.Fprintf(w, "the key was not accepted (%s): check KABINET_KEY, or ask the operator for a new one (kabinet org key)\n", e.Message)
	case "INTERNAL":
		fmt.Fprintf(w, "server error (%s): report it with this message; the request id is in it\n", e.Message)
	default:
		fmt.Fprintf(w, "%s\n", e)
	}
	return 1
}

func printJSON(w io.Writer, data json.RawMessage) int {
	var v any
	json.Unmarshal(data, &v)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	return 0
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: kabinetctl COMMAND [ARGS]   (KABINET_URL, KABINET_KEY from the environment)")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-26s %s\n", n, commands[n].usage)
	}
	fmt.Fprintf(w, "  %-26s %s\n", "phone activate", "CODE PASSWORD DEVICE_ID   (prints the access token)")
	fmt.Fprintf(w, "  %-26s %s\n", "phone sync", "STATE_FILE   (KABINET_TOKEN: the access token; the cursor is kept in STATE_FILE)")
}

func batch(args []string, stdin io.Reader) (map[string]any, error) {
	var in []map[string]any
	if err := json.NewDecoder(stdin).Decode(&in); err != nil {
		return nil, fmt.Errorf("stdin must be a JSON array of inputs: %v", err)
	}
	return map[string]any{"in": in}, nil
}

func object(args []string, stdin io.Reader) (map[string]any, error) {
	var in map[string]any
	if err := json.NewDecoder(stdin).Decode(&in); err != nil {
		return nil, fmt.Errorf("stdin must be a JSON object: %v", err)
	}
	return map[string]any{"in": in}, nil
}

func none(args []string, _ io.Reader) (map[string]any, error) {
	if len(args) > 0 {
		return nil, errors.New("no arguments expected")
	}
	return nil, nil
}

func one(name string) func([]string, io.Reader) (map[string]any, error) {
	return func(args []string, _ io.Reader) (map[string]any, error) {
		if len(args) != 1 {
			return nil, errors.New("one argument expected")
		}
		return map[string]any{name: args[0]}, nil
	}
}

func optional(name string) func([]string, io.Reader) (map[string]any, error) {
	return func(args []string, _ io.Reader) (map[string]any, error) {
		if len(args) > 1 {
			return nil, errors.New("at most one argument expected")
		}
		if len(args) == 0 {
			return nil, nil
		}
		return map[string]any{name: args[0]}, nil
	}
}

func ids(args []string, _ io.Reader) (map[string]any, error) {
	if len(args) == 0 {
		return nil, errors.New("employee IDs expected")
	}
	return map[string]any{"ids": args}, nil
}

func channelAndIDs(args []string, _ io.Reader) (map[string]any, error) {
	if len(args) < 2 {
		return nil, errors.New("a channel and employee IDs expected")
	}
	return map[string]any{"ch": strings.ToUpper(args[0]), "ids": args[1:]}, nil
}

func idAndChannel(args []string, _ io.Reader) (map[string]any, error) {
	switch len(args) {
	case 1:
		return map[string]any{"id": args[0]}, nil
	case 2:
		return map[string]any{"id": args[0], "ch": strings.ToUpper(args[1])}, nil
	}
	return nil, errors.New("an employee ID and an optional channel expected")
}

func limit(args []string, _ io.Reader) (map[string]any, error) {
	if len(args) == 0 {
		return nil, nil
	}
	n, err := strconv.Atoi(args[0])
	if err != nil || len(args) > 1 {
		return nil, errors.New("an optional number expected")
	}
	return map[string]any{"n": n}, nil
}
