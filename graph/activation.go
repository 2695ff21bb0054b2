package graph

import (
	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/activation"
	"github.com/kabinet/kabinet/graph/model"
)

// cabinetResults maps activation results to the CabinetResult type.
func cabinetResults(rs []activation.Result) []*model.CabinetResult {
	out := make([]*model.CabinetResult, len(rs))
	for i, r := range rs {
		out[i] = cabinetResult(r)
	}
	return out
}

func cabinetResult(r activation.Result) *model.CabinetResult {
	return &model.CabinetResult{EmployeeExternalID: r.EmployeeExternalID, Status: r.Status,
		ActivationCode: nullable(r.ActivationCode), LastError: nullable(r.LastError)}
}

// toDevice maps DeviceInput to the domain device.
func toDevice(d *model.DeviceInput) kabinet.Device {
	if d == nil {
		return kabinet.Device{}
	}
	return kabinet.Device{ClientID: d.ID, Platform: string(d.Platform), Model: deref(d.Model),
		AppVersion: deref(d.AppVersion), Timezone: deref(d.Timezone)}
}
