package console

import (
	"net/url"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/hr"
	"github.com/kabinet/kabinet/push"
)

// employeeView is one employee's page: the cabinet and its history, the
// devices, the sign-ins, the deliveries and the payslips.
type employeeView struct {
	Employee  *kabinet.Employee
	Name      string
	Cabinet   cabinetView
	History   []eventRow
	Devices   []deviceRow
	Logins    []loginRow
	Delivery  []deliveryRow
	Payslips  []payslipRow
	LogLink   string
	CanManage bool
}

type cabinetView struct {
	Status, Login, LastError, LastChannel string
	InvitedAt, ActivatedAt, CodeExpires   string
	Created                               bool
}

type eventRow struct{ At, Status, Reason, Channel string }

type deviceRow struct{ Model, Platform, AppVersion, Timezone, LastSeen, SignedIn, QuickLogin string }

type loginRow struct{ At, Method, Outcome, Device, Address string }

type payslipRow struct {
	Period, Published, Accrued, Deducted, NetPay, Paid, Viewed string
	Withdrawn                                                  bool
	Lines                                                      []kabinet.PayslipLine
}

// Limits of the employee page's lists.
const (
	employeeLogins     = 20
	employeeDeliveries = 50
	employeePayslips   = 24
)

func (c *Console) employee(r *Request) error {
	ctx, org := r.Context(), r.orgID()
	cab, events, err := c.cfg.Activation.EmployeeCabinet(ctx, org, r.C.Params("id"))
	if err != nil {
		return err
	}
	e, loc := cab.Employee, c.zone(r)
	v := employeeView{Employee: e, Name: fullName(e), CanManage: r.Can(hr.PermManage),
		LogLink: Prefix + "/deliveries?employee=" + url.QueryEscape(e.ExternalID)}
	v.Cabinet = cabinetView{Status: cab.Status, Login: cab.Login, LastError: cab.LastError, LastChannel: cab.LastChannel,
		InvitedAt: r.when(cab.InvitedAt, loc), ActivatedAt: r.when(cab.ActivatedAt, loc), CodeExpires: r.when(cab.CodeExpires, loc),
		Created: cab.Status != kabinet.CabinetNotCreated}
	for i := len(events) - 1; i >= 0; i-- { // newest first
		ev := events[i]
		v.History = append(v.History, eventRow{At: r.when(&ev.At, loc), Status: ev.Status, Reason: ev.Reason, Channel: ev.Channel})
	}
	devices, err := c.cfg.Auth.EmployeeDevices(ctx, org, e)
	if err != nil {
		return err
	}
	for _, d := range devices {
		v.Devices = append(v.Devices, deviceRow{Model: d.Model, Platform: d.Platform, AppVersion: d.AppVersion, Timezone: d.Timezone,
			LastSeen: r.when(&d.LastSeenAt, loc), SignedIn: r.when(&d.FirstSeenAt, loc), QuickLogin: d.QuickLoginMethod})
	}
	logins, err := c.cfg.Auth.EmployeeLoginHistory(ctx, org, e, employeeLogins)
	if err != nil {
		return err
	}
	for _, l := range logins {
		v.Logins = append(v.Logins, loginRow{At: r.when(&l.At, loc), Method: l.Method, Outcome: loginOutcome(l), Device: l.DeviceModel, Address: l.Address})
	}
	ds, err := c.cfg.Push.Deliveries(ctx, org, push.DeliveryQuery{EmployeeExternalID: e.ExternalID, Limit: employeeDeliveries})
	if err != nil {
		return err
	}
	v.Delivery = deliveryRows(r, ds, loc)
	slips, err := c.cfg.Payroll.Payslips(ctx, org, kabinet.PayslipFilter{EmployeeID: e.ID, IncludeRetracted: true, Limit: employeePayslips})
	if err != nil {
		return err
	}
	for _, p := range slips {
		v.Payslips = append(v.Payslips, payslipRow{Period: p.Period, Published: r.when(&p.PublishedAt, loc),
			Accrued: p.Accrued.String(), Deducted: p.Deducted.String(), NetPay: p.NetPay().String(), Paid: p.Paid.String(),
			Viewed: r.when(p.ViewedAt, loc), Withdrawn: p.RetractedAt != nil, Lines: p.Lines})
	}
	return r.Render("pages_employee", v)
}

// loginOutcome is a sign-in's outcome for people: OK or the reason.
func loginOutcome(l *kabinet.LoginEvent) string {
	if l.Success {
		return "OK"
	}
	return l.Reason
}

// deliveryRow is one line of a delivery log.
type deliveryRow struct {
	Kind, KindLabel, StatusLabel, Employee, EmployeeName, Platform, Provider, Status, Planned, Sent, Error string
	Stage                                                                                                  int
	Attempts                                                                                               []attemptRow
	EmployeeLink                                                                                           string
}

type attemptRow struct{ At, Outcome, Error string }

func deliveryRows(r *Request, ds []*kabinet.Delivery, loc *time.Location) []deliveryRow {
	out := make([]deliveryRow, 0, len(ds))
	for _, d := range ds {
		row := deliveryRow{Kind: d.Kind, KindLabel: r.label("pages.kind.", d.Kind), StatusLabel: r.label("pages.dstatus.", d.Status), Stage: d.Stage, Employee: d.EmployeeExternalID, EmployeeName: d.EmployeeName,
			Platform: d.Platform, Provider: d.Provider, Status: d.Status, Planned: r.when(&d.PlannedAt, loc), Sent: r.when(d.SentAt, loc),
			Error: d.Error, EmployeeLink: Prefix + "/employees/" + url.PathEscape(d.EmployeeExternalID)}
		for _, a := range d.Attempts {
			row.Attempts = append(row.Attempts, attemptRow{At: r.when(&a.At, loc), Outcome: a.Outcome, Error: a.Error})
		}
		out = append(out, row)
	}
	return out
}
