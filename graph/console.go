package graph

import (
	"context"

	"github.com/kabinet/kabinet/activation"
	"github.com/kabinet/kabinet/graph/model"
)

// dashboardCabinets reads the dashboard's cabinet figures once per
// dashboard, whichever of its fields are asked for.
func (r *dashboardResolver) dashboardCabinets(ctx context.Context, d *model.Dashboard) (*activation.Overview, error) {
	return d.Cabinets(func() (*activation.Overview, error) { return r.Activation.CabinetOverview(ctx, d.OrgID) })
}
