package app

import (
	"testing"
	"time"
)

func TestMemoryReleaser(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	var last time.Time
	n := 0
	r := &memoryReleaser{lastRequest: func() time.Time { return last }, idle: 10 * time.Second, release: func() { n++ }}
	for _, step := range []struct {
		last time.Time // zero: unchanged
		now  time.Time
		want int
	}{
		{now: t0, want: 0}, // never served
		{last: t0, now: t0.Add(5 * time.Second), want: 0}, // not idle long enough
		{now: t0.Add(10 * time.Second), want: 1},          // idle: release
		{now: t0.Add(60 * time.Second), want: 1},          // still idle: nothing new to release
		{last: t0.Add(61 * time.Second), now: t0.Add(62 * time.Second), want: 1},
		{now: t0.Add(75 * time.Second), want: 2}, // idle again after new requests
	} {
		if !step.last.IsZero() {
			last = step.last
		}
		r.check(step.now)
		if n != step.want {
			t.Fatalf("at %s: got %d releases, want %d", step.now.Sub(t0), n, step.want)
		}
	}
}
