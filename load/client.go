// Package load is Kabinet's load harness: simulated phones and a simulated
// payroll system that drive a running server through the real GraphQL
// operations, with latency percentiles, errors by extensions.code, a
// /healthz baseline measured in the same run, and the server's RSS read from
// its own /metrics.
package load

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Client speaks GraphQL over HTTP to the target.
type Client struct {
	Target string
	HTTP   *http.Client
	// Metrics is the base URL where the instance serves /metrics (its
	// KABINET_METRICS_ADDR); empty: Target.
	Metrics string
}

// NewClient returns a client with a connection pool sized for conc workers.
func NewClient(target string, conc int) *Client {
	tr := &http.Transport{MaxIdleConns: conc * 2, MaxIdleConnsPerHost: conc * 2, MaxConnsPerHost: conc * 2, IdleConnTimeout: time.Minute}
	return &Client{Target: strings.TrimRight(target, "/"), HTTP: &http.Client{Transport: tr, Timeout: 60 * time.Second}}
}

// gqlError is one GraphQL error.
type gqlError struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions"`
}

// Error is a failed operation; Code is extensions.code, or HTTP/NETWORK.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Do runs one operation and decodes data into out (may be nil).
func (c *Client) Do(ctx context.Context, token, query string, vars map[string]any, out any) error {
	return c.DoExtensions(ctx, token, query, vars, nil, out)
}

// DoExtensions is Do with the request's extensions (a persisted query's hash).
func (c *Client) DoExtensions(ctx context.Context, token, query string, vars, extensions map[string]any, out any) error {
	params := map[string]any{"query": query, "variables": vars}
	if extensions != nil {
		params["extensions"] = extensions
	}
	body, err := json.Marshal(params)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Target+"/graphql", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return &Error{Code: "NETWORK", Message: err.Error()}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return &Error{Code: "NETWORK", Message: err.Error()}
	}
	var r struct {
		Data   json.RawMessage `json:"data"`
		Errors []gqlError      `json:"errors"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return &Error{Code: fmt.Sprintf("HTTP_%d", resp.StatusCode), Message: string(raw)}
	}
	if len(r.Errors) > 0 {
		code, _ := r.Errors[0].Extensions["code"].(string)
		if code == "" {
			code = "UNKNOWN"
		}
		return &Error{Code: code, Message: r.Errors[0].Message}
	}
	if out != nil {
		return json.Unmarshal(r.Data, out)
	}
	return nil
}

// sha256Hex is a persisted query's hash.
func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// Get fetches a plain path (the /healthz baseline, /metrics).
func (c *Client) Get(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.Target+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, &Error{Code: "NETWORK", Message: err.Error()}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return b, &Error{Code: fmt.Sprintf("HTTP_%d", resp.StatusCode), Message: string(b)}
	}
	return b, err
}

// RSS reads the server's resident memory from its Prometheus process
// collector; 0 if it cannot.
func (c *Client) RSS(ctx context.Context) int64 {
	return int64(c.processMetric(ctx, "process_resident_memory_bytes"))
}

// CPU reads the server's CPU time (user and system) in seconds; 0 if it
// cannot.
func (c *Client) CPU(ctx context.Context) float64 {
	return c.processMetric(ctx, "process_cpu_seconds_total")
}

// processMetric reads one unlabelled metric from the server's /metrics
// (on its metrics address when one is set).
func (c *Client) processMetric(ctx context.Context, name string) float64 {
	base := c.Target
	if c.Metrics != "" {
		base = c.Metrics
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+"/metrics", nil)
	if err != nil {
		return 0
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			var f float64
			fmt.Sscan(v, &f)
			return f
		}
	}
	return 0
}
