// Package app wires Kabinet together: the store, the services, the GraphQL
// handler and the HTTP server. cmd/kabinet runs it; end-to-end tests boot it
// on 127.0.0.1:0 against a temporary SQLite file or PostgreSQL schema.
package app

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/activation"
	"github.com/kabinet/kabinet/auth"
	"github.com/kabinet/kabinet/console"
	"github.com/kabinet/kabinet/graph"
	"github.com/kabinet/kabinet/hr"
	"github.com/kabinet/kabinet/keys"
	"github.com/kabinet/kabinet/passhash"
	"github.com/kabinet/kabinet/payroll"
	"github.com/kabinet/kabinet/postgres"
	"github.com/kabinet/kabinet/push"
	"github.com/kabinet/kabinet/push/providers"
	"github.com/kabinet/kabinet/requests"
	"github.com/kabinet/kabinet/server"
	ksync "github.com/kabinet/kabinet/sync"
	"github.com/kabinet/kabinet/tenancy"
	"github.com/kabinet/kabinet/throttle"
)

// Config is everything Kabinet is configured with. cmd/kabinet fills it from
// the environment (docs/contract.md §Configuration).
type Config struct {
	Addr string // KABINET_ADDR
	DB   string // KABINET_DB: a SQLite file, or postgres://… for PostgreSQL
	// DBMaxConns is the PostgreSQL pool size (KABINET_DB_MAX_CONNS); zero:
	// max(4, number of CPUs). SQLite ignores it.
	DBMaxConns     int
	BootstrapToken string // KABINET_BOOTSTRAP_TOKEN
	Secret         string // KABINET_SECRET
	BodyLimit      int    // KABINET_MAX_BODY_BYTES
	MaxBatch       int    // KABINET_MAX_BATCH
	ShutdownGrace  time.Duration
	// Push is FCM and APNs (KABINET_FCM_*, KABINET_APNS_*); zero: the log sender.
	Push providers.Config
	// PushLease is how long the dispatcher's claim on a notification holds
	// (KABINET_PUSH_LEASE): after a crash, work in flight waits this long
	// before another run takes it over (and a send in doubt is repeated),
	// but an instance slower than this (a send plus its record) loses work
	// it still holds. Sends time out at half the lease, at most 30 s.
	PushLease time.Duration
	// SyncRetentionDays is how long sync keeps changes and tombstones
	// (KABINET_SYNC_RETENTION_DAYS); an older cursor must full-sync.
	SyncRetentionDays int
	// Invitations: SMTP server (smtp://user:pass@host:587 with STARTTLS,
	// smtps:// for implicit TLS) and sender address, SMS gateway webhook.
	// Unset: invitations of that channel go to the log.
	SMTPURL       string // KABINET_SMTP_URL
	SMTPFrom      string // KABINET_SMTP_FROM
	SMSWebhookURL string // KABINET_SMS_WEBHOOK_URL
	// PublicURL is the HR console's public base URL (KABINET_PUBLIC_URL,
	// e.g. https://kabinet.example.ru): set-password links in emails and
	// on the command line start with it. Unset: the console uses the
	// origin an admin reached it at, the command line prints paths.
	PublicURL string
	// Development is KABINET_ENV=development (serve --demo sets it): the
	// developer conveniences are on by default (GraphiQL, introspection,
	// "Did you mean" suggestions).
	Development bool // KABINET_ENV
	// GraphiQL is KABINET_GRAPHIQL: "on", "off", or empty for on in
	// development and off in production (see GraphiQLOn).
	GraphiQL string // KABINET_GRAPHIQL
	// Introspection is "on" or "off" (KABINET_INTROSPECTION) to override
	// the mode; empty follows Development (and GraphiQL, which needs it).
	Introspection string
	// MaxQueryBytes bounds a query's text (KABINET_MAX_QUERY_BYTES).
	MaxQueryBytes int
	// CORSOrigins are the browser origins allowed to call /graphql
	// (KABINET_CORS_ORIGINS, comma-separated); none by default.
	CORSOrigins []string
	// TrustedProxies are the proxies whose forwarding headers name the
	// client (KABINET_TRUSTED_PROXIES, CIDR list); none by default.
	TrustedProxies []netip.Prefix
	// HSTSMaxAge is sent as Strict-Transport-Security on requests that
	// came over TLS (KABINET_HSTS_MAX_AGE, seconds; 0: none).
	HSTSMaxAge time.Duration
	// MetricsAddr is a listen address of its own for /metrics and
	// /debug/pprof (KABINET_METRICS_ADDR); MetricsToken serves /metrics on
	// the public port to that bearer token (KABINET_METRICS_TOKEN).
	// Neither set: no metrics are served.
	MetricsAddr  string
	MetricsToken string
	// LogSlow: requests that take longer are logged at warn level
	// (KABINET_LOG_SLOW); zero: none is. Other requests are logged one by
	// one only at debug level, and summarised once a minute at info.
	LogSlow time.Duration
}

// GraphiQLOn tells whether the GraphiQL IDE is served at /graphiql. The IDE
// reads the schema by introspection: wherever it is on, introspection must
// be on too.
func (c *Config) GraphiQLOn() bool {
	return c.GraphiQL == "on" || c.GraphiQL == "" && c.Development
}

// IntrospectionOn reports whether __schema, __type and "Did you mean"
// suggestions are served: the schema is a map of the attack surface, so
// production keeps it to itself unless asked.
func (c *Config) IntrospectionOn() bool {
	switch c.Introspection {
	case "on":
		return true
	case "off":
		return false
	}
	return c.Development || c.GraphiQLOn()
}

// DefaultConfig returns the embedded defaults.
func DefaultConfig() Config {
	return Config{Addr: ":8080", DB: "kabinet.db", BodyLimit: 8 << 20, MaxBatch: 10_000, ShutdownGrace: 20 * time.Second,
		SyncRetentionDays: 180, PushLease: 2 * time.Minute, LogSlow: 500 * time.Millisecond, MaxQueryBytes: 64 << 10,
		HSTSMaxAge: 365 * 24 * time.Hour}
}

// Validate reports the first configuration error.
func (c *Config) Validate() error {
	switch {
	case c.DB == "":
		return errors.New("KABINET_DB must name a database file or a postgres:// URL")
	case c.DBMaxConns < 0:
		return errors.New("KABINET_DB_MAX_CONNS must not be negative")
	case c.Addr == "":
		return errors.New("KABINET_ADDR must be set")
	case c.BootstrapToken != "" && len(c.BootstrapToken) < 16:
		return errors.New("KABINET_BOOTSTRAP_TOKEN must be at least 16 characters")
	case c.BodyLimit < 1024:
		return errors.New("KABINET_MAX_BODY_BYTES must be at least 1024")
	case c.Secret != "" && len(c.Secret) < 32:
		return errors.New("KABINET_SECRET must be at least 32 characters")
	case c.MaxBatch < 1:
		return errors.New("KABINET_MAX_BATCH must be at least 1")
	case c.SyncRetentionDays < 1:
		return errors.New("KABINET_SYNC_RETENTION_DAYS must be at least 1")
	case c.GraphiQL != "" && c.GraphiQL != "on" && c.GraphiQL != "off":
		return fmt.Errorf("KABINET_GRAPHIQL=%q: want on or off", c.GraphiQL)
	case c.PushLease < 5*time.Second || c.PushLease > time.Hour:
		return fmt.Errorf("KABINET_PUSH_LEASE must be between 5s and 1h (got %v)", c.PushLease)
	case c.LogSlow < 0:
		return errors.New("KABINET_LOG_SLOW must not be negative (0 turns slow-request lines off)")
	case c.MaxQueryBytes < 1024:
		return errors.New("KABINET_MAX_QUERY_BYTES must be at least 1024")
	case c.Introspection != "" && c.Introspection != "on" && c.Introspection != "off":
		return fmt.Errorf("KABINET_INTROSPECTION=%q: want on or off", c.Introspection)
	case c.GraphiQLOn() && !c.IntrospectionOn():
		return errors.New("KABINET_GRAPHIQL is on but KABINET_INTROSPECTION is off: the IDE reads the schema by introspection")
	case c.HSTSMaxAge < 0:
		return errors.New("KABINET_HSTS_MAX_AGE must not be negative")
	case c.MetricsToken != "" && len(c.MetricsToken) < 16:
		return errors.New("KABINET_METRICS_TOKEN must be at least 16 characters")
	}
	for _, o := range c.CORSOrigins {
		if u, err := url.Parse(o); o != "*" && (err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "") {
			return fmt.Errorf("KABINET_CORS_ORIGINS: %q is not an origin such as https://hr.example.com", o)
		}
	}
	if u, err := url.Parse(c.PublicURL); c.PublicURL != "" && (err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
		strings.Trim(u.Path, "/") != "" || u.RawQuery != "") {
		return fmt.Errorf("KABINET_PUBLIC_URL: %q is not a base URL such as https://kabinet.example.ru", c.PublicURL)
	}
	if _, err := c.invitationSenders(nil); err != nil {
		return err
	}
	return c.Push.Validate()
}

// invitationSenders builds the invitation senders: SMTP and the SMS
// gateway where configured, the log sender for a channel that is not.
func (c *Config) invitationSenders(logger *slog.Logger) (map[string]activation.Sender, error) {
	log := activation.LogSender{Logger: logger}
	senders := map[string]activation.Sender{kabinet.ChannelEmail: log, kabinet.ChannelSMS: log}
	if logger != nil && (c.SMTPURL == "" || c.SMSWebhookURL == "") {
		logger.Warn("invitations without KABINET_SMTP_URL / KABINET_SMS_WEBHOOK_URL are written to the log, activation codes included",
			"email", c.SMTPURL != "", "sms", c.SMSWebhookURL != "")
	}
	if c.SMTPURL != "" {
		s, err := activation.NewSMTPSender(c.SMTPURL, c.SMTPFrom)
		if err != nil {
			return nil, err
		}
		senders[kabinet.ChannelEmail] = s
	}
	if c.SMSWebhookURL != "" {
		s, err := activation.NewSMSSender(c.SMSWebhookURL)
		if err != nil {
			return nil, err
		}
		senders[kabinet.ChannelSMS] = s
	}
	return senders, nil
}

// App is a running Kabinet.
type App struct {
	Config   Config
	Logger   *slog.Logger
	Clock    kabinet.Clock
	DB       Store
	Tenancy  *tenancy.Service
	Payroll  *payroll.Service
	Auth     *auth.Service
	Sync     *ksync.Service
	Keys     *keys.Ring
	Registry *prometheus.Registry
	Server   *server.Server
	// Activation runs cabinets, invitations, activation and password sign-in.
	Activation *activation.Service
	// Compactor runs in the background between Start and Close.
	Compactor *ksync.Compactor
	// Push holds notification settings, push tokens and the planner;
	// Dispatcher delivers (started by Start unless Options.NoDispatcher).
	Push       *push.Service
	Dispatcher *push.Dispatcher
	// Leave runs leave requests; their notifications go through Push.
	Leave         *requests.Service
	runDispatcher bool
	// Certificates runs certificate requests; a ready one is told by Push.
	Certificates *requests.Certificates
	// HR runs HR users and console sessions; Console serves /hr/.
	HR      *hr.Service
	Console *console.Console

	ln   net.Listener
	done chan error
	// metrics serves /metrics and /debug/pprof on Config.MetricsAddr.
	metrics   *http.Server
	metricsLn net.Listener
	// stopWorkers ends the background workers; workers is closed when they have.
	stopWorkers context.CancelFunc
	workers     sync.WaitGroup
}

// Options are what tests and the demo inject.
type Options struct {
	Logger *slog.Logger
	Clock  kabinet.Clock
	// AuthLimits are the sign-in throttle's rules (zero: auth.DefaultLimits).
	AuthLimits auth.Limits
	// NewDevice is told of sign-ins on new devices instead of the push
	// service (tests record them).
	NewDevice auth.NewDeviceNotifier
	// Listeners are told of every committed publication after the app's
	// own (cabinets, reminders).
	Listeners []payroll.Listener
	// PushSender delivers notifications; nil: the log sender.
	PushSender push.Sender
	// NoDispatcher leaves the dispatcher stopped: tests call
	// Dispatcher.DispatchDue themselves.
	NoDispatcher bool
}

// New opens the store (applying migrations) and builds every service.
func New(ctx context.Context, cfg Config, opt Options) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.Clock == nil {
		opt.Clock = kabinet.SystemClock{}
	}
	db, err := OpenStore(ctx, cfg.DB, opt.Clock, cfg.DBMaxConns)
	if err != nil {
		return nil, err
	}
	ring, err := keys.Load(ctx, db, cfg.Secret)
	if err != nil {
		db.Close()
		return nil, err
	}
	a := &App{Config: cfg, Logger: opt.Logger, Clock: opt.Clock, DB: db, Keys: ring, Registry: prometheus.NewRegistry()}
	a.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	senders, err := cfg.invitationSenders(opt.Logger)
	if err != nil {
		db.Close()
		return nil, err
	}
	// Each service is built with everything it needs, in dependency order;
	// the events one publishes reach the others through the small interfaces
	// it is given here:
	//
	//	publication (payroll)   → cabinets (activation), reminders (push)
	//	sign-in on a new device → the notice to the other devices (push)
	//	payslip viewed (sync)   → its reminders stop (push)
	//	leave request made or decided (requests) → the approver's and the employee's notices (push)
	//	planned, maybe due now  → the dispatcher wakes
	//
	// Who may hold a session or be reached (an active cabinet, not
	// dismissed) is read from the store by one Gate that auth and the
	// dispatcher share, so auth needs no activation service and activation,
	// which signs in through auth, no cycle.
	gate := &activation.Gate{Store: db, Clock: opt.Clock}
	a.Tenancy = &tenancy.Service{Store: db, Clock: opt.Clock}
	if err := a.newPush(ctx, opt, gate); err != nil {
		db.Close()
		return nil, err
	}
	// One hasher for passwords and PINs, so that its concurrency bound is
	// global: a login storm queues instead of exhausting memory.
	hasher := passhash.New(passhash.DefaultParams, 0)
	var newDevice auth.NewDeviceNotifier = a.Push
	if opt.NewDevice != nil {
		newDevice = opt.NewDevice
	}
	limiter := &throttle.Limiter{Store: db, Clock: opt.Clock} // one throttle for every sign-in
	a.Auth = &auth.Service{Store: db, Policies: db, Clock: opt.Clock, Key: ring.Derive("access-token"), Logger: opt.Logger,
		Credentials: db, PasswordPepper: ring.Derive("password-pepper"),
		QuickLogins: db, Hasher: hasher, PINPepper: ring.Derive("pin-pepper"), ChallengeKey: ring.Derive("quick-login-challenge"),
		Limiter: limiter, Limits: opt.AuthLimits, Gate: gate, NewDevice: newDevice}
	a.Sync = &ksync.Service{Store: db, Clock: opt.Clock, Key: ring.Derive("sync-cursor"), Views: a.Push}
	a.Compactor = &ksync.Compactor{Store: db, Clock: opt.Clock, Logger: opt.Logger,
		Retention: time.Duration(cfg.SyncRetentionDays) * 24 * time.Hour}
	a.Activation = &activation.Service{
		Store: db, Search: db, Sessions: a.Auth, Clock: opt.Clock, Logger: opt.Logger,
		CodeKey: ring.Derive("activation-code"),
		Limiter: limiter, Senders: senders,
	}
	a.Payroll = &payroll.Service{Store: db, Clock: opt.Clock, MaxBatch: cfg.MaxBatch,
		Listeners: append([]payroll.Listener{a.Activation, a.Push}, opt.Listeners...)}

	a.Leave = &requests.Service{Store: db, Clock: opt.Clock, Notify: a.Push}
	// HR invitations go by email only where SMTP is configured; without it
	// the admin is shown the link to hand over (rather than the log).
	var hrMail activation.Sender
	if cfg.SMTPURL != "" {
		hrMail = senders[kabinet.ChannelEmail]
	}
	a.Certificates = &requests.Certificates{Store: db, Clock: opt.Clock, Notify: a.Push, LinkKey: ring.Derive("certificate-link")}
	a.HR = &hr.Service{Store: db, Clock: opt.Clock, Logger: opt.Logger, Hasher: hasher, Pepper: ring.Derive("hr-password-pepper"),
		SealKey: ring.Derive("hr-totp-seal"), Throttle: a.Auth, Mail: hrMail}

	ops := newOperationMetrics(a.Registry)
	gql := graph.NewHandler(&graph.Resolver{Store: db, Tenancy: a.Tenancy, Payroll: a.Payroll, Auth: a.Auth, SyncService: a.Sync,
		Activation: a.Activation, Push: a.Push, Leave: a.Leave, Certificates: a.Certificates, HR: a.HR, PublicURL: cfg.PublicURL}, graph.Options{
		Logger:        opt.Logger,
		Auditor:       db,
		Metrics:       ops.observe,
		Limits:        graph.Limits{MaxQueryBytes: cfg.MaxQueryBytes},
		Introspection: cfg.IntrospectionOn(),
	})
	a.Server = server.New(server.Config{
		Logger:         opt.Logger,
		BodyLimit:      cfg.BodyLimit,
		GraphQL:        gql,
		Authenticate:   a.authenticate,
		Ready:          db.Ready,
		Registry:       a.Registry,
		WithAuthError:  graph.WithAuthError,
		Docs:           server.Docs{SDL: kabinet.SchemaSDL, GraphiQL: cfg.GraphiQLOn()},
		MetricsToken:   cfg.MetricsToken,
		CORSOrigins:    cfg.CORSOrigins,
		TrustedProxies: cfg.TrustedProxies,
		HSTSMaxAge:     cfg.HSTSMaxAge,
		SlowRequest:    cfg.LogSlow,
		Certificate:    a.certificateFile,
	})
	a.Console, err = console.New(console.Config{Logger: opt.Logger, Clock: opt.Clock, Server: a.Server, CSRFKey: ring.Derive("hr-console-csrf"),
		HR: a.HR, Tenancy: a.Tenancy, Auth: a.Auth, Payroll: a.Payroll, Activation: a.Activation, Push: a.Push,
		Audit: db, PublicURL: cfg.PublicURL})
	if err != nil {
		db.Close()
		return nil, err
	}
	a.Console.Mount()
	return a, nil
}

// certificateFile serves a certificate PDF's download link.
func (a *App) certificateFile(ctx context.Context, actor *kabinet.Actor, id, token string) (string, []byte, error) {
	f, err := a.Certificates.Download(ctx, actor, id, token)
	if err != nil {
		return "", nil, err
	}
	return f.Name, f.Content, nil
}

// authenticate tells which kind of bearer token the request carries.
func (a *App) authenticate(ctx context.Context, token string) (*kabinet.Actor, error) {
	if a.Config.BootstrapToken != "" && subtle.ConstantTimeCompare([]byte(token), []byte(a.Config.BootstrapToken)) == 1 {
		return &kabinet.Actor{Role: kabinet.RoleOperator}, nil
	}
	if strings.HasPrefix(token, kabinet.APIKeyPrefix) {
		return a.Tenancy.Authenticate(ctx, token)
	}
	return a.Auth.Authenticate(ctx, token)
}

// Start listens on Config.Addr and serves in the background.
func (a *App) Start() error {
	ln, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", a.Config.Addr, err)
	}
	if a.Config.MetricsAddr != "" {
		mln, err := net.Listen("tcp", a.Config.MetricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("listen %s (KABINET_METRICS_ADDR): %w", a.Config.MetricsAddr, err)
		}
		a.metricsLn = mln
		a.metrics = &http.Server{Handler: server.NewMetricsHandler(a.Registry), ReadHeaderTimeout: 10 * time.Second}
		go a.metrics.Serve(mln)
		a.Logger.Info("metrics listening", "addr", mln.Addr().String())
	}
	a.ln = ln
	a.done = make(chan error, 1)
	go func() { a.done <- a.Server.Serve(ln) }()
	ctx, cancel := context.WithCancel(context.Background())
	a.stopWorkers = cancel
	a.workers.Add(3)
	go func() {
		defer a.workers.Done()
		a.Compactor.Run(ctx)
	}()
	go func() {
		defer a.workers.Done()
		(&memoryReleaser{lastRequest: a.Server.LastRequest, idle: 10 * time.Second, every: 5 * time.Second}).Run(ctx)
	}()
	go func() {
		defer a.workers.Done()
		a.Activation.Run(ctx) // the invitation outbox, dismissals
	}()
	if a.runDispatcher {
		a.workers.Add(1)
		go func() {
			defer a.workers.Done()
			a.Dispatcher.Run(ctx) // records the sends in flight before it returns
		}()
	}
	a.Logger.Info("kabinet listening", "addr", ln.Addr().String(), "db", postgres.Redact(a.Config.DB))
	return nil
}

// Addr is the address the server listens on (after Start).
func (a *App) Addr() string { return a.ln.Addr().String() }

// MetricsAddr is the address /metrics listens on (after Start), "" when
// Config.MetricsAddr is unset.
func (a *App) MetricsAddr() string {
	if a.metricsLn == nil {
		return ""
	}
	return a.metricsLn.Addr().String()
}

// Close stops the server gracefully: no new connections, in-flight requests
// finish (up to ShutdownGrace), then the store closes. Every write is a
// transaction, so nothing is left half-written.
func (a *App) Close() error {
	var errs []error
	if a.ln != nil {
		ctx, cancel := context.WithTimeout(context.Background(), a.Config.ShutdownGrace)
		defer cancel()
		errs = append(errs, a.Server.Shutdown(ctx))
		<-a.done
		if a.metrics != nil {
			// Closed, not shut down: a scrape lost is harmless, and
			// net/http's Shutdown waits 5 s for a connection a client
			// dialed but never sent a request on (Go's transport dials
			// spares under concurrency), which made a clean stop fail its
			// grace (TestProbesAndMetrics, "close: context deadline
			// exceeded").
			errs = append(errs, a.metrics.Close())
		}
		a.stopWorkers()
		a.workers.Wait()
	}
	errs = append(errs, a.DB.Close())
	return errors.Join(errs...)
}
