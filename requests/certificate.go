package requests

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kabinet/kabinet"
)

// CertificateStore is what certificate requests need of the store.
type CertificateStore interface {
	// UpsertCertificateKinds creates or replaces kinds by code, all in one
	// transaction.
	UpsertCertificateKinds(ctx context.Context, orgID string, kinds []kabinet.CertificateKind) error
	// CertificateKinds lists the organisation's kinds by code (only the
	// active ones with activeOnly).
	CertificateKinds(ctx context.Context, orgID string, activeOnly bool) ([]*kabinet.CertificateKind, error)
	// CreateCertificateRequest writes a new request and its change for the
	// employee's sync, unless the employee already used its
	// ClientMutationID: then it returns that one with replayed set.
	CreateCertificateRequest(ctx context.Context, r *kabinet.CertificateRequest) (out *kabinet.CertificateRequest, replayed bool, err error)
	// CertificateRequest returns one request of the organisation; NOT_FOUND.
	CertificateRequest(ctx context.Context, orgID, id string) (*kabinet.CertificateRequest, error)
	// CertificateRequests lists the organisation's requests f selects,
	// oldest first, at most f.Limit.
	CertificateRequests(ctx context.Context, orgID string, f kabinet.CertificateRequestFilter) ([]*kabinet.CertificateRequest, error)
	// TransitionCertificateRequest locks the request, calls decide with it
	// and applies the transition it returns (file included) in the same
	// transaction; decide's error writes nothing. NOT_FOUND.
	TransitionCertificateRequest(ctx context.Context, orgID, id string, decide func(*kabinet.CertificateRequest) (kabinet.CertificateTransition, error)) (*kabinet.CertificateRequest, error)
	// CertificateFile returns the request and its PDF; NOT_FOUND.
	CertificateFile(ctx context.Context, orgID, id string) (*kabinet.CertificateRequest, []byte, error)
}

// CertificateNotifier is told, after the commit, that a certificate is
// ready: push tells the employee.
type CertificateNotifier interface {
	CertificateReady(ctx context.Context, r *kabinet.CertificateRequest)
}

// Certificates runs certificate requests (docs/product.md
// §Certificate requests): HR's kinds, the employee's requests, HR's
// queue, the PDF and its download link. Build it with every field it
// needs.
type Certificates struct {
	Store  CertificateStore
	Clock  kabinet.Clock
	Notify CertificateNotifier // nil: nobody is told
	// LinkKey signs download links (HMAC-SHA256; at least 16 bytes).
	LinkKey []byte
	// LinkTTL is how long a download link works; DefaultLinkTTL when zero.
	LinkTTL time.Duration
}

// Limits of certificate input.
const (
	maxCertificateKinds  = 100 // per upsert, and per organisation's list the phone reads
	maxKindCode          = 64
	maxKindTitle         = 200
	maxPromisedDays      = 365
	maxPurpose           = 500
	maxCancelReason      = 500
	maxPeriodYearsBehind = 10
)

// MaxCertificateQueue is the most requests one listing of HR's queue
// returns.
const MaxCertificateQueue = 1000

var kindCode = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// CertificateKindInput is a kind as HR sends it.
type CertificateKindInput struct {
	Code         string
	Title        string
	NeedsPurpose *bool // nil: false
	NeedsPeriod  *bool // nil: false
	PromisedDays int
	Active       *bool // nil: true
}

// UpsertKinds creates or replaces the organisation's kinds by code and
// returns all of them. BAD_USER_INPUT listing every bad item (a code that
// is empty, too long, not letters, digits, '_', '-', '.', or named twice;
// a title empty or too long; promised days outside 1–365; more than 100
// kinds); nothing is written then.
func (c *Certificates) UpsertKinds(ctx context.Context, orgID string, in []CertificateKindInput) ([]*kabinet.CertificateKind, error) {
	if len(in) == 0 || len(in) > maxCertificateKinds {
		return nil, kabinet.Errorf(kabinet.EBADINPUT, "send 1 to %d certificate kinds", maxCertificateKinds)
	}
	bad := kabinet.NewBatchError("certificate kinds")
	seen := make(map[string]bool, len(in))
	kinds := make([]kabinet.CertificateKind, len(in))
	for i, k := range in {
		code, title := strings.TrimSpace(k.Code), strings.TrimSpace(k.Title)
		switch {
		case code == "" || len(code) > maxKindCode || !kindCode.MatchString(code):
			bad.Add(i, code, "code", "code must be 1 to %d letters, digits, '_', '-' or '.'", maxKindCode)
		case seen[code]:
			bad.Add(i, code, "code", "code %s is named twice", code)
		}
		if title == "" || utf8.RuneCountInString(title) > maxKindTitle {
			bad.Add(i, code, "title", "title must be 1 to %d characters", maxKindTitle)
		}
		if k.PromisedDays < 1 || k.PromisedDays > maxPromisedDays {
			bad.Add(i, code, "promisedDays", "promisedDays must be between 1 and %d", maxPromisedDays)
		}
		seen[code] = true
		kinds[i] = kabinet.CertificateKind{Code: code, Title: title, NeedsPurpose: orDefault(k.NeedsPurpose, false),
			NeedsPeriod: orDefault(k.NeedsPeriod, false), PromisedDays: k.PromisedDays, Active: orDefault(k.Active, true)}
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	if err := c.Store.UpsertCertificateKinds(ctx, orgID, kinds); err != nil {
		return nil, err
	}
	return c.Store.CertificateKinds(ctx, orgID, false)
}

// Kinds lists the organisation's kinds: all for HR, the active ones (what
// may be asked for) with activeOnly.
func (c *Certificates) Kinds(ctx context.Context, orgID string, activeOnly bool) ([]*kabinet.CertificateKind, error) {
	return c.Store.CertificateKinds(ctx, orgID, activeOnly)
}

// CertificateInput is a new certificate request as the phone sends it.
type CertificateInput struct {
	ClientMutationID string
	KindCode         string
	Purpose          string
	PeriodFrom       string // "2026-01-01"; required when the kind needs a period
	PeriodTo         string
}

func (in CertificateInput) fingerprint() string {
	h := sha256.Sum256([]byte(in.KindCode + "\x00" + in.Purpose + "\x00" + in.PeriodFrom + "\x00" + in.PeriodTo))
	return hex.EncodeToString(h[:16])
}

// Create makes the employee's certificate request (an offline action), due
// by today plus the days HR promises for the kind. Once per
// ClientMutationID: a replay with the same content returns the request as
// it is now and changes nothing.
//
// Errors: BAD_USER_INPUT for a missing or over-long clientMutationId, an
// unknown or retired kind, a missing purpose or period the kind needs, an
// over-long purpose, a malformed, reversed, future or absurd period;
// CONFLICT for a clientMutationId used with other content; FORBIDDEN
// without an employee.
func (c *Certificates) Create(ctx context.Context, orgID, employeeID string, in CertificateInput) (*kabinet.CertificateRequest, error) {
	if orgID == "" || employeeID == "" {
		return nil, kabinet.Errorf(kabinet.EFORBIDDEN, "createCertificateRequest needs an employee's access token")
	}
	in.KindCode, in.Purpose = strings.TrimSpace(in.KindCode), strings.TrimSpace(in.Purpose)
	in.PeriodFrom, in.PeriodTo = strings.TrimSpace(in.PeriodFrom), strings.TrimSpace(in.PeriodTo)
	switch {
	case in.ClientMutationID == "" || len(in.ClientMutationID) > maxClientMutationID || !utf8.ValidString(in.ClientMutationID):
		return nil, kabinet.Errorf(kabinet.EBADINPUT, "clientMutationId must be 1 to %d bytes of text", maxClientMutationID)
	case utf8.RuneCountInString(in.Purpose) > maxPurpose:
		return nil, kabinet.Errorf(kabinet.EBADINPUT, "purpose must be at most %d characters", maxPurpose)
	}
	now := c.Clock.Now().UTC()
	kind, err := c.kind(ctx, orgID, in.KindCode)
	if err != nil {
		return nil, err
	}
	if kind.NeedsPurpose && in.Purpose == "" {
		return nil, kabinet.Errorf(kabinet.EBADINPUT, "a certificate %q needs a purpose: say what it is for", kind.Title)
	}
	if err := checkPeriod(kind, in.PeriodFrom, in.PeriodTo, now); err != nil {
		return nil, err
	}
	r := &kabinet.CertificateRequest{ID: kabinet.NewID("cr"), OrgID: orgID, EmployeeID: employeeID, KindCode: kind.Code,
		KindTitle: kind.Title, Purpose: in.Purpose, PeriodFrom: in.PeriodFrom, PeriodTo: in.PeriodTo,
		Status: kabinet.CertificateRequested, DueOn: now.AddDate(0, 0, kind.PromisedDays).Format(time.DateOnly),
		ClientMutationID: in.ClientMutationID, Fingerprint: in.fingerprint(), CreatedAt: now}
	out, replayed, err := c.Store.CreateCertificateRequest(ctx, r)
	if err != nil {
		return nil, err
	}
	if replayed && out.Fingerprint != r.Fingerprint {
		return nil, kabinet.Errorf(kabinet.ECONFLICT, "clientMutationId %q was already used for another certificate request", in.ClientMutationID)
	}
	return out, nil
}

// kind returns the organisation's active kind with the code.
func (c *Certificates) kind(ctx context.Context, orgID, code string) (*kabinet.CertificateKind, error) {
	kinds, err := c.Store.CertificateKinds(ctx, orgID, true)
	if err != nil {
		return nil, err
	}
	for _, k := range kinds {
		if k.Code == code {
			return k, nil
		}
	}
	return nil, kabinet.Errorf(kabinet.EBADINPUT, "unknown certificate kind %q: ask for one of the organisation's kinds (availableCertificateKinds)", code)
}

// checkPeriod checks the period a kind needs: both dates, in order, not in
// the future, and at most ten years back. A kind that needs none takes
// none.
func checkPeriod(kind *kabinet.CertificateKind, from, to string, now time.Time) error {
	if !kind.NeedsPeriod {
		if from != "" || to != "" {
			return kabinet.Errorf(kabinet.EBADINPUT, "a certificate %q covers no period: leave periodFrom and periodTo out", kind.Title)
		}
		return nil
	}
	if from == "" || to == "" {
		return kabinet.Errorf(kabinet.EBADINPUT, "a certificate %q needs a period: periodFrom and periodTo", kind.Title)
	}
	f, err1 := time.Parse(time.DateOnly, from)
	t, err2 := time.Parse(time.DateOnly, to)
	switch {
	case err1 != nil || err2 != nil:
		return kabinet.Errorf(kabinet.EBADINPUT, "periodFrom and periodTo must be dates, YYYY-MM-DD")
	case t.Before(f):
		return kabinet.Errorf(kabinet.EBADINPUT, "the period ends (%s) before it starts (%s)", to, from)
	case t.After(now):
		return kabinet.Errorf(kabinet.EBADINPUT, "the period must have ended by today")
	case f.Before(now.AddDate(-maxPeriodYearsBehind, 0, 0)):
		return kabinet.Errorf(kabinet.EBADINPUT, "the period may start at most %d years ago", maxPeriodYearsBehind)
	}
	return nil
}

// Mine returns one of the employee's requests; NOT_FOUND for another's.
func (c *Certificates) Mine(ctx context.Context, orgID, employeeID, id string) (*kabinet.CertificateRequest, error) {
	r, err := c.Store.CertificateRequest(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	if r.EmployeeID != employeeID {
		return nil, kabinet.Errorf(kabinet.ENOTFOUND, "no certificate request %q of yours", id)
	}
	return r, nil
}

// Queue lists the organisation's requests, oldest first: those of a
// status, or all. BAD_USER_INPUT for an unknown status or a limit outside
// 1–1000.
func (c *Certificates) Queue(ctx context.Context, orgID, status string, limit int) ([]*kabinet.CertificateRequest, error) {
	if _, ok := certificateTransitions[status]; status != "" && !ok {
		return nil, kabinet.Errorf(kabinet.EBADINPUT, "unknown status %q", status)
	}
	if limit < 1 || limit > MaxCertificateQueue {
		return nil, kabinet.Errorf(kabinet.EBADINPUT, "limit must be between 1 and %d", MaxCertificateQueue)
	}
	return c.Store.CertificateRequests(ctx, orgID, kabinet.CertificateRequestFilter{Status: status, Limit: limit})
}

func orDefault[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}
