package push

import (
	"context"

	"github.com/kabinet/kabinet"
)

// CertificateReady plans, after a certificate request was made ready
// (requests.CertificateNotifier), the employee's notice: after the send
// delay and inside the delivery window, once per request (the outbox's
// unique key). A failure to plan is logged: the request is ready all the
// same, and the phone sees it at its next sync.
func (s *Service) CertificateReady(ctx context.Context, r *kabinet.CertificateRequest) {
	st, err := s.Settings(ctx, r.OrgID)
	if err == nil {
		now := s.now()
		onPaper := ""
		if r.OnPaper {
			onPaper = "true"
		}
		row := kabinet.PlannedNotification{Kind: kabinet.NotifyCertificateReady, SubjectID: r.ID, RecipientID: r.EmployeeID,
			EmployeeID: r.EmployeeID, BaseAt: now, DueAt: now.Add(st.SendDelay), Params: paramsJSON(struct {
				Title   string `json:"title"`
				OnPaper string `json:"onPaper,omitempty"`
			}{r.KindTitle, onPaper})}
		_, err = s.Store.PlanNotifications(ctx, r.OrgID, []kabinet.PlannedNotification{row}, false)
	}
	if err != nil {
		a := kabinet.ActorFrom(ctx)
		s.logger().ErrorContext(ctx, "push: plan certificate-ready notice", "request_id", a.RequestID, "err", err)
		return
	}
	s.wake()
}
