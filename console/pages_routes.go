package console

import "github.com/kabinet/kabinet/hr"

// pageRoutes registers the HR work pages (dashboard, employees and
// cabinets, notification settings, reminders, delivery log). This is a
// placeholder home page until they come.
func (c *Console) pageRoutes() {
	c.get("/", hr.PermView, func(r *Request) error { return r.Render("pages_home", nil) })
}
