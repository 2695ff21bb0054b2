package kabinet

import "time"

// Notification kinds as stored in the outbox and shown to HR (Delivery.kind).
const (
	NotifyPayslipReminder         = "PAYSLIP_REMINDER"
	NotifyVacationReminder        = "VACATION_REMINDER"
	NotifyManagerVacationReminder = "MANAGER_VACATION_REMINDER"
	NotifyNewDevice               = "NEW_DEVICE"
	NotifyPayslipBroadcast        = "PAYSLIP_BROADCAST"
	// Leave requests: a new request to its approver, the approver's
	// reminder when it waits too long, the decision (or HR's cancellation)
	// to the employee.
	NotifyLeaveApproval         = "LEAVE_APPROVAL"
	NotifyLeaveApprovalReminder = "LEAVE_APPROVAL_REMINDER"
	NotifyLeaveDecision         = "LEAVE_DECISION"
)

// Notification categories: what an employee turns on or off in the app
// (NotificationPreference.kind). Each kind falls in one (NotificationKinds).
const (
	CategoryPayslipReminders  = "PAYSLIP_REMINDERS"
	CategoryVacationReminders = "VACATION_REMINDERS"
	CategoryRequestUpdates    = "REQUEST_UPDATES" // what became of the employee's own requests
	CategoryApprovals         = "APPROVALS"       // requests waiting for the employee's decision
	CategoryHRNotices         = "HR_NOTICES"      // HR's own notices about pay: mandatory
	CategoryNewDevice         = "NEW_DEVICE"      // a sign-in on a new device: mandatory
)

// NotificationKind is one kind of notification and the category an
// employee turns it on or off with.
type NotificationKind struct {
	Kind, Category string
}

// NotificationKinds is the one list of notification kinds: what the
// planner may plan, HR may word and an employee may turn off by category.
// A new kind is added here, once.
var NotificationKinds = []NotificationKind{
	{NotifyPayslipReminder, CategoryPayslipReminders},
	{NotifyVacationReminder, CategoryVacationReminders},
	{NotifyManagerVacationReminder, CategoryVacationReminders},
	{NotifyPayslipBroadcast, CategoryHRNotices},
	{NotifyNewDevice, CategoryNewDevice},
	{NotifyCertificateReady, CategoryRequestUpdates},
	{NotifyLeaveApproval, CategoryApprovals},
	{NotifyLeaveApprovalReminder, CategoryApprovals},
	{NotifyLeaveDecision, CategoryRequestUpdates},
}

// NotificationCategory is a category an employee may or may not turn off.
type NotificationCategory struct {
	Code string
	// Mandatory: the category cannot be turned off; Why says why, for the
	// employee.
	Mandatory bool
	Why       string
}

// NotificationCategories lists the categories in the order the app shows
// them (docs/product.md §Notification preferences).
var NotificationCategories = []NotificationCategory{
	{Code: CategoryPayslipReminders},
	{Code: CategoryVacationReminders},
	{Code: CategoryRequestUpdates},
	{Code: CategoryApprovals},
	{Code: CategoryHRNotices, Mandatory: true,
		Why: "HR's notices about your pay cannot be turned off: the employer must make sure you know what you are paid (Labour Code of the RF, art. 136)"},
	{Code: CategoryNewDevice, Mandatory: true,
		Why: "new-device sign-in notices cannot be turned off: they are how you learn that someone else signed in to your Kabinet"},
}

// CategoryOf returns the category of a notification kind, "" for a kind
// not in NotificationKinds.
func CategoryOf(kind string) string {
	for _, k := range NotificationKinds {
		if k.Kind == kind {
			return k.Category
		}
	}
	return ""
}

// Category returns the category with the code, ok false for an unknown one.
func Category(code string) (NotificationCategory, bool) {
	for _, c := range NotificationCategories {
		if c.Code == code {
			return c, true
		}
	}
	return NotificationCategory{}, false
}

// NotificationPreference is an employee's choice for one category.
type NotificationPreference struct {
	Kind      string // a Category* value
	Enabled   bool
	Mandatory bool
	Why       string // why a mandatory category cannot be turned off
}

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
	// DeliveryUnconfirmed: handed to the provider at least once, but the
	// server stopped every time before it recorded the provider's answer
	// (in doubt twice); not sent again, to avoid a third copy.
	DeliveryUnconfirmed = "DELIVERED_UNCONFIRMED"
)

// Delivery is one line of HR's delivery log: a planned notification, or its
// delivery to one device, with every attempt.
type Delivery struct {
	ID                 string
	Kind               string
	Stage              int
	EmployeeExternalID string
	EmployeeName       string // the recipient's last and first name
	Platform           string // "" before fan-out to devices
	Provider           string // FCM or APNS; "" before fan-out
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
	DueAt                      time.Time   // exact, or the earliest bound when LocalDate is set
	LocalDate                  string      // due at local midnight of this date in Zone
	Facts                      ReasonFacts // what the dispatcher decides Gone and Zone from
	Gone                       string      // why the reason no longer holds; "" if it holds (push decides)
	Zone                       string      // the delivery zone (push decides)
	Cabinet                    string      // the recipient's cabinet status; "" when none was ever created
}

// ReasonFacts are what a store reads, when a notification is claimed, for
// the dispatcher to decide whether its reason still holds and in which zone
// it is delivered (push: reasonGone, deliveryZone). Facts, not decisions:
// the rules live once, in Go.
type ReasonFacts struct {
	DismissedOn   string // the recipient's dismissal date (YYYY-MM-DD); "" if none
	EmployeeID    string // whose payslip or vacation it was planned for
	SubjectKey    string // the subject's key when planned (a vacation's start)
	LaterStageDue bool   // a later stage of the same reminder is due too

	PayslipFound, PayslipRetracted, PayslipViewed bool
	PayslipEmployeeID                             string

	VacationFound, VacationCancelled bool
	VacationStartsOn                 string
	VacationEmployeeID               string

	// The leave request a leave notice is about, and its status now.
	LeaveFound  bool
	LeaveStatus string

	// Muted are the categories the recipient turned off in the app, read
	// once per claimed batch (push/preferences.go decides from them).
	Muted []string

	// Zones, most specific first: the employee's own, the device's, the
	// organisation's reminder settings', the organisation's.
	EmployeeZone, DeviceZone, SettingsZone, OrgZone string
}

// Outbox decisions of the dispatcher.
const (
	OutboxExpand = iota // fan out to the recipient's devices (ApplyOutbox, FanOutRule)
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

// FanOutRule decides, from what a store read inside ApplyOutbox's
// transaction, what expanding notifications writes (push: fanOut). It is
// pure: the store calls it once per ApplyOutbox, holding its transaction.
type FanOutRule func(*FanOutFacts) FanOut

// FanOutFacts are what a store reads, inside ApplyOutbox's transaction,
// about the notifications to expand that the caller still holds. Facts, not
// decisions: which devices get a delivery and which waiting deliveries a
// later stage cancels is decided once, in Go.
type FanOutFacts struct {
	Notifications []FanOutNotification
	Devices       map[string][]FanOutDevice // every device of each recipient, by recipient id
	// Waiting are the deliveries of earlier stages of the same reasons (kind,
	// subject, subject key and recipient) that wait for their turn (not yet
	// handed to a sender), for every kind.
	Waiting []WaitingDelivery
}

// FanOutNotification is a claimed outbox row to expand.
type FanOutNotification struct {
	ID, OrgID, Kind, SubjectID string
	Stage                      int
	RecipientID                string
}

// FanOutDevice is one device of a recipient.
type FanOutDevice struct {
	ID, Platform string
	Revoked      bool
	Provider     string // the provider of its push token; "" when it has none
}

// WaitingDelivery is a waiting delivery of an earlier stage of the reason
// of NotificationID.
type WaitingDelivery struct {
	ID             string
	NotificationID string // the expanded notification (the later stage)
}

// FanOut is what a FanOutRule decided: the rows ApplyOutbox writes. Every
// notification of the facts is settled exactly once.
type FanOut struct {
	Deliveries []NewDelivery    // one PENDING delivery each
	Cancel     []CancelDelivery // waiting deliveries to cancel
	Settled    []SettledOutbox  // the final status of each notification
}

// NewDelivery is a delivery of a notification to one device.
type NewDelivery struct {
	NotificationID, OrgID, DeviceID, Platform, Provider string
}

// CancelDelivery is a waiting delivery to cancel, and why.
type CancelDelivery struct{ ID, Error string }

// SettledOutbox is the final status of an expanded notification: one of
// OutboxDispatched and OutboxNoDevice, and a note.
type SettledOutbox struct{ ID, Status, Note string }

// Stored statuses of an expanded outbox row.
const (
	OutboxDispatched = "DISPATCHED" // delivery rows were created for its devices
	OutboxNoDevice   = "NO_DEVICE"  // no device to deliver to
)

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
	Facts                                ReasonFacts // what Gone and Zone are decided from (push)
	Gone                                 string      // why the reason no longer holds (push decides)
	DeviceRevoked                        bool
	Zone                                 string // the delivery zone (push decides)
	Attempts                             int
	FirstAttemptAt                       *time.Time
	InDoubt                              int    // times found SENDING after its claimer stopped
	Doubted                              bool   // this claim found it SENDING (InDoubt counts it)
	Cabinet                              string // the recipient's cabinet status; "" when none was ever created
}

// DeliveryUpdate is a change of a claimed delivery. Status is one of PENDING
// (retry or later window), SENDING, SENT, FAILED, UNDELIVERABLE, CANCELLED,
// DELIVERED_UNCONFIRMED.
type DeliveryUpdate struct {
	ID            string
	Status        string
	NextAttemptAt time.Time // PENDING: when; SENDING: the lease end
	Outcome       string    // attempt to log ("" = none)
	Error         string
	ProviderID    string
	RetireToken   string // provider token to retire (it was reported invalid)
	InDoubt       bool   // the send's outcome is unknown (counted in DeliveryItem.InDoubt)
}

// NoteSettingsChanged is the note of a planned reminder cancelled because HR
// switched its stage off. Planning the same reminder again revives it.
const NoteSettingsChanged = "settings changed"

// PlannedNotification is one outbox row as the planner decided it: what to
// send (Kind, Params), about what (SubjectID, SubjectKey, EmployeeID), to
// whom (RecipientID) and when (DueAt; for a reminder due on a local date,
// DueAt is the earliest instant that date can start in any zone and
// LocalDate is the date). (Kind, SubjectID, SubjectKey, Stage, RecipientID)
// is unique: planning the same row twice is planning it once.
type PlannedNotification struct {
	Kind        string
	SubjectID   string // payslip, vacation or device id
	SubjectKey  string // the vacation's start date: a moved vacation is a new reason
	Stage       int    // day offset, broadcast number or 0
	RecipientID string // the employee who gets it
	EmployeeID  string // the employee it is about
	BaseAt      time.Time
	DueAt       time.Time
	LocalDate   string // "2026-11-09" or ""
	Params      string // JSON object of the texts' parameters, e.g. {"period":"2026-10"}
}

// PayslipFact is what planning knows of a payslip that is neither viewed
// nor withdrawn.
type PayslipFact struct {
	ID, EmployeeID, Period string
	PublishedAt            time.Time
}

// PayslipFactFilter narrows the payslips planning looks at. Zero values
// match everything.
type PayslipFactFilter struct {
	IDs            []string  // nil: every payslip
	Period         string    // "2026-10"; "": any
	PublishedAfter time.Time // zero: any
}

// VacationFact is what planning knows of a vacation that is not cancelled,
// with the employee it belongs to.
type VacationFact struct {
	ID, StartsOn, EndsOn string // dates as "2026-11-09"
	Employee             OrgMember
	LastName, FirstName  string // the employee's
}

// VacationFactFilter narrows the vacations planning looks at. Zero values
// match everything.
type VacationFactFilter struct {
	IDs         []string // nil: every vacation
	EmployeeIDs []string // nil: every employee's
	StartsFrom  string   // "2026-11-01": starting on or after; "": any
}

// Reach is what is known of how an employee can be reached: the state of
// their cabinet ("" when they have none) and every device of theirs (push
// decides which can receive a notification).
type Reach struct {
	CabinetStatus string
	Devices       []FanOutDevice
}

// Replan is what a change of the notification settings does to what is
// planned and not yet sent, as the planner decided it. The store applies it
// in the transaction that stores the settings, in this order: rows still
// PLANNED and unclaimed of a kind in Keep at a stage not listed are
// cancelled with NoteSettingsChanged; the due time of the remaining ones of
// those kinds moves by Shift; then Rows are planned as by a re-plan
// (PlanNotifications with replan set).
type Replan struct {
	Keep  map[string][]int // kind → the stages that stay
	Shift time.Duration
	Rows  []PlannedNotification
}
