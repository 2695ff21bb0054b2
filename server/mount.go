package server

import (
	"context"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/kabinet/kabinet"
)

// Mount serves a browser-facing part of the binary (the HR console) under
// prefix: register adds its routes to a router whose requests each get a
// context of their own (as /graphql's do: cancelled when the client goes,
// the shutdown's grace ends or the request returns) carrying an anonymous
// kabinet.Actor with the request id, the client's address (trusted proxies
// believed) and user agent. Bearer tokens are not read there: such a part
// authenticates its own way. Find the context with Context.
func (s *Server) Mount(prefix string, register func(r fiber.Router)) {
	register(s.app.Group(prefix, s.requestContext, s.mountedActor))
}

type mountedContextKey struct{}

func (s *Server) mountedActor(c *fiber.Ctx) error {
	ctx, ok := c.Context().UserValue(requestContextKey{}).(context.Context)
	if !ok {
		ctx = s.base
	}
	h := http.Header{}
	for _, k := range []string{"Forwarded", "X-Forwarded-For", "X-Real-Ip"} {
		if v := c.Get(k); v != "" {
			h.Set(k, v)
		}
	}
	host := strings.Clone(s.clientAddr(c.Context().RemoteAddr().String(), h))
	a := &kabinet.Actor{RequestID: strings.Clone(c.GetRespHeader(fiber.HeaderXRequestID)), Address: host,
		UserAgent: strings.Clone(c.Get(fiber.HeaderUserAgent))}
	c.Context().SetUserValue(mountedContextKey{}, kabinet.NewContext(ctx, a))
	return c.Next()
}

// Context is the request's context under Mount (with its actor); the
// server's base context elsewhere.
func Context(c *fiber.Ctx) context.Context {
	if ctx, ok := c.Context().UserValue(mountedContextKey{}).(context.Context); ok {
		return ctx
	}
	return context.Background()
}

// OverTLS reports whether the client's request came over TLS (directly, or
// to a trusted proxy that says so): a mounted part decides by it whether
// its cookies can be Secure.
func (s *Server) OverTLS(c *fiber.Ctx) bool { return s.overTLS(c) }
