// Package kabinet holds the domain of the Kabinet backend: the records the
// payroll system publishes, the error type every layer speaks, the clock that
// all time-dependent logic takes, and the actor a request runs as.
//
// Adapters live in subpackages (sqlite/, graph/, server/) and import this
// package; this package imports none of them.
package kabinet

import (
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Error codes. They are the values of extensions.code in GraphQL errors
// (docs/contract.md §Errors).
const (
	EBADINPUT        = "BAD_USER_INPUT"
	EUNAUTHENTICATED = "UNAUTHENTICATED"
	EFORBIDDEN       = "FORBIDDEN"
	ENOTFOUND        = "NOT_FOUND"
	ECONFLICT        = "CONFLICT"
	ERATELIMITED     = "RATE_LIMITED"
	ERESETREQUIRED   = "RESET_REQUIRED"
	EINTERNAL        = "INTERNAL"
)

// Error is the one error type that crosses package boundaries. Its Message is
// written for the client and must never carry internals (SQL, stack traces,
// another tenant's data). Any error that is not an *Error is internal.
type Error struct {
	Code    string
	Message string
	// Items lists the rejected items of a batch, by index (BAD_USER_INPUT).
	Items []ItemError
	// RetryAfter is set on RATE_LIMITED errors.
	RetryAfter time.Duration
}

// ItemError is one rejected item of a batch operation.
type ItemError struct {
	Index      int    `json:"index"`
	ExternalID string `json:"externalId,omitempty"`
	Field      string `json:"field,omitempty"`
	Reason     string `json:"reason"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err: the code of an *Error in its chain,
// EINTERNAL for any other error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the client-safe message of err.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// BatchError collects the invalid items of a batch. Its Err returns nil when
// no item was rejected, so callers can validate everything first and write
// nothing if anything is wrong.
type BatchError struct {
	what  string
	items []ItemError
}

// NewBatchError starts a collection for a batch of the named records.
func NewBatchError(what string) *BatchError { return &BatchError{what: what} }

// Add records that item i (with the given external ID) is invalid.
func (b *BatchError) Add(i int, externalID, field, format string, args ...any) {
	b.items = append(b.items, ItemError{Index: i, ExternalID: externalID, Field: field, Reason: fmt.Sprintf(format, args...)})
}

// Len is the number of rejected items.
func (b *BatchError) Len() int { return len(b.items) }

// Err returns a BAD_USER_INPUT *Error listing every rejected item, or nil.
func (b *BatchError) Err() error {
	if len(b.items) == 0 {
		return nil
	}
	first := b.items[0]
	bad := map[int]bool{}
	for _, it := range b.items {
		bad[it.Index] = true
	}
	noun := "items"
	if len(bad) == 1 {
		noun = "item"
	}
	msg := fmt.Sprintf("the batch of %s has %d invalid %s; nothing was written (first: item %d: %s)", b.what, len(bad), noun, first.Index, first.Reason)
	return &Error{Code: EBADINPUT, Message: msg, Items: b.items}
}

// Clock tells the time. Logic never calls time.Now; it takes a Clock so that
// tests can move time without sleeping.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns the current time in UTC.
func (SystemClock) Now() time.Time { return time.Now().UTC() }

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewID returns a random public identifier such as "ps_3xq…": a type prefix
// and 80 random bits. IDs carry no order and no tenant, so they reveal
// nothing about other organisations.
func NewID(prefix string) string {
	var b [10]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return prefix + "_" + idEncoding.EncodeToString(b[:])
}

// RandomToken returns n random bytes encoded in unpadded lower-case base32,
// for secrets such as API keys.
func RandomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return strings.ToLower(idEncoding.EncodeToString(b))
}
