package kabinet

import (
	"errors"
	"time"
)

// Cabinet statuses (docs/product.md §Cabinet lifecycle).
const (
	CabinetNotCreated   = "NOT_CREATED"
	CabinetCreated      = "CREATED"
	CabinetCreateFailed = "CREATE_FAILED"
	CabinetInviteFailed = "INVITE_FAILED"
	CabinetInvited      = "INVITED"
	CabinetActive       = "ACTIVE"
	CabinetBlocked      = "BLOCKED"
)

// Invitation channels.
const (
	ChannelEmail = "EMAIL"
	ChannelSMS   = "SMS"
)

// Cabinet is an employee's access to the app, as HR sees it.
type Cabinet struct {
	OrgID       string
	EmployeeID  string
	Employee    *Employee // set by listings
	Status      string
	LastError   string
	LastChannel string
	Login       string
	InvitedAt   *time.Time
	ActivatedAt *time.Time
	CodeExpires *time.Time // the current unused code stops working then
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// CabinetEvent is one recorded status transition.
type CabinetEvent struct {
	Status  string
	Reason  string
	Channel string
	At      time.Time
}

// CabinetSettings are an organisation's cabinet and invitation settings.
type CabinetSettings struct {
	AutoCreateCabinets  bool   // create cabinets for newly published employees
	AutoSendInvitations bool   // and send them an invitation
	InvitationChannel   string // preferred channel of automatic invitations
	EmailSubject        string
	EmailTemplate       string // {name}, {code}, {android}, {ios}, {expires}
	SMSTemplate         string
	AndroidURL          string
	IOSURL              string
	CodeTTLDays         int // an unused code expires after this many days
	ConsentVersion      string
}

// CabinetCredentials is a cabinet with the secrets activation and sign-in
// check. It never leaves the activation service.
type CabinetCredentials struct {
	Cabinet
	CodeHash     string
	PasswordHash string
}

// Invitation is one message of the invitation outbox.
type Invitation struct {
	ID         string
	OrgID      string
	EmployeeID string
	Channel    string
	To         string
	Subject    string
	Body       string // carries the activation code until the send is settled
	Attempts   int
}

// CabinetActivation is what a first activation writes.
type CabinetActivation struct {
	OrgID, EmployeeID string
	CodeHash          string
	// Login is the chosen login; when empty, LoginBase is used with the
	// first free numeric suffix in the organisation (ИвановИИ, ИвановИИ2, …).
	Login, LoginBase string
	PasswordHash     string
	ConsentVersion   string
}

// ErrAlreadyActivated is returned by the store when a first activation finds
// the cabinet already active (a concurrent activation won).
var ErrAlreadyActivated = errors.New("cabinet already activated")

// DismissalCandidate is an employee with a dismissal date whose cabinet is
// not blocked yet, with their organisation's zone.
type DismissalCandidate struct {
	Employee    *Employee
	OrgTimezone string
}
