// Package providers builds the push Sender of a deployment from its
// configuration: FCM and APNs senders for the providers with credentials,
// OutcomeUndeliverable for the others, and the log sender for both when no
// credentials are configured at all (the default).
//
// It lives apart from package push because it imports push/fcm and
// push/apns, which import push.
package providers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/kabinet/kabinet/push"
	"github.com/kabinet/kabinet/push/apns"
	"github.com/kabinet/kabinet/push/fcm"

	"github.com/kabinet/kabinet"
)

// Environment variables (docs/contract.md §Configuration).
const (
	EnvFCMCredentials    = "KABINET_FCM_CREDENTIALS"
	EnvGoogleCredentials = "GOOGLE_APPLICATION_CREDENTIALS"
	EnvFCMEndpoint       = "KABINET_FCM_ENDPOINT"
	EnvAPNsKeyFile       = "KABINET_APNS_KEY_FILE"
	EnvAPNsKeyID         = "KABINET_APNS_KEY_ID"
	EnvAPNsTeamID        = "KABINET_APNS_TEAM_ID"
	EnvAPNsTopic         = "KABINET_APNS_TOPIC"
	EnvAPNsEnv           = "KABINET_APNS_ENV"
	EnvAPNsHost          = "KABINET_APNS_HOST"
	EnvAPNsCAFile        = "KABINET_APNS_CA_FILE"
)

// Config is the push part of the deployment's configuration.
type Config struct {
	// FCMCredentials is the service-account JSON path; empty: no FCM.
	FCMCredentials string
	// FCMEndpoint overrides FCM's base URL (emulators, tests).
	FCMEndpoint string
	// APNs token auth; all four empty: no APNs.
	APNsKeyFile, APNsKeyID, APNsTeamID, APNsTopic string
	// APNsEnv is "production" (default) or "development".
	APNsEnv string
	// APNsHost overrides Apple's host; APNsCAFile adds trusted roots.
	APNsHost, APNsCAFile string
}

// ConfigFromEnv reads the Config from environment variables through getenv
// (os.Getenv in main, a map in tests). KABINET_FCM_CREDENTIALS falls back to
// GOOGLE_APPLICATION_CREDENTIALS.
func ConfigFromEnv(getenv func(string) string) Config {
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	c := Config{
		FCMCredentials: get(EnvFCMCredentials),
		FCMEndpoint:    get(EnvFCMEndpoint),
		APNsKeyFile:    get(EnvAPNsKeyFile),
		APNsKeyID:      get(EnvAPNsKeyID),
		APNsTeamID:     get(EnvAPNsTeamID),
		APNsTopic:      get(EnvAPNsTopic),
		APNsEnv:        get(EnvAPNsEnv),
		APNsHost:       get(EnvAPNsHost),
		APNsCAFile:     get(EnvAPNsCAFile),
	}
	if c.FCMCredentials == "" {
		c.FCMCredentials = get(EnvGoogleCredentials)
	}
	return c
}

// FCMEnabled reports whether FCM credentials are configured.
func (c Config) FCMEnabled() bool { return c.FCMCredentials != "" }

// APNsEnabled reports whether any APNs credential is configured (Validate
// then insists on all of them).
func (c Config) APNsEnabled() bool {
	return c.APNsKeyFile != "" || c.APNsKeyID != "" || c.APNsTeamID != "" || c.APNsTopic != ""
}

// Validate reports a half-made configuration, naming the variables: APNs
// with some but not all of key file, key id, team id and topic; an unknown
// APNs environment; overrides without the credentials they go with.
func (c Config) Validate() error {
	var errs []error
	if c.APNsEnabled() {
		var missing []string
		for _, f := range []struct{ env, v string }{
			{EnvAPNsKeyFile, c.APNsKeyFile}, {EnvAPNsKeyID, c.APNsKeyID}, {EnvAPNsTeamID, c.APNsTeamID}, {EnvAPNsTopic, c.APNsTopic},
		} {
			if f.v == "" {
				missing = append(missing, f.env)
			}
		}
		if len(missing) > 0 {
			errs = append(errs, fmt.Errorf("APNs is half configured: set %s too (or unset the other KABINET_APNS_* variables)", strings.Join(missing, ", ")))
		}
	} else {
		// KABINET_APNS_ENV alone is harmless (deployment templates set it).
		for _, f := range []struct{ env, v string }{{EnvAPNsHost, c.APNsHost}, {EnvAPNsCAFile, c.APNsCAFile}} {
			if f.v != "" {
				errs = append(errs, fmt.Errorf("%s is set but APNs is not configured (%s, %s, %s, %s)", f.env, EnvAPNsKeyFile, EnvAPNsKeyID, EnvAPNsTeamID, EnvAPNsTopic))
			}
		}
	}
	if c.APNsEnv != "" && c.APNsEnv != apns.Production && c.APNsEnv != apns.Development {
		errs = append(errs, fmt.Errorf("%s is %q, want production or development", EnvAPNsEnv, c.APNsEnv))
	}
	if c.APNsHost != "" && !strings.HasPrefix(c.APNsHost, "https://") {
		errs = append(errs, fmt.Errorf("%s is %q, want an https:// URL", EnvAPNsHost, c.APNsHost))
	}
	if c.FCMEndpoint != "" && !c.FCMEnabled() {
		errs = append(errs, fmt.Errorf("%s is set but FCM is not configured (%s)", EnvFCMEndpoint, EnvFCMCredentials))
	}
	if c.FCMEndpoint != "" && !strings.HasPrefix(c.FCMEndpoint, "http://") && !strings.HasPrefix(c.FCMEndpoint, "https://") {
		errs = append(errs, fmt.Errorf("%s is %q, want an http(s) URL", EnvFCMEndpoint, c.FCMEndpoint))
	}
	return errors.Join(errs...)
}

// New validates c and builds the deployment's Sender: with no credentials at
// all, a Router sending both providers to a LogSender; otherwise the real
// sender for each configured provider and OutcomeUndeliverable for the
// other. It fails on a half-made configuration or unreadable credentials,
// so a deployment never starts believing it can push when it cannot. It
// logs (without secrets) which providers are active.
func New(ctx context.Context, c Config, log *slog.Logger) (*push.Router, error) {
	if log == nil {
		log = slog.Default()
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if !c.FCMEnabled() && !c.APNsEnabled() {
		ls := push.NewLogSender(log)
		log.Info("push: no FCM or APNs credentials; notifications go to the log")
		return push.NewRouter(map[string]push.Sender{kabinet.ProviderFCM: ls, kabinet.ProviderAPNs: ls}), nil
	}
	senders := map[string]push.Sender{}
	if c.FCMEnabled() {
		s, err := fcm.New(ctx, fcm.Config{CredentialsFile: c.FCMCredentials, Endpoint: c.FCMEndpoint})
		if err != nil {
			return nil, err
		}
		senders[kabinet.ProviderFCM] = s
		log.Info("push: FCM configured", "project", s.ProjectID(), "endpoint", c.FCMEndpoint)
	}
	if c.APNsEnabled() {
		s, err := apns.New(apns.Config{
			KeyFile: c.APNsKeyFile, KeyID: c.APNsKeyID, TeamID: c.APNsTeamID, Topic: c.APNsTopic,
			Environment: c.APNsEnv, Host: c.APNsHost, CAFile: c.APNsCAFile,
		})
		if err != nil {
			return nil, err
		}
		senders[kabinet.ProviderAPNs] = s
		log.Info("push: APNs configured", "host", s.Host(), "topic", c.APNsTopic)
	}
	r := push.NewRouter(senders)
	for _, p := range []string{kabinet.ProviderFCM, kabinet.ProviderAPNs} {
		if !r.Configured(p) {
			log.Warn("push: no credentials for " + p + "; its notifications are logged as undeliverable")
		}
	}
	return r, nil
}

// FromEnv is New(ctx, ConfigFromEnv(getenv), log).
func FromEnv(ctx context.Context, getenv func(string) string, log *slog.Logger) (*push.Router, error) {
	return New(ctx, ConfigFromEnv(getenv), log)
}
