package console

import (
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/hr"
	"github.com/kabinet/kabinet/push"
)

// reminderView is the one-off reminder: the period, the count before
// confirming (push.PreviewBroadcast), then what was planned.
type reminderView struct {
	Period    string
	Preview   *push.BroadcastPreview
	ArrivesAt string
	Sent      bool // the reminder was just sent; Planned says how many
	Planned   int
	LogLink   string
	CanManage bool
}

// reminders shows the form; with a period, the count of what a reminder
// would do now, and the button to send it.
func (c *Console) reminders(r *Request) error {
	period := strings.TrimSpace(r.C.Query("period"))
	if period == "" {
		p, err := c.cfg.Push.LatestPeriod(r.Context(), r.orgID())
		if err != nil {
			return err
		}
		period = p.Period
	}
	r.Form = &Form{Values: url.Values{"period": {period}}, Errors: map[string]string{}}
	v, err := c.reminderView(r, period, r.C.Query("period") != "")
	if err != nil {
		return err
	}
	return r.RenderStatus(statusOf(r), "pages_reminders", v)
}

func (c *Console) reminderView(r *Request, period string, preview bool) (*reminderView, error) {
	v := &reminderView{Period: period, CanManage: r.Can(hr.PermManage),
		LogLink: Prefix + "/deliveries?kind=" + kabinet.NotifyPayslipBroadcast}
	if !preview || period == "" {
		return v, nil
	}
	p, err := c.cfg.Push.PreviewBroadcast(r.Context(), r.orgID(), period)
	if kabinet.ErrorCode(err) == kabinet.EBADINPUT {
		r.Form.Fail("period", r.T("pages.reminders.err.period"))
		return v, nil
	}
	if err != nil {
		return nil, err
	}
	v.Preview = p
	loc, lerr := time.LoadLocation(p.Zone)
	if lerr != nil {
		loc = time.UTC
	}
	v.ArrivesAt = r.when(&p.ArrivesAt, loc)
	return v, nil
}

// sendReminder plans the one-off reminder (push.RemindUnviewedPayslips:
// through the outbox, inside the window; a repeat within 12 hours plans
// nothing twice) and shows how many were planned.
func (c *Console) sendReminder(r *Request) error {
	f := r.NewForm()
	period := f.Get("period")
	n, err := c.cfg.Push.RemindUnviewedPayslips(r.Context(), r.orgID(), period)
	if kabinet.ErrorCode(err) == kabinet.EBADINPUT {
		f.Fail("period", r.T("pages.reminders.err.period"))
		v, verr := c.reminderView(r, period, false)
		if verr != nil {
			return verr
		}
		return r.RenderStatus(fiber.StatusUnprocessableEntity, "pages_reminders", v)
	}
	if err != nil {
		return err
	}
	r.Log().Info("console: one-off payslip reminder", "period", period, "planned", n)
	v, err := c.reminderView(r, period, false)
	if err != nil {
		return err
	}
	v.Sent, v.Planned = true, n
	return r.Render("pages_reminders", v)
}
