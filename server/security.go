package server

import (
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// securityHeaders sets the headers of a public API on every response.
func (s *Server) securityHeaders(c *fiber.Ctx) error {
	s.setSecurityHeaders(c)
	return c.Next()
}

// setSecurityHeaders: no response is cached (GraphQL answers carry tokens
// and personal data), none is sniffed as another type, no page leaks a
// Referer, and a request that came over TLS is told to keep to it.
func (s *Server) setSecurityHeaders(c *fiber.Ctx) {
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
	if s.cfg.HSTSMaxAge > 0 && s.overTLS(c) {
		c.Set(fiber.HeaderStrictTransportSecurity, "max-age="+strconv.Itoa(int(s.cfg.HSTSMaxAge.Seconds())))
	}
}

// overTLS reports whether the client's request came over TLS: to this
// server, or to a trusted proxy that says so.
func (s *Server) overTLS(c *fiber.Ctx) bool {
	if c.Context().IsTLS() {
		return true
	}
	if !s.trusted(c.Context().RemoteAddr().String()) {
		return false
	}
	if strings.EqualFold(strings.TrimSpace(lastHop(c.Get(fiber.HeaderXForwardedProto))), "https") {
		return true
	}
	for _, el := range forwardedElements(c.Get("Forwarded")) {
		if strings.EqualFold(el["proto"], "https") {
			return true
		}
	}
	return false
}

// ParseProxies parses a comma-separated list of CIDR prefixes or single
// addresses (KABINET_TRUSTED_PROXIES).
func ParseProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an address nor a CIDR prefix", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// trusted reports whether addr (an IP, with or without a port) is a
// trusted proxy.
func (s *Server) trusted(addr string) bool {
	if len(s.cfg.TrustedProxies) == 0 {
		return false
	}
	a, ok := parseIP(addr)
	if !ok {
		return false
	}
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientAddr is the client's IP address. The socket's peer is the client
// unless it is a trusted proxy; then the forwarding headers are read from
// the right (the hop nearest to us), and the first address that is not a
// trusted proxy is the client: a client cannot choose its address by
// sending a forged header, since its own hop is appended after it.
func (s *Server) clientAddr(remote string, h http.Header) string {
	peer, ok := parseIP(remote)
	if !ok {
		return remote
	}
	if !s.trusted(remote) {
		return peer.String()
	}
	var hops []string
	if v := h.Values("Forwarded"); len(v) > 0 {
		for _, el := range forwardedElements(strings.Join(v, ",")) {
			hops = append(hops, el["for"])
		}
	} else if v := h.Values("X-Forwarded-For"); len(v) > 0 {
		hops = strings.Split(strings.Join(v, ","), ",")
	} else if v := h.Get("X-Real-Ip"); v != "" {
		hops = []string{v}
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseIP(strings.TrimSpace(hops[i]))
		if !ok {
			break // an unknown or obfuscated hop: the last one known stands
		}
		client = a
		if !s.trusted(a.String()) {
			break
		}
	}
	return client.String()
}

// parseIP reads an IP address, with or without a port, brackets or quotes.
func parseIP(s string) (netip.Addr, bool) {
	s = strings.Trim(strings.TrimSpace(s), `"`)
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	a, err := netip.ParseAddr(strings.Trim(s, "[]"))
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// forwardedElements splits a Forwarded header (RFC 7239) into its
// elements' lower-case parameters.
func forwardedElements(v string) []map[string]string {
	var out []map[string]string
	for _, el := range strings.Split(v, ",") {
		m := map[string]string{}
		for _, pair := range strings.Split(el, ";") {
			k, val, ok := strings.Cut(strings.TrimSpace(pair), "=")
			if ok {
				m[strings.ToLower(k)] = strings.Trim(val, `"`)
			}
		}
		out = append(out, m)
	}
	return out
}

// lastHop is the last element of a comma-separated header.
func lastHop(v string) string {
	if i := strings.LastIndexByte(v, ','); i >= 0 {
		return v[i+1:]
	}
	return v
}

// NewMetricsHandler serves /metrics from reg and the Go profiler at
// /debug/pprof/, for a listener of their own (KABINET_METRICS_ADDR): they
// tell an attacker what the server is doing, and belong on an internal
// address.
func NewMetricsHandler(reg *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}
