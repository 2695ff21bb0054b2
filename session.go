package kabinet

import (
	"errors"
	"time"
)

// Platforms of devices.
const (
	PlatformAndroid = "ANDROID"
	PlatformIOS     = "IOS"
)

// Login methods, as recorded in the login history.
const (
	MethodActivation = "ACTIVATION"
	MethodPassword   = "PASSWORD"
	MethodPIN        = "PIN"
	MethodBiometric  = "BIOMETRIC"
	MethodRefresh    = "REFRESH"
)

// Device is one installation of the app used by one employee. ClientID is
// the id the app generated for the install; ID is the server's.
type Device struct {
	ID               string
	ClientID         string
	OrgID            string
	EmployeeID       string
	Platform         string
	Model            string
	AppVersion       string
	Timezone         string
	QuickLoginMethod string // "", PIN or BIOMETRIC
	FirstSeenAt      time.Time
	LastSeenAt       time.Time
	RevokedAt        *time.Time
}

// Session is what a successful sign-in returns: a short-lived access token
// and a refresh token that rotates at every use.
type Session struct {
	ID                   string
	OrgID                string
	EmployeeID           string
	DeviceID             string
	AccessToken          string
	RefreshToken         string
	AccessTokenExpiresAt time.Time
	QuickLoginMethod     string
}

// ReasonNewDevice is the LoginEvent.Reason of a successful sign-in from a
// device the employee had not used, while they have other devices: the
// durable record of the new-device notice owed to those devices.
const ReasonNewDevice = "new device"

// LoginEvent is one sign-in attempt, for the employee's login history.
type LoginEvent struct {
	At          time.Time
	OrgID       string
	EmployeeID  string
	DeviceID    string
	DeviceModel string
	Method      string
	Success     bool
	Address     string
	UserAgent   string
	Reason      string // why it failed, or why a session ended
}

// SessionStart is everything recorded atomically at a successful sign-in.
type SessionStart struct {
	Session     Session // ID, OrgID, EmployeeID set by the caller
	Device      Device  // ClientID, Platform, Model, AppVersion, Timezone
	Method      string
	PasswordAt  *time.Time // set for password and activation sign-ins
	RefreshHash string
	ExpiresAt   time.Time // absolute expiry of the family
	Event       LoginEvent
}

// SessionInfo is a session as Authenticate and Refresh see it.
type SessionInfo struct {
	ID, OrgID, EmployeeID, DeviceID string
	Method                          string
	AuthTime                        time.Time
	PasswordAt                      *time.Time
	LastUsedAt, ExpiresAt           time.Time
	Revoked                         bool
	QuickLoginMethod                string // of the session's device: "", PIN or BIOMETRIC
}

// ErrRefreshReused is returned by RotateRefresh when an already rotated
// refresh token is presented: the session has been revoked.
var ErrRefreshReused = errors.New("refresh token reused")

// AuthPolicy is an organisation's login policy, set by HR.
type AuthPolicy struct {
	QuickLoginMethods      []string // PIN, BIOMETRIC
	PINLength              int      // 4 to 8 digits
	MaxPINAttempts         int      // wrong PINs before the device's quick login locks
	AccessTokenTTLSeconds  int
	RefreshTokenTTLSeconds int // idle lifetime of a refresh token
	AskLoginOnActivation   bool
}

// Allows reports whether the policy allows a quick-login method.
func (p *AuthPolicy) Allows(method string) bool {
	for _, m := range p.QuickLoginMethods {
		if m == method {
			return true
		}
	}
	return false
}
