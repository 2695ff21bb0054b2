package console

import (
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/push"
)

// deliveriesView is the delivery log with its filters.
type deliveriesView struct {
	Kinds, Statuses []option
	Providers       []string
	Rows            []deliveryRow
	Limit           int
}

// deliveryLogLimit is the most lines the page shows.
const deliveryLogLimit = 200

// deliveries shows the log that the filters (employee, kind, status,
// provider, dates in the organisation's zone) select, each line with its
// attempts: push.Deliveries, whose refusals go next to their fields.
func (c *Console) deliveries(r *Request) error {
	f := &Form{Values: queryValues(r), Errors: map[string]string{}}
	r.Form = f
	v := &deliveriesView{Kinds: r.options("pages.kind.", push.Kinds), Statuses: r.options("pages.dstatus.", push.DeliveryStatuses),
		Providers: []string{kabinet.ProviderFCM, kabinet.ProviderAPNs}, Limit: deliveryLogLimit}
	loc := c.zone(r)
	q := push.DeliveryQuery{EmployeeExternalID: f.Get("employee"), Kind: f.Get("kind"), Status: f.Get("status"),
		Provider: f.Get("provider"), Limit: deliveryLogLimit}
	q.From = r.dateField(f, "from", loc, 0)
	q.To = r.dateField(f, "to", loc, 1)
	if f.OK() {
		ds, err := c.cfg.Push.Deliveries(r.Context(), r.orgID(), q)
		switch {
		case kabinet.ErrorCode(err) == kabinet.ENOTFOUND:
			f.Fail("employee", r.T("pages.deliveries.err.employee"))
		case r.fieldErrors(f, err, map[string]string{"kind": "kind", "status": "status", "provider": "provider", "to": "to"}):
		case err != nil:
			return err
		default:
			v.Rows = deliveryRows(r, ds, loc)
		}
	}
	return r.RenderStatus(statusOf(r), "pages_deliveries", v)
}

// dateField reads a date field (YYYY-MM-DD, the date input's format) as
// the start of that day plus days in loc; zero when empty.
func (r *Request) dateField(f *Form, name string, loc *time.Location, days int) time.Time {
	s := f.Get(name)
	if s == "" {
		return time.Time{}
	}
	d, err := time.ParseInLocation(kabinet.DateLayout, s, loc)
	if err != nil {
		f.Fail(name, r.T("pages.deliveries.err.date"))
		return time.Time{}
	}
	return d.AddDate(0, 0, days)
}
