package console

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/hr"
)

// AuditLog records and reads the audit log (the store).
type AuditLog interface {
	RecordAudit(ctx context.Context, e *kabinet.AuditEntry) error
	AuditLog(ctx context.Context, orgID string, before int64, limit int) ([]*kabinet.AuditEntry, error)
}

// Every POST of a signed-in user is audited, allowed or refused: the entry
// names the HR user (actor "hr:<id>" and their name), the route as the
// operation ("console:/users/:id/role"), the targets and, for a settings
// change, before and after (set by the handler with r.Audit before it
// calls the service). Like the GraphQL mutations' entries, it rides in the
// context (kabinet.PendingAudit) so that the store writes it in the
// transaction of the change; a request that changed nothing records it
// afterwards with its outcome.

// auditEntry starts the audit entry of a POST by the request's user.
func (r *Request) auditEntry() *kabinet.AuditEntry {
	a := r.Actor()
	return &kabinet.AuditEntry{OrgID: r.User.OrgID, Actor: "hr:" + r.User.ID, ActorName: r.User.FullName,
		Operation: "console:" + strings.TrimPrefix(r.C.Route().Path, Prefix), Targets: []string{}, Outcome: "OK", Address: a.Address, RequestID: a.RequestID}
}

// Audit names what an action touches and, for a settings change, the
// settings before and after (any JSON-encodable values; nil for none).
// Call it before the service call that writes.
func (r *Request) Audit(targets []string, before, after any) {
	if r.audit == nil {
		return
	}
	r.audit.Targets = append(r.audit.Targets, targets...)
	if before != nil || after != nil {
		b, err := json.Marshal(map[string]any{"before": before, "after": after})
		if err == nil {
			r.audit.Detail = string(b)
		}
	}
}

// finishAudit records the entry unless the change's transaction did. ctx
// must not carry the pending entry (the store would write it twice).
func (r *Request) finishAudit(ctx context.Context, pending *kabinet.PendingAudit, err error) {
	if pending.Written() {
		return
	}
	e := r.audit
	e.Outcome = outcome(r.C.Response().StatusCode(), err)
	if rerr := r.console.cfg.Audit.RecordAudit(context.WithoutCancel(ctx), e); rerr != nil {
		r.Log().Error("console audit", "err", rerr)
	}
}

// outcome is OK or the code of the answer.
func outcome(status int, err error) string {
	switch {
	case errors.Is(err, errTOTPSetup):
		return kabinet.EFORBIDDEN
	case status < 400:
		return "OK"
	case status == fiber.StatusUnauthorized:
		return kabinet.EUNAUTHENTICATED
	case status == fiber.StatusForbidden:
		return kabinet.EFORBIDDEN
	case status == fiber.StatusNotFound:
		return kabinet.ENOTFOUND
	case status == fiber.StatusConflict:
		return kabinet.ECONFLICT
	case status == fiber.StatusTooManyRequests:
		return kabinet.ERATELIMITED
	case status < 500:
		return kabinet.EBADINPUT
	}
	return kabinet.EINTERNAL
}

// auditRoutes: the audit log, for every role.
func (c *Console) auditRoutes() {
	c.get("/audit", hr.PermView, c.auditPage)
	c.nav("/audit", "nav.audit", hr.PermView)
}

const auditPageSize = 50

// auditRow is one entry as the page shows it.
type auditRow struct {
	*kabinet.AuditEntry
	Operation string
	Before    string
	After     string
}

func (c *Console) auditPage(r *Request) error {
	var before int64
	if b := r.C.Query("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 {
			return kabinet.Errorf(kabinet.EBADINPUT, "%s", r.T("audit.bad_before"))
		}
		before = n
	}
	entries, err := c.cfg.Audit.AuditLog(r.Context(), r.Actor().OrgID, before, auditPageSize)
	if err != nil {
		return err
	}
	rows := make([]auditRow, len(entries))
	for i, e := range entries {
		rows[i] = auditRow{AuditEntry: e, Operation: e.Operation}
		if key := "audit.op." + e.Operation; c.i18n.Has(key) {
			rows[i].Operation = r.T(key)
		}
		if e.Detail != "" {
			var d struct{ Before, After json.RawMessage }
			if json.Unmarshal([]byte(e.Detail), &d) == nil {
				rows[i].Before, rows[i].After = string(d.Before), string(d.After)
			}
		}
	}
	data := map[string]any{"Rows": rows}
	if len(entries) == auditPageSize {
		data["Next"] = entries[len(entries)-1].ID
	}
	return r.Render("audit", data)
}
