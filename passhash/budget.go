package passhash

import (
	"context"
	"sync/atomic"

	"github.com/kabinet/kabinet"
)

// A request may ask for many expensive operations at once (a GraphQL
// document with a hundred aliased login mutations). The budget bounds them
// per request: the transport puts one in the request's context, and every
// operation that checks or sets a password (or an old argon2id PIN) spends
// from it before hashing. A context without a budget (workers, the command
// line) is not limited.

type budgetKey struct{}

// WithBudget returns ctx allowing n hashing operations.
func WithBudget(ctx context.Context, n int) context.Context {
	b := new(atomic.Int32)
	b.Store(int32(n))
	return context.WithValue(ctx, budgetKey{}, b)
}

// Spend takes one hashing operation from the context's budget, or returns
// BAD_USER_INPUT when it is spent: the request asked for more password
// checks than one request may make.
func Spend(ctx context.Context) error {
	b, ok := ctx.Value(budgetKey{}).(*atomic.Int32)
	if !ok || b.Add(-1) >= 0 {
		return nil
	}
	return kabinet.Errorf(kabinet.EBADINPUT, "one request may check or set only one password or PIN: send each sign-in as its own request")
}
