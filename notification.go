package kabinet

import "time"

// Notification kinds as stored in the outbox and shown to HR (Delivery.kind).
const (
	NotifyPayslipReminder         = "PAYSLIP_REMINDER"
	NotifyVacationReminder        = "VACATION_REMINDER"
	NotifyManagerVacationReminder = "MANAGER_VACATION_REMINDER"
	NotifyNewDevice               = "NEW_DEVICE"
	NotifyPayslipBroadcast        = "PAYSLIP_BROADCAST"
)

// Push providers (docs/contract.md §Enums: PushProvider).
const (
	ProviderFCM  = "FCM"
	ProviderAPNs = "APNS"
)

// NotificationSettings is an organisation's reminder schedule (docs/product.md §Reminders).
type NotificationSettings struct {
	WindowStart  string        // "09:00", in each recipient's local time
	WindowEnd    string        // "21:00"; earlier than WindowStart wraps midnight
	SendDelay    time.Duration // after an event, before its notification goes out
	PayslipDays  []int         // remind N days after publication if not viewed
	VacationDays []int         // remind the employee N days before the start
	ManagerDays  []int         // remind the manager N days before a subordinate's start
	Timezone     string        // IANA; the zone of recipients with none of their own
	Texts        []NotificationText
	UpdatedAt    time.Time
}

// NotificationText is HR's override of a notification's title and body for
// one kind and locale. Placeholders such as {period} are filled at sending.
type NotificationText struct {
	Kind   string `json:"kind"`
	Locale string `json:"locale"`
	Title  string `json:"title"`
	Body   string `json:"body"`
}

// Delivery states shown to HR (docs/contract.md §Enums: DeliveryStatus).
const (
	DeliveryPlanned       = "PLANNED"
	DeliverySending       = "SENDING"
	DeliveryRetrying      = "RETRYING"
	DeliverySent          = "SENT"
	DeliveryFailed        = "FAILED"
	DeliveryCancelled     = "CANCELLED"
	DeliveryUndeliverable = "UNDELIVERABLE"
)

// Delivery is one line of HR's delivery log: a planned notification, or its
// delivery to one device, with every attempt.
type Delivery struct {
	ID                 string
	Kind               string
	Stage              int
	EmployeeExternalID string
	Platform           string // "" before fan-out to devices
	Status             string
	PlannedAt          time.Time
	SentAt             *time.Time
	Error              string
	Attempts           []DeliveryAttempt
}

// DeliveryAttempt is one try to hand a notification to a provider.
type DeliveryAttempt struct {
	At      time.Time
	Outcome string // SENT, RETRY, FAILED, INVALID_TOKEN, UNDELIVERABLE, IN_DOUBT
	Error   string
}

// OutboxItem is a due outbox row as the dispatcher sees it when it claims it.
type OutboxItem struct {
	ID, OrgID, Kind, SubjectID string
	Stage                      int
	RecipientID                string
	DueAt                      time.Time // exact, or the earliest bound when LocalDate is set
	LocalDate                  string    // due at local midnight of this date in Zone
	Gone                       string    // why the reason no longer holds; "" if it holds
	Zone                       string    // recipient's zone: employee's, else latest device's, else settings'
}

// Outbox decisions of the dispatcher.
const (
	OutboxExpand = iota // create one delivery per active device with a push token
	OutboxCancel        // the reason is gone (Note says why)
	OutboxReplan        // not yet: look again at NotBefore
)

// OutboxDecision is what the dispatcher decided for a claimed outbox row.
type OutboxDecision struct {
	ID        string
	Action    int
	NotBefore time.Time
	Note      string
}

// DeliveryItem is a claimed delivery: one notification to one device.
type DeliveryItem struct {
	ID, OutboxID, OrgID, Kind, SubjectID string
	Stage                                int
	RecipientID, EmployeeID              string
	DeviceID, Platform                   string
	Provider, Token                      string // the device's current token; "" if it has none
	DueAt                                time.Time
	LocalDate                            string
	Params                               map[string]string
	Gone                                 string // why the reason no longer holds
	DeviceRevoked                        bool
	Zone                                 string // employee's, else the device's, else settings'
	Attempts                             int
	FirstAttemptAt                       *time.Time
	InDoubt                              int // times found SENDING after its claimer stopped
	Unviewed                             int // the recipient's unviewed payslips (iOS badge)
}

// DeliveryUpdate is a change of a claimed delivery. Status is one of PENDING
// (retry or later window), SENDING, SENT, FAILED, UNDELIVERABLE, CANCELLED.
type DeliveryUpdate struct {
	ID            string
	Status        string
	NextAttemptAt time.Time // PENDING: when; SENDING: the lease end
	Outcome       string    // attempt to log ("" = none)
	Error         string
	ProviderID    string
	RetireToken   string // provider token to retire (it was reported invalid)
}
