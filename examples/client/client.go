// Package client is a small GraphQL client for Kabinet, for payroll and HR
// integrations: it sends an operation with a bearer token (an organisation
// API key), decodes the answer, and turns GraphQL errors into *Error values
// that carry what an integration acts on: the code, the refused items of a
// batch (extensions.items), and RATE_LIMITED's retry-after, which Do waits
// out and retries. The examples and `kabinet import` use it; copy it freely.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Client talks to one Kabinet server.
type Client struct {
	URL   string // base URL, e.g. http://localhost:8080 (/graphql is added)
	Token string // Authorization: Bearer …; "" for none
	HTTP  *http.Client
	// MaxRetries bounds the retries of a RATE_LIMITED answer; MaxWait bounds
	// one wait (a longer retry-after is returned as the error instead).
	MaxRetries int
	MaxWait    time.Duration
	// Sleep waits (tests shorten it); nil: a timer that ctx can cancel.
	Sleep func(ctx context.Context, d time.Duration) error
}

// New returns a client with sensible limits: 30 s per request, three
// retries of RATE_LIMITED waiting at most a minute each.
func New(url, token string) *Client {
	return &Client{URL: strings.TrimRight(url, "/"), Token: token, HTTP: &http.Client{Timeout: 30 * time.Second}, MaxRetries: 3, MaxWait: time.Minute}
}

// Item is one refused item of a batch (extensions.items): its index in the
// input list, its external ID, the field and the reason.
type Item struct {
	Index      int    `json:"index"`
	ExternalID string `json:"externalId"`
	Field      string `json:"field"`
	Reason     string `json:"reason"`
}

// Error is one GraphQL error with its extensions decoded.
type Error struct {
	Message    string
	Code       string        // extensions.code: BAD_USER_INPUT, UNAUTHENTICATED, RATE_LIMITED, RESET_REQUIRED, …
	Items      []Item        // extensions.items of a refused batch
	RetryAfter time.Duration // extensions.retryAfterSeconds of RATE_LIMITED
	Path       []any
}

func (e *Error) Error() string {
	if e.Code == "" {
		return e.Message
	}
	return e.Code + ": " + e.Message
}

// Code is the extensions.code of err ("" when err is not an *Error).
func Code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

type wireError struct {
	Message    string `json:"message"`
	Path       []any  `json:"path"`
	Extensions struct {
		Code              string `json:"code"`
		Items             []Item `json:"items"`
		RetryAfterSeconds int    `json:"retryAfterSeconds"`
	} `json:"extensions"`
}

// Do sends the operation and decodes data into out (if not nil). The first
// GraphQL error is returned as an *Error (a mutation's errors fail it
// whole). RATE_LIMITED is retried after its retry-after, up to MaxRetries.
func (c *Client) Do(ctx context.Context, query string, vars map[string]any, out any) error {
	for attempt := 0; ; attempt++ {
		err := c.once(ctx, query, vars, out)
		var e *Error
		if !errors.As(err, &e) || e.Code != "RATE_LIMITED" || attempt >= c.MaxRetries || e.RetryAfter > c.MaxWait {
			return err
		}
		wait := max(e.RetryAfter, time.Second)
		if err := c.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

func (c *Client) once(ctx context.Context, query string, vars map[string]any, out any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL+"/graphql", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json, application/json")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	var res struct {
		Data   json.RawMessage `json:"data"`
		Errors []wireError     `json:"errors"`
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		return fmt.Errorf("HTTP %d: not a GraphQL response: %.200s", resp.StatusCode, raw)
	}
	if len(res.Errors) > 0 {
		w := res.Errors[0]
		return &Error{Message: w.Message, Code: w.Extensions.Code, Items: w.Extensions.Items, Path: w.Path,
			RetryAfter: time.Duration(w.Extensions.RetryAfterSeconds) * time.Second}
	}
	if out != nil {
		return json.Unmarshal(res.Data, out)
	}
	return nil
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
