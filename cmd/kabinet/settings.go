package main

import (
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kabinet/kabinet/app"
	"github.com/kabinet/kabinet/push/providers"
	"github.com/kabinet/kabinet/server"
)

// options is everything the environment configures: the app's Config and
// what only the command uses.
type options struct {
	app.Config
	LogLevel    slog.Level
	PprofAddr   string
	MemoryLimit int64 // bytes; 0: GOMEMLIMIT or the default
}

// setting is one environment variable: its name, its default as help shows
// it, what it means, and how it is applied. settings is the one table that
// both configFromEnv and the help read, so the two cannot drift; a test
// checks that every variable read is in it and that each default is what
// the code really starts with.
type setting struct {
	Name    string
	Default string // as written in help; "" = unset
	Help    string
	// set applies a non-empty value; nil: read elsewhere (push/providers as
	// a group, GOMEMLIMIT by the runtime).
	set func(o *options, v string) error
}

var settings = []setting{
	{"KABINET_ADDR", ":8080", "listen address (--addr overrides)", str(func(o *options) *string { return &o.Addr })},
	{"KABINET_DB", "kabinet.db", "SQLite database file, or postgres://user@host/db for PostgreSQL (--db overrides)", str(func(o *options) *string { return &o.DB })},
	{"KABINET_DB_MAX_CONNS", "", "PostgreSQL pool size per instance; unset: max(4, CPUs). SQLite ignores it", number(func(o *options) *int { return &o.DBMaxConns })},
	{"KABINET_BOOTSTRAP_TOKEN", "", "operator token (>= 16 chars) for createOrganization; unset: disabled", str(func(o *options) *string { return &o.BootstrapToken })},
	{"KABINET_SECRET", "", "master key material (>= 32 chars); unset: generated once and stored in the database", str(func(o *options) *string { return &o.Secret })},
	{"KABINET_MAX_BODY_BYTES", "8MiB", "largest request body (>= 1KiB; GOMEMLIMIT syntax: 1048576, 512KiB, 8MiB)", size(func(o *options) *int { return &o.BodyLimit })},
	{"KABINET_MAX_BATCH", "10000", "largest publication batch", number(func(o *options) *int { return &o.MaxBatch })},
	{"KABINET_SYNC_RETENTION_DAYS", "180", "how long sync keeps changes; an older cursor gets RESET_REQUIRED", number(func(o *options) *int { return &o.SyncRetentionDays })},
	{"KABINET_ENV", "production", "production or development (serve --demo implies development unless this is set): development turns on the IDE and introspection", setEnv},
	{"KABINET_GRAPHIQL", "", "on or off: the GraphiQL IDE at /graphiql; unset: on in development, off in production", str(func(o *options) *string { return &o.GraphiQL })},
	{"KABINET_INTROSPECTION", "", "on or off: __schema, __type and \"Did you mean\" suggestions; unset: on in development or with the IDE, off in production", str(func(o *options) *string { return &o.Introspection })},
	{"KABINET_MAX_QUERY_BYTES", "64KiB", "largest query text (>= 1KiB), apart from the body limit", size(func(o *options) *int { return &o.MaxQueryBytes })},
	{"KABINET_CORS_ORIGINS", "", "comma-separated browser origins allowed to call /graphql (https://hr.example.com); unset: no CORS", setCORSOrigins},
	{"KABINET_TRUSTED_PROXIES", "", "comma-separated CIDR prefixes or addresses of reverse proxies whose forwarding headers are believed; unset: the socket's peer is the client", setTrustedProxies},
	{"KABINET_HSTS_MAX_AGE", "8760h0m0s", "Strict-Transport-Security max-age, sent on requests that came over TLS (directly or via a trusted proxy); 0: none", duration(func(o *options) *time.Duration { return &o.HSTSMaxAge })},
	{"KABINET_METRICS_ADDR", "", "listen address of its own for /metrics and /debug/pprof/ (e.g. 127.0.0.1:9090); unset: not served there", str(func(o *options) *string { return &o.MetricsAddr })},
	{"KABINET_METRICS_TOKEN", "", "serve /metrics on the public port to Authorization: Bearer <token> (>= 16 chars); unset: not on the public port", str(func(o *options) *string { return &o.MetricsToken })},
	{"KABINET_PUSH_LEASE", "2m", "how long the push dispatcher's claim on a notification holds (5s-1h): shorter takes over a crashed instance's work sooner, longer keeps a slow instance's work its own", duration(func(o *options) *time.Duration { return &o.PushLease })},
	{"KABINET_LOG_LEVEL", "info", "debug, info, warn or error (JSON log on stdout)", setLogLevel},
	{"KABINET_LOG_SLOW", "500ms", "a request slower than this is logged at warn; others only at debug, with a per-minute summary at info; 0: no slow lines", duration(func(o *options) *time.Duration { return &o.LogSlow })},
	{"KABINET_PPROF_ADDR", "", "serve net/http/pprof on this address (keep it on loopback); unset: off", str(func(o *options) *string { return &o.PprofAddr })},
	{"KABINET_MEMORY_LIMIT", "128MiB", "the Go runtime's soft memory limit (GOMEMLIMIT syntax); unset: GOMEMLIMIT, else 128MiB", setMemoryLimit},
	{"GOMEMLIMIT", "", "read by the Go runtime before kabinet starts (a malformed value stops it there); KABINET_MEMORY_LIMIT wins", nil},
	{"KABINET_SMTP_URL", "", "invitation email: smtp://user:pass@host:587 (STARTTLS) or smtps://user:pass@host:465; unset: log only", str(func(o *options) *string { return &o.SMTPURL })},
	{"KABINET_SMTP_FROM", "", "the invitations' From address, e.g. Кабинет <noreply@example.com>", str(func(o *options) *string { return &o.SMTPFrom })},
	{"KABINET_PUBLIC_URL", "", "the HR console's public base URL (https://kabinet.example.ru) for set-password links in emails and printed by hr-user add; unset: the admin's own origin, paths on the command line", str(func(o *options) *string { return &o.PublicURL })},
	{"KABINET_SMS_WEBHOOK_URL", "", "invitation SMS gateway (POST {to, text}); unset: log only", str(func(o *options) *string { return &o.SMSWebhookURL })},
	{providers.EnvFCMCredentials, "", "Firebase service-account JSON; unset: no FCM", nil},
	{providers.EnvGoogleCredentials, "", "used when KABINET_FCM_CREDENTIALS is unset", nil},
	{providers.EnvFCMEndpoint, "", "FCM base URL override (emulators, tests), with /v1", nil},
	{providers.EnvAPNsKeyFile, "", "APNs auth key (.p8); unset: no APNs", nil},
	{providers.EnvAPNsKeyID, "", "the APNs key's id", nil},
	{providers.EnvAPNsTeamID, "", "Apple developer team id", nil},
	{providers.EnvAPNsTopic, "", "the app's bundle id", nil},
	{providers.EnvAPNsEnv, "production", "production or development", nil},
	{providers.EnvAPNsHost, "", "APNs host override, https://… (tests)", nil},
	{providers.EnvAPNsCAFile, "", "extra root CA (PEM) for the APNs host", nil},
}

// configFromEnv reads every variable of settings over the defaults and
// validates the result. Errors name the variable and say what to do.
func configFromEnv(getenv func(string) string) (options, error) {
	o := options{Config: app.DefaultConfig()}
	if getenv("GOMEMLIMIT") == "" {
		o.MemoryLimit = defaultMemoryLimit
	}
	for _, s := range settings {
		if s.set == nil {
			continue
		}
		if v := strings.TrimSpace(getenv(s.Name)); v != "" {
			if err := s.set(&o, v); err != nil {
				return o, fmt.Errorf("%s=%q: %w", s.Name, v, err)
			}
		}
	}
	o.Push = providers.ConfigFromEnv(getenv)
	return o, o.Validate()
}

// printSettings writes the table for --help.
func printSettings(w io.Writer) {
	fmt.Fprintln(w, "\nEnvironment variables (flags override the first two):")
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	for _, s := range settings {
		d := s.Default
		if d == "" {
			d = "-"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", s.Name, d, s.Help)
	}
	tw.Flush()
}

func str(field func(*options) *string) func(*options, string) error {
	return func(o *options, v string) error { *field(o) = v; return nil }
}

func number(field func(*options) *int) func(*options, string) error {
	return func(o *options, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("not a whole number: write it like 100")
		}
		*field(o) = n
		return nil
	}
}

func size(field func(*options) *int) func(*options, string) error {
	return func(o *options, v string) error {
		n, err := parseBytes(v)
		if err != nil {
			return err
		}
		*field(o) = int(n)
		return nil
	}
}

func duration(field func(*options) *time.Duration) func(*options, string) error {
	return func(o *options, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("not a duration: write it like 2m or 45s")
		}
		*field(o) = d
		return nil
	}
}

func setEnv(o *options, v string) error {
	switch v {
	case "production":
		o.Development = false
	case "development":
		o.Development = true
	default:
		return fmt.Errorf("want production or development")
	}
	return nil
}

func setLogLevel(o *options, v string) error {
	if err := o.LogLevel.UnmarshalText([]byte(v)); err != nil {
		return fmt.Errorf("not a log level: use debug, info, warn or error")
	}
	return nil
}

func setMemoryLimit(o *options, v string) error {
	n, err := parseBytes(v)
	if err != nil {
		return err
	}
	o.MemoryLimit = n
	return nil
}

// parseBytes reads a size in GOMEMLIMIT's syntax: a whole number of bytes
// with an optional unit B, KiB, MiB, GiB or TiB.
func parseBytes(v string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}
	num, mult := v, int64(1)
	for _, u := range units {
		if strings.HasSuffix(v, u.suffix) {
			num, mult = strings.TrimSuffix(v, u.suffix), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("not a size: write bytes, or a whole number with B, KiB, MiB, GiB or TiB (8MiB)")
	}
	return n * mult, nil
}

func setCORSOrigins(o *options, v string) error {
	for _, origin := range strings.Split(v, ",") {
		if origin = strings.TrimSpace(origin); origin != "" {
			o.CORSOrigins = append(o.CORSOrigins, origin)
		}
	}
	return nil
}

func setTrustedProxies(o *options, v string) error {
	p, err := server.ParseProxies(v)
	o.TrustedProxies = p
	return err
}
