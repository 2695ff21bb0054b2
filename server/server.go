// Package server is Kabinet's HTTP layer: a Fiber v2 app that serves the
// gqlgen handler at /graphql (through Fiber's net/http adaptor), health and
// readiness probes, Prometheus metrics, and pages for people (an index, the
// schema and the GraphiQL IDE, docs.go), with request ids, structured
// access logs, gzip, a body limit and graceful shutdown.
package server

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/gofiber/fiber/v2/middleware/compress"
	"github.com/gofiber/fiber/v2/middleware/cors"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kabinet/kabinet"
)

// Config configures the server.
type Config struct {
	Logger *slog.Logger
	// BodyLimit is the largest request body accepted, in bytes.
	BodyLimit int
	// GraphQL is the GraphQL handler; it finds the actor in the context.
	GraphQL http.Handler
	// Authenticate turns a bearer token into an actor.
	Authenticate func(ctx context.Context, token string) (*kabinet.Actor, error)
	// Ready reports whether the store is reachable and migrated.
	Ready func(ctx context.Context) error
	// Registry receives the HTTP metrics and is served at /metrics.
	Registry *prometheus.Registry
	// WithAuthError carries a refused token's error to the GraphQL layer.
	WithAuthError func(ctx context.Context, err error) context.Context
	// MetricsToken, if set, serves /metrics on this server to requests with
	// "Authorization: Bearer <MetricsToken>"; unset, /metrics is not served
	// here (see NewMetricsHandler for a listener of its own).
	MetricsToken string
	// CORSOrigins are the origins allowed to call /graphql from a browser;
	// none by default (the phone app does not need CORS).
	CORSOrigins []string
	// TrustedProxies are the addresses whose forwarding headers
	// (Forwarded, X-Forwarded-For, X-Real-IP, X-Forwarded-Proto) are
	// believed; any other peer is the client itself.
	TrustedProxies []netip.Prefix
	// HSTSMaxAge is the max-age of Strict-Transport-Security, sent on
	// requests that came over TLS (directly or through a trusted proxy);
	// zero sends none.
	HSTSMaxAge time.Duration
	// Docs configures /, /schema.graphql and /graphiql (docs.go).
	Docs Docs
	// SlowRequest: a request that takes longer is logged at warn level
	// (see accesslog.go); zero: none is.
	SlowRequest time.Duration
	// Certificate, if set, serves certificate PDFs at CertificatePath
	// (files.go) to callers authenticated like /graphql's.
	Certificate CertificateFunc
}

// Server is the HTTP server.
type Server struct {
	app *fiber.App
	cfg Config
	// base is the parent of every request's context; cancelled when the
	// shutdown's grace is over.
	base      context.Context
	cancelAll context.CancelFunc
	// last is when the latest request ended (Unix nanoseconds).
	last atomic.Int64
	// summary counts requests for the access log's periodic summary.
	summary *accessSummary
}

// LastRequest is when the latest request ended; zero before the first.
func (s *Server) LastRequest() time.Time {
	n := s.last.Load()
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// New builds the Fiber app.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.BodyLimit <= 0 {
		cfg.BodyLimit = 8 << 20
	}
	s := &Server{cfg: cfg}
	s.base, s.cancelAll = context.WithCancel(context.Background())
	app := fiber.New(fiber.Config{
		AppName:               "kabinet",
		BodyLimit:             cfg.BodyLimit,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           120 * time.Second,
		DisableStartupMessage: true,
		// fasthttp would parse a multipart body on arrival and hand the
		// net/http side a copy re-encoded from a map, with its parts in
		// random order: a GraphQL multipart request must keep "operations"
		// first.
		DisablePreParseMultipartForm: true,
		ErrorHandler:                 s.errorHandler,
	})
	m := newHTTPMetrics(cfg.Registry)
	app.Use(recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: func(c *fiber.Ctx, e any) {
		cfg.Logger.Error("panic in handler", "request_id", c.Get(fiber.HeaderXRequestID), "panic", e)
	}}))
	app.Use(requestID)
	app.Use(s.accessLog(m))
	app.Use(s.securityHeaders)
	if len(cfg.CORSOrigins) > 0 {
		app.Use(cors.New(cors.Config{AllowOrigins: strings.Join(cfg.CORSOrigins, ","), AllowMethods: "GET,POST",
			AllowHeaders: "Authorization,Content-Type,Accept,X-Request-Id", ExposeHeaders: "X-Request-Id", MaxAge: 600}))
	}
	app.Use(compress.New(compress.Config{Level: compress.LevelBestSpeed}))

	app.Get("/healthz", func(c *fiber.Ctx) error { return c.SendString("ok") })
	app.Get("/readyz", func(c *fiber.Ctx) error {
		ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
		defer cancel()
		if err := cfg.Ready(ctx); err != nil {
			cfg.Logger.Warn("not ready", "err", err)
			return c.Status(fiber.StatusServiceUnavailable).SendString("not ready")
		}
		return c.SendString("ready")
	})
	if cfg.Registry != nil && cfg.MetricsToken != "" {
		metrics := adaptor.HTTPHandler(promhttp.HandlerFor(cfg.Registry, promhttp.HandlerOpts{}))
		app.Get("/metrics", func(c *fiber.Ctx) error {
			if subtle.ConstantTimeCompare([]byte(c.Get(fiber.HeaderAuthorization)), []byte("Bearer "+cfg.MetricsToken)) != 1 {
				return fiber.NewError(fiber.StatusUnauthorized, "/metrics needs Authorization: Bearer <KABINET_METRICS_TOKEN>")
			}
			return metrics(c)
		})
	}
	s.mountDocs(app)
	gql := adaptor.HTTPHandler(s.authenticate(cfg.GraphQL))
	app.All("/graphql", s.requestContext, gql)
	if cfg.Certificate != nil {
		app.Get(CertificatePath+"*", s.requestContext, adaptor.HTTPHandler(s.authenticate(http.HandlerFunc(s.serveCertificate))))
	}
	s.app = app
	return s
}

// App exposes the Fiber app (tests use app.Test).
func (s *Server) App() *fiber.App { return s.app }

// Serve accepts connections on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error { return s.app.Listener(ln) }

// Shutdown stops accepting connections and waits for in-flight requests to
// finish, or for ctx to end: then the requests still running are cancelled.
func (s *Server) Shutdown(ctx context.Context) error {
	defer context.AfterFunc(ctx, s.cancelAll)()
	err := s.app.ShutdownWithContext(ctx)
	s.flushSummary()
	return err
}

type requestContextKey struct{}

// requestContext gives the request a context of its own, cancelled when the
// client closes its connection (so that no work is done for nobody), when
// the shutdown's grace is over, or when the request ends. The net/http
// side finds it in the adaptor's request context.
func (s *Server) requestContext(c *fiber.Ctx) error {
	ctx, cancel := context.WithCancel(s.base)
	defer cancel()
	defer watchConn(c.Context().Conn(), cancel)()
	c.Context().SetUserValue(requestContextKey{}, ctx)
	return c.Next()
}

// requestID takes a sane X-Request-Id from the client or makes one, and puts
// it on the request (so the net/http side sees it) and on the response.
func requestID(c *fiber.Ctx) error {
	id := c.Get(fiber.HeaderXRequestID)
	if len(id) == 0 || len(id) > 64 || strings.ContainsFunc(id, func(r rune) bool { return r < '!' || r > '~' }) {
		var b [8]byte
		rand.Read(b[:])
		id = hex.EncodeToString(b[:])
		c.Request().Header.Set(fiber.HeaderXRequestID, id)
	}
	c.Set(fiber.HeaderXRequestID, id)
	return c.Next()
}

// errorHandler answers errors raised outside the GraphQL handler; on
// /graphql it answers in the GraphQL error shape, so clients have one code
// path (an oversize body is BAD_USER_INPUT with HTTP 413).
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	code := fiber.StatusInternalServerError
	var fe *fiber.Error
	if errors.As(err, &fe) {
		code = fe.Code
	}
	msg := http.StatusText(code)
	gqlCode := kabinet.EINTERNAL
	switch {
	case code == fiber.StatusRequestEntityTooLarge:
		msg = "request body too large (limit " + strconv.Itoa(s.cfg.BodyLimit) + " bytes)"
		gqlCode = kabinet.EBADINPUT
	case code == fiber.StatusUnauthorized:
		msg, gqlCode = fe.Message, kabinet.EUNAUTHENTICATED
	case code >= 400 && code < 500:
		gqlCode = kabinet.EBADINPUT
	default:
		s.cfg.Logger.Error("http error", "request_id", c.GetRespHeader(fiber.HeaderXRequestID), "err", err)
	}
	s.setSecurityHeaders(c) // a refusal made before the handlers ran has none yet
	return c.Status(code).JSON(fiber.Map{"errors": []fiber.Map{{"message": msg, "extensions": fiber.Map{"code": gqlCode}}}})
}

// authenticate resolves the bearer token into the request's actor. A
// refused token does not fail the request here: public operations (sign-in)
// still work, protected ones answer UNAUTHENTICATED with the reason.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The adaptor's request context is fasthttp's RequestCtx, which is
		// reused after the request and closes Done only at shutdown:
		// contexts derived from it (database/sql watches them from
		// goroutines) then read it while it is being reset, a data race.
		// Each request gets a context of its own (requestContext), ended
		// when it returns.
		ctx, ok := r.Context().Value(requestContextKey{}).(context.Context)
		if !ok {
			ctx = s.base
		}
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		host := s.clientAddr(r.RemoteAddr, r.Header)
		var err error
		// Header values behind the adaptor alias fasthttp's buffers, which the
		// next request overwrites: anything kept beyond this request (the
		// token is a cache key) must be a copy.
		actor := &kabinet.Actor{RequestID: strings.Clone(r.Header.Get(fiber.HeaderXRequestID)), Address: strings.Clone(host),
			UserAgent: strings.Clone(r.UserAgent())}
		if h := strings.Clone(r.Header.Get("Authorization")); h != "" {
			token, ok := strings.CutPrefix(h, "Bearer ")
			var a *kabinet.Actor
			if !ok || strings.TrimSpace(token) == "" {
				err = kabinet.Errorf(kabinet.EUNAUTHENTICATED, "the Authorization header must be \"Bearer <token>\"")
			} else {
				a, err = s.cfg.Authenticate(ctx, strings.TrimSpace(token))
			}
			switch {
			case err == nil:
				a.RequestID, a.Address, a.UserAgent = actor.RequestID, actor.Address, actor.UserAgent
				actor = a
			case kabinet.ErrorCode(err) == kabinet.EUNAUTHENTICATED:
				ctx = s.cfg.WithAuthError(ctx, err)
			default:
				s.cfg.Logger.Error("authentication failed", "request_id", actor.RequestID, "err", err)
				ctx = s.cfg.WithAuthError(ctx, kabinet.Errorf(kabinet.EINTERNAL, "could not check the token; try again"))
			}
		}
		next.ServeHTTP(w, r.WithContext(kabinet.NewContext(ctx, actor)))
	})
}
