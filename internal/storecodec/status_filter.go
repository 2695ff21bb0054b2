package storecodec

import "github.com/kabinet/kabinet"

// Stored statuses of the push outbox and of its deliveries, as both stores
// write them. OutboxStatus and DeliveryStatus show them to HR; Stored is the
// way back, for filters.
var (
	OutboxStored   = []string{"PLANNED", "DISPATCHED", "NO_DEVICE", "CANCELLED"}
	DeliveryStored = []string{"PENDING", "CLAIMED", "SENDING", "SENT", "FAILED", "CANCELLED", "UNDELIVERABLE", kabinet.DeliveryUnconfirmed}
)

// Delivery error conditions of StoredStatuses.
const (
	AnyError  = 0
	NoError   = 1
	WithError = 2
)

// StoredStatuses are the stored statuses a status shown to HR comes from:
// an outbox row not fanned out with one of Outbox, or a delivery with one
// of Delivery whose error matches Error.
type StoredStatuses struct {
	Outbox, Delivery []string
	Error            int
}

// Stored returns the stored statuses that OutboxStatus and DeliveryStatus
// show as shown; false for a status they never show.
func Stored(shown string) (StoredStatuses, bool) {
	var st StoredStatuses
	for _, s := range OutboxStored {
		if OutboxStatus(s) == shown {
			st.Outbox = append(st.Outbox, s)
		}
	}
	errs := map[int]bool{}
	for _, s := range DeliveryStored {
		for _, e := range []string{"", "an error"} {
			if DeliveryStatus(s, e) != shown {
				continue
			}
			if len(st.Delivery) == 0 || st.Delivery[len(st.Delivery)-1] != s {
				st.Delivery = append(st.Delivery, s)
			}
			errs[len(e)] = true
		}
	}
	switch {
	case errs[0] && !errs[len("an error")]:
		st.Error = NoError
	case !errs[0] && errs[len("an error")]:
		st.Error = WithError
	}
	return st, len(st.Outbox)+len(st.Delivery) > 0
}
