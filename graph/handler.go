package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/graph/model"
	"github.com/kabinet/kabinet/passhash"
	"github.com/kabinet/kabinet/payroll"
)

// Auditor records mutations made with an organisation key or the operator
// token.
type Auditor interface {
	RecordAudit(ctx context.Context, e *kabinet.AuditEntry) error
}

// Options configure the GraphQL handler.
type Options struct {
	Logger *slog.Logger
	// Auditor records every mutation of operators and organisation keys.
	Auditor Auditor
	// Limits bound what a document may cost before it runs.
	Limits Limits
	// QueryCacheBytes bounds the cache of parsed and validated documents
	// (default 16 MiB, counted as what a parsed document holds);
	// APQCacheBytes the texts of persisted queries (default 4 MiB).
	QueryCacheBytes int
	APQCacheBytes   int
	// Introspection enables the __schema and __type fields and the "Did you
	// mean" suggestions of validation errors: the schema is a map of the
	// attack surface, so production turns them off.
	Introspection bool
	// Metrics, if set, observes each operation.
	Metrics func(operation, code string, d time.Duration)
}

// NewHandler returns the GraphQL endpoint: POST and GET (queries only),
// automatic persisted queries, depth and complexity limits, the @auth
// directive, an audit of mutations, and errors presented with
// extensions.code. The caller must put the *kabinet.Actor in the request
// context (see AuthError for a rejected token).
func NewHandler(r *Resolver, o Options) http.Handler {
	return newHandler(r, o, jsonPOST{})
}

// newHandler is NewHandler with the given POST transport.
func newHandler(r *Resolver, o Options, post graphql.Transport) http.Handler {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	o.Limits.defaults()
	if o.QueryCacheBytes == 0 {
		o.QueryCacheBytes = 16 << 20
	}
	if o.APQCacheBytes == 0 {
		o.APQCacheBytes = 4 << 20
	}
	cfg := Config{Resolvers: r}
	cfg.Directives.Auth = authDirective
	srv := handler.New(withComplexity(NewExecutableSchema(cfg), cfg.Complexity))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(jsonGET{})
	srv.AddTransport(post)
	srv.AddTransport(multipartPOST{})
	docs := newByteLRU(o.QueryCacheBytes, func(q string, _ *ast.QueryDocument) int { return docCost * len(q) })
	srv.SetQueryCache(docs)
	if o.Introspection {
		srv.Use(extension.Introspection{})
	}
	srv.SetDisableSuggestion(!o.Introspection)
	// Order matters: the persisted query's text is found before the limits
	// look at it.
	srv.Use(persistedQueries{cache: newByteLRU(o.APQCacheBytes, func(hash, q string) int { return len(hash) + len(q) })})
	srv.Use(docLimits{Limits: o.Limits, cache: docs, introspection: o.Introspection})
	srv.SetErrorPresenter(presenter(o.Logger, o.Introspection))
	srv.SetRecoverFunc(func(ctx context.Context, p any) error {
		a := kabinet.ActorFrom(ctx)
		o.Logger.ErrorContext(ctx, "panic in resolver", "request_id", a.RequestID, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		return errors.New("panic")
	})
	srv.AroundOperations(hashBudget)
	srv.AroundRootFields(rootFields(o))
	return transportGuard(srv)
}

// docCost is what a parsed and validated document holds per byte of its
// text (measured: about 21 for a typical query).
const docCost = 32

// hashBudget allows a mutation one password (or old PIN) hash, whatever
// its aliases ask for (passhash.Spend). A query reads each organisation
// chart at most once, however many employees' managers it asks for
// (payroll.WithOrgCharts: one small allocation, the chart only when read).
func hashBudget(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if oc := graphql.GetOperationContext(ctx); oc.Operation != nil && oc.Operation.Operation == ast.Mutation {
		ctx = passhash.WithBudget(ctx, 1)
	} else if oc.Operation != nil {
		ctx = payroll.WithOrgCharts(ctx)
	}
	return next(ctx)
}

// rootFields observes every root field once it has run: its metrics, and
// for mutations of operators and organisation keys, the audit log.
func rootFields(o Options) graphql.RootFieldMiddleware {
	return func(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
		start := time.Now()
		oc := graphql.GetOperationContext(ctx)
		fc := graphql.GetRootFieldContext(ctx)
		mutation := oc != nil && oc.Operation != nil && oc.Operation.Operation == ast.Mutation
		actor := kabinet.ActorFrom(ctx)
		var note *auditNote
		var pending *kabinet.PendingAudit
		auditCtx := ctx
		if mutation && o.Auditor != nil && (actor.Role == kabinet.RoleOrganization || actor.Role == kabinet.RoleOperator) {
			note = &auditNote{}
			ctx = context.WithValue(ctx, auditNoteKey{}, note)
			auditCtx = ctx
			if actor.Role == kabinet.RoleOrganization {
				// The store writes the entry with the mutation's first commit.
				ctx, pending = kabinet.WithPendingAudit(ctx, auditEntry(ctx, fc, oc, "OK"))
			}
		}
		res := next(ctx)
		code := fieldCode(ctx, fc.Field.Alias)
		if note != nil && (pending == nil || !pending.Written()) {
			audit(auditCtx, o, fc, oc, code, note)
		}
		if o.Metrics != nil {
			op := "query"
			if mutation {
				op = "mutation"
			}
			o.Metrics(op+"."+fc.Field.Name, code, time.Since(start))
		}
		return res
	}
}

// fieldCode is the code of the first error under the root field with this
// alias, or OK.
func fieldCode(ctx context.Context, alias string) string {
	for _, e := range graphql.GetErrors(ctx) {
		if len(e.Path) > 0 && e.Path[0] == ast.PathName(alias) {
			if e.Err != nil {
				return codeOf(e.Err)
			}
			if c, ok := e.Extensions["code"].(string); ok {
				return c
			}
			return kabinet.EINTERNAL
		}
	}
	return "OK"
}

// codeOf returns the contract code an error will be presented with.
func codeOf(err error) string {
	var ke *kabinet.Error
	if errors.As(err, &ke) {
		return ke.Code
	}
	return kabinet.EINTERNAL
}

type authErrorKey struct{}

// WithAuthError returns ctx carrying the reason a bearer token was refused,
// so that protected fields answer UNAUTHENTICATED with it while public ones
// (sign-in) still work.
func WithAuthError(ctx context.Context, err error) context.Context {
	return context.WithValue(ctx, authErrorKey{}, err)
}

// authDirective enforces @auth(role:) on root fields.
func authDirective(ctx context.Context, _ any, next graphql.Resolver, role model.Role) (any, error) {
	if role == model.RolePublic {
		return next(ctx)
	}
	a := kabinet.ActorFrom(ctx)
	if a.Role == kabinet.RoleAnonymous {
		if err, ok := ctx.Value(authErrorKey{}).(error); ok && err != nil {
			return nil, err
		}
		return nil, kabinet.Errorf(kabinet.EUNAUTHENTICATED, "authentication required: send Authorization: Bearer <token>")
	}
	want := map[model.Role]kabinet.Role{
		model.RoleOperator:     kabinet.RoleOperator,
		model.RoleOrganization: kabinet.RoleOrganization,
		model.RoleEmployee:     kabinet.RoleEmployee,
	}[role]
	if a.Role != want {
		return nil, kabinet.Errorf(kabinet.EFORBIDDEN, "this operation needs %s credentials, not %s", strings.ToLower(string(role)), a.Role)
	}
	return next(ctx)
}

// presenter puts the contract code into extensions.code. Errors that are not
// *kabinet.Error are internal: logged with the request id, shown as INTERNAL.
// No message quotes more than a short prefix of a client's value, and
// without suggestions no message says "Did you mean".
func presenter(log *slog.Logger, suggestions bool) graphql.ErrorPresenterFunc {
	present := presentCode(log)
	return func(ctx context.Context, err error) *gqlerror.Error {
		e := present(ctx, err)
		e.Message = shortMessage(e.Message, suggestions)
		if items, ok := e.Extensions["items"].([]kabinet.ItemError); ok {
			short := make([]kabinet.ItemError, len(items))
			for i, it := range items {
				it.Reason, it.ExternalID = shortMessage(it.Reason, suggestions), kabinet.Clip(it.ExternalID, kabinet.QuoteLimit)
				short[i] = it
			}
			e.Extensions["items"] = short
		}
		return e
	}
}

// maxMessage bounds an error message, in bytes.
const maxMessage = 300

// shortMessage cuts every quoted value in msg to a short prefix, drops
// "Did you mean" suggestions unless wanted, and bounds the whole.
func shortMessage(msg string, suggestions bool) string {
	if !suggestions {
		if i := strings.Index(msg, " Did you mean "); i >= 0 {
			msg = msg[:i]
		}
	}
	var b strings.Builder
	for {
		open := strings.IndexByte(msg, '"')
		if open < 0 {
			break
		}
		end := closingQuote(msg, open+1)
		if end < 0 {
			break
		}
		b.WriteString(msg[:open+1])
		inner := msg[open+1 : end]
		if len(inner) > kabinet.QuoteLimit {
			inner = kabinet.Clip(inner, kabinet.QuoteLimit)
		}
		b.WriteString(inner)
		b.WriteByte('"')
		msg = msg[end+1:]
	}
	b.WriteString(msg)
	// A value outside quotes (an enum literal) is cut the same way.
	words := strings.Split(b.String(), " ")
	for i, w := range words {
		if len(w) > kabinet.QuoteLimit+8 {
			words[i] = kabinet.Clip(w, kabinet.QuoteLimit)
		}
	}
	return kabinet.Clip(strings.Join(words, " "), maxMessage)
}

// closingQuote is the index of the quote that ends a quoted text starting at
// i (backslash escapes skipped), or -1.
func closingQuote(s string, i int) int {
	for ; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

// presentCode maps an error to its contract code.
func presentCode(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		var ke *kabinet.Error
		if errors.As(err, &ke) {
			gqlErr.Message = ke.Message
			gqlErr.Extensions = map[string]any{"code": ke.Code}
			if len(ke.Items) > 0 {
				gqlErr.Extensions["items"] = ke.Items
			}
			if ke.RetryAfter > 0 {
				gqlErr.Extensions["retryAfterSeconds"] = int((ke.RetryAfter + time.Second - 1) / time.Second)
			}
			return gqlErr
		}
		if code, ok := gqlErr.Extensions["code"].(string); ok {
			switch code {
			case errcode.ValidationFailed, errcode.ParseFailed, "COMPLEXITY_LIMIT_EXCEEDED":
				gqlErr.Extensions["code"] = kabinet.EBADINPUT
				gqlErr.Extensions["reason"] = code
				return gqlErr
			case "PERSISTED_QUERY_NOT_FOUND":
				return gqlErr // the APQ protocol: the client resends the query
			case kabinet.EBADINPUT, kabinet.EFORBIDDEN:
				return gqlErr // raised by our own extensions (document limits)
			}
		}
		a := kabinet.ActorFrom(ctx)
		log.ErrorContext(ctx, "internal error", "request_id", a.RequestID, "err", err.Error())
		gqlErr.Message = "internal error (request " + a.RequestID + ")"
		gqlErr.Extensions = map[string]any{"code": kabinet.EINTERNAL}
		return gqlErr
	}
}
