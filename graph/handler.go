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
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/graph/model"
	"github.com/kabinet/kabinet/passhash"
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
	// MaxDepth and MaxComplexity bound a query's shape (defaults 12, 1000).
	MaxDepth      int
	MaxComplexity int
	// APQCacheSize is the number of persisted queries kept (default 1000).
	APQCacheSize int
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
	if o.MaxDepth == 0 {
		o.MaxDepth = 12
	}
	if o.MaxComplexity == 0 {
		o.MaxComplexity = 1000
	}
	if o.APQCacheSize == 0 {
		o.APQCacheSize = 1000
	}
	cfg := Config{Resolvers: r}
	cfg.Directives.Auth = authDirective
	srv := handler.New(NewExecutableSchema(cfg))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(post)
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.Use(extension.Introspection{})
	srv.Use(persistedQueries{extension.AutomaticPersistedQuery{Cache: lru.New[string](o.APQCacheSize)}})
	srv.Use(extension.FixedComplexityLimit(o.MaxComplexity))
	srv.Use(depthLimit{max: o.MaxDepth})
	srv.SetErrorPresenter(presenter(o.Logger))
	srv.SetRecoverFunc(func(ctx context.Context, p any) error {
		a := kabinet.ActorFrom(ctx)
		o.Logger.ErrorContext(ctx, "panic in resolver", "request_id", a.RequestID, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		return errors.New("panic")
	})
	srv.AroundOperations(hashBudget)
	srv.AroundRootFields(rootFields(o))
	return transportGuard(srv)
}

// hashBudget allows a mutation one password (or old PIN) hash, whatever
// its aliases ask for (passhash.Spend).
func hashBudget(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if oc := graphql.GetOperationContext(ctx); oc.Operation != nil && oc.Operation.Operation == ast.Mutation {
		ctx = passhash.WithBudget(ctx, 1)
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
		if mutation && o.Auditor != nil && (actor.Role == kabinet.RoleOrganization || actor.Role == kabinet.RoleOperator) {
			note = &auditNote{}
			ctx = context.WithValue(ctx, auditNoteKey{}, note)
		}
		res := next(ctx)
		code := fieldCode(ctx, fc.Field.Alias)
		if note != nil {
			audit(ctx, o, fc, oc, code, note)
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
func presenter(log *slog.Logger) graphql.ErrorPresenterFunc {
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
			case kabinet.EBADINPUT:
				return gqlErr // raised by our own extensions (depth limit)
			}
		}
		if gqlErr.Extensions == nil && strings.HasPrefix(gqlErr.Message, "json request body could not be decoded") {
			// gqlgen's message quotes the whole body (passwords, codes): it is
			// neither logged nor returned.
			gqlErr.Message = "the request body is not valid JSON"
			gqlErr.Extensions = map[string]any{"code": kabinet.EBADINPUT}
			return gqlErr
		}
		a := kabinet.ActorFrom(ctx)
		log.ErrorContext(ctx, "internal error", "request_id", a.RequestID, "err", err.Error())
		gqlErr.Message = "internal error (request " + a.RequestID + ")"
		gqlErr.Extensions = map[string]any{"code": kabinet.EINTERNAL}
		return gqlErr
	}
}
