package kabinet

import "time"

// Certificate request statuses (docs/product.md §Certificate requests). The
// transitions between them are one table, in package requests.
const (
	CertificateRequested  = "REQUESTED"
	CertificateInProgress = "IN_PROGRESS"
	CertificateReady      = "READY"
	CertificateCancelled  = "CANCELLED"
)

// EntityCertificateRequest is the change-log and tombstone type of a
// certificate request.
const EntityCertificateRequest = "CERTIFICATE_REQUEST"

// NotifyCertificateReady tells the employee their certificate is ready (a
// PDF to download, or paper to collect).
const NotifyCertificateReady = "CERTIFICATE_READY"

// MaxCertificateFile is the largest certificate PDF the store keeps, in
// bytes.
const MaxCertificateFile = 5 << 20

// CertificateKind is a kind of certificate HR issues (справка о доходах,
// с места работы, …), as HR configured it.
type CertificateKind struct {
	Code         string
	Title        string
	NeedsPurpose bool // the employee must say what it is for
	NeedsPeriod  bool // the employee must name the period it covers
	PromisedDays int  // calendar days HR promises to prepare it in
	// Active kinds may be asked for; HR retires a kind by making it
	// inactive (requests already made keep it).
	Active    bool
	UpdatedAt time.Time
}

// CertificateRequest is an employee's request for a certificate.
type CertificateRequest struct {
	ID                 string
	OrgID              string
	EmployeeID         string
	EmployeeExternalID string
	KindCode           string
	KindTitle          string // the kind's title when it was asked for
	Purpose            string
	PeriodFrom         string // dates; "" unless the kind needs a period
	PeriodTo           string
	Status             string // a Certificate* status
	DueOn              string // the date HR promised it by
	OnPaper            bool   // READY: to collect on paper, no file
	FileSize           int64  // READY with a file: its size and SHA-256 (hex)
	FileSHA256         string
	CancelReason       string
	ClientMutationID   string
	Fingerprint        string // of what was asked: a replay must ask the same
	CreatedAt          time.Time
	StartedAt          *time.Time
	ReadyAt            *time.Time
	CancelledAt        *time.Time
	UpdatedAt          time.Time
}

// HasFile reports whether a PDF is attached.
func (r *CertificateRequest) HasFile() bool { return r.FileSHA256 != "" }

// CertificateTransition is a change of a certificate request as the
// service decided it; the store applies it as told, in the transaction
// that locked the request.
type CertificateTransition struct {
	To      string
	At      time.Time
	OnPaper bool
	File    []byte // READY with a PDF: its bytes (checked); nil otherwise
	SHA256  string // of File
	Reason  string // CANCELLED: why
}

// CertificateRequestFilter narrows HR's queue. Zero values match
// everything but Limit.
type CertificateRequestFilter struct {
	Status     string
	EmployeeID string
	Limit      int
}
