package graph

import (
	"context"
	"sort"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/kabinet/kabinet"
)

// auditNote lets a resolver tell the audit what only it knows: the
// organisation a createOrganization made.
type auditNote struct{ OrgID string }

type auditNoteKey struct{}

// noteAuditOrg records, for the audit of the running mutation, the
// organisation it concerns.
func noteAuditOrg(ctx context.Context, orgID string) {
	if n, ok := ctx.Value(auditNoteKey{}).(*auditNote); ok {
		n.OrgID = orgID
	}
}

// auditEntry is the audit entry of a mutation made with an organisation key
// or the operator token. Targets are only the external IDs named in the
// arguments: amounts, codes, tokens and passwords are never looked at, so
// they cannot leak into the log.
func auditEntry(ctx context.Context, fc *graphql.RootFieldContext, oc *graphql.OperationContext, outcome string) *kabinet.AuditEntry {
	actor := kabinet.ActorFrom(ctx)
	e := &kabinet.AuditEntry{
		OrgID:     actor.OrgID,
		Actor:     "operator",
		Operation: fc.Field.Name,
		Outcome:   outcome,
		Address:   actor.Address,
		RequestID: actor.RequestID,
		Targets:   externalIDs(fc.Field.ArgumentMap(oc.Variables)),
	}
	if actor.Role == kabinet.RoleOrganization {
		e.Actor = "key:" + actor.KeyID
	}
	return e
}

// audit records a mutation after it ran, with its outcome, when no write of
// it committed the entry already (kabinet.PendingAudit): it was refused,
// changed nothing, or is the operator's (whose organisation a
// createOrganization only knows afterwards). ctx must not carry the pending
// entry.
func audit(ctx context.Context, o Options, fc *graphql.RootFieldContext, oc *graphql.OperationContext, outcome string, note *auditNote) {
	e := auditEntry(ctx, fc, oc, outcome)
	if note.OrgID != "" {
		e.OrgID = note.OrgID // so that a new organisation sees its creation
	}
	// The audit is written even if the client has gone away.
	if err := o.Auditor.RecordAudit(context.WithoutCancel(ctx), e); err != nil {
		o.Logger.ErrorContext(ctx, "audit write failed", "request_id", e.RequestID, "operation", e.Operation, "err", err)
	}
}

// externalIDs collects, from raw arguments, the values of every key that
// names external IDs (externalId, employeeExternalId, employeeExternalIds…).
func externalIDs(args map[string]any) []string {
	set := map[string]bool{}
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, vv := range x {
				walk(k, vv)
			}
		case []any:
			for _, vv := range x {
				walk(key, vv)
			}
		case string:
			k := strings.ToLower(key)
			if strings.HasSuffix(k, "externalid") || strings.HasSuffix(k, "externalids") {
				set[x] = true
			}
		}
	}
	for k, v := range args {
		walk(k, v)
	}
	out := make([]string, 0, len(set))
	for id := range set {
		out = append(out, id)
	}
	sort.Strings(out)
	if len(out) > 1000 {
		out = append(out[:1000], "…")
	}
	return out
}
