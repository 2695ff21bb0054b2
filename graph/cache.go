package graph

import (
	"container/list"
	"context"
	"sync"
)

// byteLRU is a least-recently-used cache bounded by the bytes its entries
// hold, not by their count: a few large documents cannot keep hundreds of
// megabytes alive, and thousands of small ones still fit. It implements
// gqlgen's graphql.Cache. An entry larger than a quarter of the budget is
// not kept at all, so that one request cannot flush the cache.
type byteLRU[T any] struct {
	mu    sync.Mutex
	max   int
	used  int
	size  func(key string, v T) int
	order *list.List // front: most recently used
	items map[string]*list.Element
}

type lruEntry[T any] struct {
	key   string
	value T
	size  int
}

// newByteLRU returns a cache of at most max bytes, as size counts them.
func newByteLRU[T any](max int, size func(key string, v T) int) *byteLRU[T] {
	return &byteLRU[T]{max: max, size: size, order: list.New(), items: map[string]*list.Element{}}
}

// Get returns the value under key and marks it recently used.
func (c *byteLRU[T]) Get(_ context.Context, key string) (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.order.MoveToFront(el)
		return el.Value.(*lruEntry[T]).value, true
	}
	var zero T
	return zero, false
}

// Add keeps value under key, evicting the least recently used entries
// until the cache fits its budget again.
func (c *byteLRU[T]) Add(_ context.Context, key string, value T) {
	n := c.size(key, value)
	if n > c.max/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		e := el.Value.(*lruEntry[T])
		c.used += n - e.size
		e.value, e.size = value, n
		c.order.MoveToFront(el)
	} else {
		c.items[key] = c.order.PushFront(&lruEntry[T]{key: key, value: value, size: n})
		c.used += n
	}
	for c.used > c.max {
		e := c.order.Remove(c.order.Back()).(*lruEntry[T])
		delete(c.items, e.key)
		c.used -= e.size
	}
}

// Bytes is what the entries hold, as size counts them.
func (c *byteLRU[T]) Bytes() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.used
}
