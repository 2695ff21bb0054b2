package model

import (
	"sync"

	"github.com/kabinet/kabinet/activation"
)

// Dashboard is the organisation whose figures the dashboard's fields
// resolve, each only when asked for; the cabinet figures are read once.
type Dashboard struct {
	OrgID string

	once     sync.Once
	cabinets *activation.Overview
	err      error
}

// Cabinets returns the cabinet figures, loading them at the first call.
func (d *Dashboard) Cabinets(load func() (*activation.Overview, error)) (*activation.Overview, error) {
	d.once.Do(func() { d.cabinets, d.err = load() })
	return d.cabinets, d.err
}
