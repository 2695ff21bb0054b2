package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/activation"
	"github.com/kabinet/kabinet/payroll"
	"github.com/kabinet/kabinet/push"
)

// RejectedTokenPrefix marks the demo phones' push tokens that Sender
// answers as a provider answers the token of an uninstalled app.
const RejectedTokenPrefix = "demo-uninstalled-"

// Sender is the demo's push sender when no FCM or APNs credentials are
// configured: Next (the log sender), except for tokens with
// RejectedTokenPrefix, which get INVALID_TOKEN, so that the delivery log
// and the dashboard show a failed delivery next to the sent ones.
type Sender struct{ Next push.Sender }

// Send answers a rejected token with OutcomeInvalidToken, else asks Next.
func (s Sender) Send(ctx context.Context, n *push.Notification) push.Result {
	if strings.HasPrefix(n.Token, RejectedTokenPrefix) {
		return push.Result{Outcome: push.OutcomeInvalidToken, Reason: "demo: UNREGISTERED (the app was uninstalled)"}
	}
	return s.Next.Send(ctx, n)
}

// Services are what Console goes through: the same services as the
// GraphQL API and the HR console.
type Services struct {
	Activation *activation.Service
	Push       *push.Service
	Payroll    *payroll.Service
}

// Demo phones' password (the employees activated by Console).
const phonePassword = "Demo-password-2026!"

// The demo employees in each cabinet state Console leaves (after
// printActivationCodes created every cabinet: CREATED, and CREATE_FAILED
// for E-015, who has neither email nor phone). E-001–E-003 keep their
// printed codes.
var (
	invitedByEmail = []string{"E-004"}
	invitedBySMS   = []string{"E-014"}
	smsWithout     = []string{"E-009"} // no phone: INVITE_FAILED
	activated      = []string{"E-006", "E-007", "E-008", "E-010", "E-011", "E-012", "E-016", "E-019"}
	blocked        = []string{"E-020"}
	onIPhone       = "E-016"
	uninstalled    = "E-012" // the token the provider rejects
)

// newHires are published after the cabinets: NOT_CREATED.
var newHires = []payroll.EmployeeInput{
	{ExternalID: "E-021", LastName: "Орлова", FirstName: "Вера", MiddleName: ptr("Андреевна"), Email: ptr("employee21@demo.kabinet.local"),
		DepartmentExternalID: ptr("D-IT"), Position: ptr("Аналитик")},
	{ExternalID: "E-022", LastName: "Зайцев", FirstName: "Кирилл", MiddleName: ptr("Олегович"),
		DepartmentExternalID: ptr("D-WH"), Position: ptr("Грузчик")},
}

// Console makes every page of the HR console non-empty: cabinets in each
// status, activated employees with phones and push tokens, a vacation
// that starts today (its reminder falls due at midnight and is held by
// quiet hours until the window opens), and a one-off reminder of the
// latest period to every reachable employee (one phone's token is
// rejected: a failed delivery). The dispatcher sends what is due once the
// server starts. It returns the employees it activated.
func Console(ctx context.Context, s Services, orgID string, now time.Time) ([]string, error) {
	for _, inv := range []struct {
		ids     []string
		channel string
	}{{invitedByEmail, kabinet.ChannelEmail}, {invitedBySMS, kabinet.ChannelSMS}, {smsWithout, kabinet.ChannelSMS}} {
		if _, err := s.Activation.SendInvitations(ctx, orgID, inv.ids, inv.channel); err != nil {
			return nil, err
		}
	}
	for _, ext := range activated {
		if err := activate(ctx, s, orgID, ext); err != nil {
			return nil, fmt.Errorf("activate %s: %w", ext, err)
		}
	}
	for _, ext := range blocked {
		if _, err := s.Activation.Block(ctx, orgID, ext, "уволен по собственному желанию"); err != nil {
			return nil, err
		}
	}
	if _, err := s.Payroll.UpsertEmployees(ctx, orgID, newHires); err != nil {
		return nil, err
	}
	today := now.In(moscow()).Format(kabinet.DateLayout)
	if _, err := s.Payroll.PublishVacations(ctx, orgID, []payroll.VacationInput{
		{ExternalID: "V-E-007-today", EmployeeExternalID: "E-007", StartsOn: today, EndsOn: now.In(moscow()).AddDate(0, 0, 6).Format(kabinet.DateLayout), Days: 7},
	}); err != nil {
		return nil, err
	}
	latest, err := s.Push.LatestPeriod(ctx, orgID)
	if err != nil {
		return nil, err
	}
	if latest.Period != "" {
		if _, err := s.Push.RemindUnviewedPayslips(ctx, orgID, latest.Period); err != nil {
			return nil, err
		}
	}
	return activated, nil
}

// activate activates the employee's cabinet from a phone, as the app does
// (a fresh code, the password, the device), and registers its push token.
func activate(ctx context.Context, s Services, orgID, ext string) error {
	res, err := s.Activation.ReissueCode(ctx, orgID, ext, "")
	if err != nil {
		return err
	}
	dev := kabinet.Device{ClientID: "demo-phone-" + ext, Platform: kabinet.PlatformAndroid, Model: "Samsung Galaxy A54",
		AppVersion: "1.4.0", Timezone: "Europe/Moscow"}
	provider, token := kabinet.ProviderFCM, "demo-fcm-"+ext+"-0123456789abcdefghijklmnopqrstuvwxyz"
	switch ext {
	case onIPhone:
		dev.Platform, dev.Model = kabinet.PlatformIOS, "iPhone 15"
		provider, token = kabinet.ProviderAPNs, strings.Repeat("d3", 32)
	case uninstalled:
		token = RejectedTokenPrefix + ext + "-0123456789abcdefghijklmnopqrstuvwxyz"
	case "E-019":
		dev.Timezone = "Asia/Novosibirsk"
	}
	sess, err := s.Activation.Activate(ctx, activation.ActivateInput{Code: res.ActivationCode, Password: phonePassword, Device: dev})
	if err != nil {
		return err
	}
	a := &kabinet.Actor{Role: kabinet.RoleEmployee, OrgID: orgID, EmployeeID: sess.EmployeeID, DeviceID: sess.DeviceID}
	return s.Push.RegisterPushToken(ctx, a, provider, token)
}

func moscow() *time.Location {
	loc, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		return time.UTC
	}
	return loc
}
