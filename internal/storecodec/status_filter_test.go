package storecodec_test

import (
	"slices"
	"testing"

	"github.com/kabinet/kabinet/internal/storecodec"
)

// TestStoredInvertsTheShownStatus: a filter by a shown status selects
// exactly the stored statuses (and error conditions) shown as it.
func TestStoredInvertsTheShownStatus(t *testing.T) {
	shown := map[string]bool{}
	for _, s := range storecodec.OutboxStored {
		shown[storecodec.OutboxStatus(s)] = true
	}
	for _, s := range storecodec.DeliveryStored {
		shown[storecodec.DeliveryStatus(s, "")], shown[storecodec.DeliveryStatus(s, "x")] = true, true
	}
	for status := range shown {
		st, ok := storecodec.Stored(status)
		if !ok {
			t.Fatalf("Stored(%s): got false, want the stored statuses", status)
		}
		for _, s := range storecodec.OutboxStored {
			if got, want := slices.Contains(st.Outbox, s), storecodec.OutboxStatus(s) == status; got != want {
				t.Errorf("%s: outbox %s selected %v, want %v", status, s, got, want)
			}
		}
		for _, s := range storecodec.DeliveryStored {
			for _, e := range []string{"", "x"} {
				sel := slices.Contains(st.Delivery, s) && (st.Error == storecodec.AnyError ||
					st.Error == storecodec.NoError && e == "" || st.Error == storecodec.WithError && e != "")
				if want := storecodec.DeliveryStatus(s, e) == status; sel != want {
					t.Errorf("%s: delivery %s with error %q selected %v, want %v", status, s, e, sel, want)
				}
			}
		}
	}
	if _, ok := storecodec.Stored("LOST"); ok {
		t.Errorf("Stored(LOST): got true, want false")
	}
}
