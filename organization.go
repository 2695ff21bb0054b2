package kabinet

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Organization is a tenant. Nothing of one organisation is visible to another.
type Organization struct {
	ID        string
	Name      string
	Timezone  string // IANA name, the default zone of its employees
	CreatedAt time.Time
}

// APIKeyPrefix starts every organisation API key, so that a leaked key is
// recognisable by secret scanners and cannot be confused with an access token.
const APIKeyPrefix = "kbn_"

// NewAPIKey returns a fresh organisation API key (256 random bits).
func NewAPIKey() string { return APIKeyPrefix + RandomToken(32) }

// HashSecret returns the hex SHA-256 of a high-entropy secret (API keys,
// refresh tokens). Such secrets are stored only in this form.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// ValidTimezone reports whether name is an IANA zone this binary knows.
func ValidTimezone(name string) bool {
	if name == "" || name == "Local" {
		return false
	}
	_, err := time.LoadLocation(name)
	return err == nil
}

// AuditEntry is one mutation made with an organisation key or the operator
// token. It names its targets by external ID and never holds amounts,
// tokens, codes or passwords.
type AuditEntry struct {
	ID        int64
	OrgID     string
	Actor     string // "operator" or "key:<key id>"
	Operation string
	Targets   []string
	Outcome   string // "OK" or an error code
	Address   string
	RequestID string
	At        time.Time
}
