package console

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/hr"
	"github.com/kabinet/kabinet/push"
)

// settingsView is the notification settings form with its previews.
type settingsView struct {
	Zones       []string
	Texts       []textField
	Arrival     *arrivalView
	Saved       bool
	Placeholder string
	CanManage   bool
	Partial     bool // an htmx fragment: the text previews come out of band
}

// textField is the Russian wording of one kind, with its preview.
type textField struct {
	Kind, Label, Title, Body         string
	PreviewTitle, PreviewBody, Error string
}

// arrivalView is when reminders planned now would arrive.
type arrivalView struct {
	Zone, Now, OneOff, Window string
	Payslip                   []stageRow
	Error                     string
}

type stageRow struct {
	Days int
	At   string
}

// settingsZones are the zones offered for the organisation and the
// preview: Russia's, west to east (any IANA zone may be typed).
var settingsZones = []string{"Europe/Kaliningrad", "Europe/Moscow", "Europe/Samara", "Asia/Yekaterinburg", "Asia/Omsk",
	"Asia/Novosibirsk", "Asia/Krasnoyarsk", "Asia/Irkutsk", "Asia/Yakutsk", "Asia/Vladivostok", "Asia/Magadan", "Asia/Kamchatka"}

// textLocale is the locale of the texts the console edits: the employees'.
const textLocale = push.LocaleRU

// settingsFields maps the service's field names to the form's.
var settingsFields = map[string]string{"windowStart": "window_start", "windowEnd": "window_end", "sendDelaySeconds": "send_delay",
	"payslipReminderDays": "payslip_days", "vacationReminderDaysBefore": "vacation_days",
	"managerVacationReminderDaysBefore": "manager_days", "timezone": "timezone", "texts": "texts", "zone": "preview_zone"}

// settings shows the form: the saved settings, or (with ?preview=1, the
// form's no-script preview button) the values in the URL.
func (c *Console) settings(r *Request) error {
	st, err := c.cfg.Push.Settings(r.Context(), r.orgID())
	if err != nil {
		return err
	}
	f := &Form{Values: settingsValues(st), Errors: map[string]string{}}
	if r.C.Query("preview") != "" {
		f.Values = queryValues(r)
	}
	r.Form = f
	v := c.settingsView(r, st)
	v.Saved = r.C.Query("saved") != ""
	return r.Render("pages_settings", v)
}

// settingsPreview is the htmx fragment of the previews, computed from the
// form's current (unsaved) values.
func (c *Console) settingsPreview(r *Request) error {
	st, err := c.cfg.Push.Settings(r.Context(), r.orgID())
	if err != nil {
		return err
	}
	r.Form = &Form{Values: queryValues(r), Errors: map[string]string{}}
	v := c.settingsView(r, st)
	v.Partial = true
	return r.Partial("pages_settings", "previews", v)
}

func queryValues(r *Request) url.Values {
	v := url.Values{}
	r.C.Request().URI().QueryArgs().VisitAll(func(k, val []byte) { v.Add(string(k), string(val)) })
	return v
}

// saveSettings stores the form through push.UpdateSettings; a refusal puts
// every invalid field's reason next to it and saves nothing.
func (c *Console) saveSettings(r *Request) error {
	f := r.NewForm()
	st, err := c.cfg.Push.Settings(r.Context(), r.orgID())
	if err != nil {
		return err
	}
	in := settingsInput(r, f, st)
	if f.OK() {
		_, err = c.cfg.Push.UpdateSettings(r.Context(), r.orgID(), in)
		if err == nil {
			r.Log().Info("console: notification settings saved")
			return r.Redirect(Prefix + "/settings?saved=1")
		}
		if !r.fieldErrors(f, err, settingsFields) {
			return err
		}
	}
	return r.RenderStatus(fiber.StatusUnprocessableEntity, "pages_settings", c.settingsView(r, st))
}

// settingsValues are the form's values of saved settings.
func settingsValues(st *kabinet.NotificationSettings) url.Values {
	v := url.Values{}
	v.Set("window_start", st.WindowStart)
	v.Set("window_end", st.WindowEnd)
	v.Set("send_delay", strconv.Itoa(int(st.SendDelay/time.Minute)))
	v.Set("payslip_days", joinDays(st.PayslipDays))
	v.Set("vacation_days", joinDays(st.VacationDays))
	v.Set("manager_days", joinDays(st.ManagerDays))
	v.Set("timezone", st.Timezone)
	v.Set("preview_zone", "Asia/Vladivostok")
	for _, t := range st.Texts {
		if t.Locale == textLocale {
			v.Set("title_"+t.Kind, t.Title)
			v.Set("body_"+t.Kind, t.Body)
		}
	}
	return v
}

func joinDays(days []int) string {
	s := make([]string, len(days))
	for i, d := range days {
		s[i] = strconv.Itoa(d)
	}
	return strings.Join(s, ", ")
}

// settingsInput reads the form into the service's input. What the form
// itself cannot parse (a day that is not a number) fails its field; every
// rule on values is push's (UpdateSettings, PreviewArrival).
func settingsInput(r *Request, f *Form, st *kabinet.NotificationSettings) push.SettingsInput {
	in := push.SettingsInput{}
	str := func(name string) *string { s := f.Get(name); return &s }
	in.WindowStart, in.WindowEnd, in.Timezone = str("window_start"), str("window_end"), str("timezone")
	if s := f.Get("send_delay"); s != "" {
		m, err := strconv.Atoi(s)
		if err != nil {
			f.Fail("send_delay", r.T("pages.settings.err.minutes"))
		} else {
			sec := m * 60
			in.SendDelaySeconds = &sec
		}
	} else {
		zero := 0
		in.SendDelaySeconds = &zero
	}
	for _, d := range []struct {
		name string
		dst  *[]int
	}{{"payslip_days", &in.PayslipDays}, {"vacation_days", &in.VacationDays}, {"manager_days", &in.ManagerDays}} {
		days, err := parseDays(f.Get(d.name))
		if err != nil {
			f.Fail(d.name, r.T("pages.settings.err.days"))
			continue
		}
		*d.dst = days
	}
	// Texts of other locales are kept; the form edits the Russian ones.
	in.Texts = []kabinet.NotificationText{}
	for _, t := range st.Texts {
		if t.Locale != textLocale {
			in.Texts = append(in.Texts, t)
		}
	}
	for _, kind := range push.Kinds {
		title, body := f.Get("title_"+kind), f.Get("body_"+kind)
		if title == "" && body == "" {
			continue
		}
		in.Texts = append(in.Texts, kabinet.NotificationText{Kind: kind, Locale: textLocale, Title: title, Body: body})
	}
	return in
}

// parseDays reads "5, 8, 10" (commas or spaces); "" is no day.
func parseDays(s string) ([]int, error) {
	out := []int{}
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
		n, err := strconv.Atoi(p)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// settingsView computes the previews of the form's values: the arrival
// times (push.PreviewArrival) and each kind's text (push.TextPreview).
func (c *Console) settingsView(r *Request, st *kabinet.NotificationSettings) *settingsView {
	f := r.Form
	v := &settingsView{Zones: settingsZones, Placeholder: strings.Join(push.Placeholders, " "), CanManage: r.Can(hr.PermManage)}
	for _, kind := range push.Kinds {
		tf := textField{Kind: kind, Label: r.label("pages.kind.", kind), Title: f.Values.Get("title_" + kind), Body: f.Values.Get("body_" + kind)}
		title, body, err := push.TextPreview(kind, textLocale, strings.TrimSpace(tf.Title), strings.TrimSpace(tf.Body))
		if err != nil {
			tf.Error = kabinet.ErrorMessage(err)
		}
		tf.PreviewTitle, tf.PreviewBody = title, body
		v.Texts = append(v.Texts, tf)
	}
	probe := &Form{Values: f.Values, Errors: map[string]string{}}
	in := settingsInput(r, probe, st)
	a := &arrivalView{Zone: f.Values.Get("preview_zone")}
	v.Arrival = a
	if !probe.OK() {
		for _, e := range probe.Errors {
			a.Error = e
		}
		return v
	}
	in.Texts = nil // the texts do not move arrival times
	p, err := c.cfg.Push.PreviewArrival(r.Context(), r.orgID(), in, a.Zone)
	if err != nil {
		a.Error = kabinet.ErrorMessage(err)
		return v
	}
	loc, err := time.LoadLocation(p.Zone)
	if err != nil {
		loc = time.UTC
	}
	a.Zone = p.Zone
	a.Now, a.OneOff = r.when(&p.Now, loc), r.when(&p.OneOff, loc)
	a.Window = fmt.Sprintf("%s–%s", p.Settings.WindowStart, p.Settings.WindowEnd)
	for _, s := range p.Payslip {
		a.Payslip = append(a.Payslip, stageRow{Days: s.Days, At: r.when(&s.At, loc)})
	}
	return v
}
