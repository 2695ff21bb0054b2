package requests

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kabinet/kabinet"
)

// certificateTransitions is the one table of a certificate request's
// states: where each status may go. READY and CANCELLED are final.
var certificateTransitions = map[string][]string{
	kabinet.CertificateRequested:  {kabinet.CertificateInProgress, kabinet.CertificateReady, kabinet.CertificateCancelled},
	kabinet.CertificateInProgress: {kabinet.CertificateReady, kabinet.CertificateCancelled},
	kabinet.CertificateReady:      nil,
	kabinet.CertificateCancelled:  nil,
}

// transition moves the organisation's request to status t.To if the table
// allows it from its status now, in one transaction with the request
// locked; CONFLICT otherwise (deciding twice included), NOT_FOUND for a
// request of another organisation. After the commit, a request made ready
// is told to the employee.
func (c *Certificates) transition(ctx context.Context, orgID, id string, t kabinet.CertificateTransition) (*kabinet.CertificateRequest, error) {
	t.At = c.Clock.Now().UTC()
	r, err := c.Store.TransitionCertificateRequest(ctx, orgID, id, func(cur *kabinet.CertificateRequest) (kabinet.CertificateTransition, error) {
		if !slices.Contains(certificateTransitions[cur.Status], t.To) {
			return t, kabinet.Errorf(kabinet.ECONFLICT, "certificate request %s is %s: it cannot become %s", id, cur.Status, t.To)
		}
		return t, nil
	})
	if err != nil {
		return nil, err
	}
	if t.To == kabinet.CertificateReady && c.Notify != nil {
		c.Notify.CertificateReady(ctx, r)
	}
	return r, nil
}

// Start marks the request in progress: HR took it. CONFLICT unless it is
// REQUESTED; NOT_FOUND.
func (c *Certificates) Start(ctx context.Context, orgID, id string) (*kabinet.CertificateRequest, error) {
	return c.transition(ctx, orgID, id, kabinet.CertificateTransition{To: kabinet.CertificateInProgress})
}

// Complete marks the request ready, with its PDF or to collect on paper
// (exactly one), and tells the employee. The PDF is checked before anything
// is written: BAD_USER_INPUT for neither or both, a file over
// kabinet.MaxCertificateFile or one that is not a PDF (CheckPDF).
// CONFLICT when the request is ready or cancelled already; NOT_FOUND.
func (c *Certificates) Complete(ctx context.Context, orgID, id string, file []byte, onPaper bool) (*kabinet.CertificateRequest, error) {
	switch {
	case file == nil && !onPaper:
		return nil, kabinet.Errorf(kabinet.EBADINPUT, "attach the certificate's PDF (file) or say it is to be collected on paper (onPaper: true)")
	case file != nil && onPaper:
		return nil, kabinet.Errorf(kabinet.EBADINPUT, "a certificate is either a PDF (file) or on paper (onPaper), not both")
	}
	t := kabinet.CertificateTransition{To: kabinet.CertificateReady, OnPaper: onPaper}
	if file != nil {
		if err := CheckPDF(file); err != nil {
			return nil, err
		}
		sum := sha256.Sum256(file)
		t.File, t.SHA256 = file, hex.EncodeToString(sum[:])
	}
	return c.transition(ctx, orgID, id, t)
}

// Cancel cancels the request with a reason the employee sees. BAD_USER_INPUT
// for an empty or over-long reason; CONFLICT when it is ready or cancelled
// already; NOT_FOUND.
func (c *Certificates) Cancel(ctx context.Context, orgID, id, reason string) (*kabinet.CertificateRequest, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > maxCancelReason {
		return nil, kabinet.Errorf(kabinet.EBADINPUT, "reason must be 1 to %d characters: the employee sees it", maxCancelReason)
	}
	return c.transition(ctx, orgID, id, kabinet.CertificateTransition{To: kabinet.CertificateCancelled, Reason: reason})
}
