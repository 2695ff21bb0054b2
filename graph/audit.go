package graph

import (
	"context"
	"log/slog"
	"sort"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/graph/model"
)

// audit records every mutation made with an organisation key or the operator
// token, after it ran, with its outcome. Targets are only the external IDs
// named in the arguments: amounts, codes, tokens and passwords are never
// looked at, so they cannot leak into the log.
func audit(a Auditor, log *slog.Logger) graphql.FieldMiddleware {
	return func(ctx context.Context, next graphql.Resolver) (any, error) {
		fc := graphql.GetFieldContext(ctx)
		actor := kabinet.ActorFrom(ctx)
		if fc == nil || fc.Object != "Mutation" || (actor.Role != kabinet.RoleOrganization && actor.Role != kabinet.RoleOperator) {
			return next(ctx)
		}
		res, err := next(ctx)
		e := &kabinet.AuditEntry{
			OrgID:     actor.OrgID,
			Actor:     "operator",
			Operation: fc.Field.Name,
			Outcome:   "OK",
			Address:   actor.Address,
			RequestID: actor.RequestID,
		}
		if actor.Role == kabinet.RoleOrganization {
			e.Actor = "key:" + actor.KeyID
		}
		if err != nil {
			e.Outcome = codeOf(err)
		}
		if oc := graphql.GetOperationContext(ctx); oc != nil {
			e.Targets = externalIDs(fc.Field.ArgumentMap(oc.Variables))
		}
		if p, ok := res.(*model.CreateOrganizationPayload); ok && p != nil && p.Organization != nil {
			e.OrgID = p.Organization.ID // so that the new organisation sees its creation
		}
		// The audit is written even if the client has gone away.
		if aerr := a.RecordAudit(context.WithoutCancel(ctx), e); aerr != nil {
			log.ErrorContext(ctx, "audit write failed", "request_id", actor.RequestID, "operation", e.Operation, "err", aerr)
		}
		return res, err
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
