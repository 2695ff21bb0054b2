package graph

import (
	"context"

	"github.com/kabinet/kabinet"
)

// orgID is the organisation of the caller. @auth has already checked the
// role, so an empty value cannot reach a store call that scopes by it.
func orgID(ctx context.Context) string { return kabinet.ActorFrom(ctx).OrgID }

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// values copies a list of gqlgen input pointers into values.
func values[T any](in []*T) []T {
	out := make([]T, len(in))
	for i, p := range in {
		if p != nil {
			out[i] = *p
		}
	}
	return out
}

// limitArg checks a page size argument: 1 to max, max when omitted.
func limitArg(limit *int, maxLimit int) (int, error) {
	if limit == nil {
		return maxLimit, nil
	}
	if *limit < 1 || *limit > maxLimit {
		return 0, kabinet.Errorf(kabinet.EBADINPUT, "limit must be between 1 and %d", maxLimit)
	}
	return *limit, nil
}

// nullable maps empty text to null.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
