package kabinet

import "time"

// QuickLogin is the quick-login method set up on one device row (one
// employee on one install): a P-256 public key for BIOMETRIC, or the hashes
// of the device secret and of the PIN for PIN. Secrets are never stored in
// clear.
type QuickLogin struct {
	DeviceID       string // the server's device id
	OrgID          string
	EmployeeID     string
	ClientID       string // the install id (DeviceInput.id)
	Method         string // PIN or BIOMETRIC
	PublicKey      []byte // BIOMETRIC: DER SubjectPublicKeyInfo
	SecretHash     string // PIN: HashSecret of the device secret
	PINHash        string // PIN: argon2id PHC string
	FailedAttempts int
	LockedAt       *time.Time
	CreatedAt      time.Time
	// Device is the device row (platform, model…), filled by lookups.
	Device Device
}

// Locked reports whether the quick login needs a password sign-in first.
func (q *QuickLogin) Locked() bool { return q.LockedAt != nil }

// PINAttempt is the outcome of a wrong or right PIN, as recorded.
type PINAttempt struct {
	FailedAttempts int  // wrong PINs since the last success
	Locked         bool // the quick login is now locked
}
