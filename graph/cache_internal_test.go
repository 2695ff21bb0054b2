package graph

import (
	"context"
	"strings"
	"testing"
)

// TestByteLRU: the cache holds at most its budget in bytes, evicts the
// least recently used entries first, and keeps nothing over a quarter of
// the budget.
func TestByteLRU(t *testing.T) {
	ctx := context.Background()
	c := newByteLRU(1000, func(k, v string) int { return len(k) + len(v) })
	c.Add(ctx, "a", strings.Repeat("x", 199)) // 200
	c.Add(ctx, "b", strings.Repeat("x", 199))
	c.Add(ctx, "c", strings.Repeat("x", 199))
	c.Get(ctx, "a") // b is now the least recently used
	c.Add(ctx, "d", strings.Repeat("x", 199))
	c.Add(ctx, "e", strings.Repeat("x", 199))
	c.Add(ctx, "f", strings.Repeat("x", 199))
	if _, ok := c.Get(ctx, "b"); ok {
		t.Error("got b, want it evicted first")
	}
	if _, ok := c.Get(ctx, "a"); !ok {
		t.Error("a was used recently and evicted")
	}
	if c.Bytes() > 1000 {
		t.Errorf("got %d bytes, want at most 1000", c.Bytes())
	}
	c.Add(ctx, "huge", strings.Repeat("x", 300))
	if _, ok := c.Get(ctx, "huge"); ok {
		t.Error("kept an entry over a quarter of the budget")
	}
}
