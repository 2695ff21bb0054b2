package storecodec

import "github.com/kabinet/kabinet"

// OutboxStatus is how HR's delivery log shows an outbox row's stored status
// before it was fanned out to devices.
func OutboxStatus(s string) string {
	switch s {
	case "PLANNED":
		return kabinet.DeliveryPlanned
	case "CANCELLED":
		return kabinet.DeliveryCancelled
	case "NO_DEVICE":
		return kabinet.DeliveryUndeliverable
	}
	return kabinet.DeliveryPlanned
}

// DeliveryStatus is how HR's delivery log shows a delivery's stored status
// and last error.
func DeliveryStatus(s, errText string) string {
	switch s {
	case "PENDING", "CLAIMED":
		if errText != "" {
			return kabinet.DeliveryRetrying
		}
		return kabinet.DeliveryPlanned
	case "SENDING":
		return kabinet.DeliverySending
	}
	return s // SENT, FAILED, CANCELLED, UNDELIVERABLE
}

// Missing returns the ids of want that are not in got.
func Missing(want, got []string) []string {
	if len(got) == len(want) {
		return nil
	}
	in := make(map[string]bool, len(got))
	for _, id := range got {
		in[id] = true
	}
	var out []string
	for _, id := range want {
		if !in[id] {
			out = append(out, id)
		}
	}
	return out
}
