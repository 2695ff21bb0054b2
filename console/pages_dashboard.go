package console

import (
	"fmt"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/activation"
	"github.com/kabinet/kabinet/push"
)

// dashboardView is the dashboard's data: every figure comes from the
// services (activation.CabinetOverview, push.LatestPeriod, push.Activity).
type dashboardView struct {
	Statuses        []statusFigure
	Employees       int
	ActivationRate  string
	WithoutContacts int
	Period          *kabinet.PeriodViews
	Days            []dayRow
	Chart           chart
}

// statusFigure is one cabinet status with its count.
type statusFigure struct {
	Status string
	Count  int
}

// dayRow is one day of the activity table (the chart's accessible twin).
type dayRow struct {
	Label string
	push.DayActivity
}

func (c *Console) dashboard(r *Request) error {
	ctx, org := r.Context(), r.orgID()
	ov, err := c.cfg.Activation.CabinetOverview(ctx, org)
	if err != nil {
		return err
	}
	period, err := c.cfg.Push.LatestPeriod(ctx, org)
	if err != nil {
		return err
	}
	days, err := c.cfg.Push.Activity(ctx, org)
	if err != nil {
		return err
	}
	v := dashboardView{Employees: ov.Employees, WithoutContacts: ov.WithoutContacts,
		ActivationRate: fmt.Sprintf("%.0f %%", ov.ActivationRate*100)}
	for _, st := range activation.Statuses {
		v.Statuses = append(v.Statuses, statusFigure{Status: st, Count: ov.ByStatus[st]})
	}
	if period.Period != "" {
		v.Period = period
	}
	for _, d := range days {
		v.Days = append(v.Days, dayRow{Label: r.day(d.Day), DayActivity: d})
	}
	v.Chart = activityChart(v.Days)
	return r.Render("pages_dashboard", v)
}

// chart is a grouped bar chart drawn as inline SVG by the template: the
// geometry is computed here, so the page needs no script.
type chart struct {
	Width, Height, Base int
	Bars                []bar
	Labels              []chartLabel
	Max                 int
}

// bar is one bar: its box, its colour and its value (for the tooltip).
type bar struct {
	X, Y, W, H int
	Fill       string
	Value      int
	Series     string // sent, failed, held
}

// chartLabel is a day's label under its group of bars.
type chartLabel struct {
	X    int
	Text string
}

// Colours of the series (the legend uses the same).
const (
	fillSent   = "#1e7b34"
	fillFailed = "#b3261e"
	fillHeld   = "#c98a00"
)

// activityChart lays out the days' sent, failed and held counts: one
// group of three bars per day, scaled to the largest count.
func activityChart(days []dayRow) chart {
	const groupW, barW, top, plotH = 84, 22, 12, 150
	ch := chart{Width: groupW*len(days) + 16, Height: top + plotH + 28, Base: top + plotH}
	for _, d := range days {
		ch.Max = max(ch.Max, d.Sent, d.Failed, d.Held)
	}
	scale := func(n int) int {
		if ch.Max == 0 {
			return 0
		}
		h := n * plotH / ch.Max
		if n > 0 && h < 2 {
			h = 2 // a non-zero count stays visible
		}
		return h
	}
	for i, d := range days {
		x := 16 + i*groupW
		for j, s := range []struct {
			n            int
			fill, series string
		}{{d.Sent, fillSent, "sent"}, {d.Failed, fillFailed, "failed"}, {d.Held, fillHeld, "held"}} {
			h := scale(s.n)
			ch.Bars = append(ch.Bars, bar{X: x + j*barW, Y: ch.Base - h, W: barW - 4, H: h, Fill: s.fill, Value: s.n, Series: s.series})
		}
		ch.Labels = append(ch.Labels, chartLabel{X: x + (3*barW)/2 - 2, Text: d.Label})
	}
	return ch
}
