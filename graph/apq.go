package graph

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// persistedQueries is automatic persisted queries (APQ), as gqlgen's
// extension of that name, except that a query's text is kept only once its
// document has parsed and validated: a hash cannot pin invalid text in the
// cache.
type persistedQueries struct {
	cache graphql.Cache[string]
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.OperationContextMutator
} = persistedQueries{}

func (persistedQueries) ExtensionName() string                   { return "AutomaticPersistedQuery" }
func (persistedQueries) Validate(graphql.ExecutableSchema) error { return nil }

// persistedHash reads extensions.persistedQuery: ok is false when there is
// none.
func persistedHash(ext map[string]any) (hash string, ok bool, err *gqlerror.Error) {
	pq, present := ext["persistedQuery"]
	if !present || pq == nil {
		return "", false, nil
	}
	m, _ := pq.(map[string]any)
	hash, _ = m["sha256Hash"].(string)
	// Checked without reflection (gqlgen's mapstructure decoding was an
	// eighth of a no-change sync's server time); the decoders keep numbers
	// as json.Number.
	if v, _ := m["version"].(json.Number); v != "1" || len(hash) != 64 {
		return "", false, refusal("PERSISTED_QUERY_INVALID", "extensions.persistedQuery must be {version: 1, sha256Hash: <64 hex digits>}")
	}
	return hash, true, nil
}

func (a persistedQueries) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	hash, ok, err := persistedHash(p.Extensions)
	if !ok {
		return err
	}
	sent := p.Query != ""
	if !sent {
		if p.Query, ok = a.cache.Get(ctx, hash); !ok {
			// The APQ protocol: the client sends the query with its hash.
			e := gqlerror.Errorf("PersistedQueryNotFound")
			errcode.Set(e, "PERSISTED_QUERY_NOT_FOUND")
			return e
		}
	} else if sum := sha256.Sum256([]byte(p.Query)); hex.EncodeToString(sum[:]) != hash {
		return refusal("PERSISTED_QUERY_HASH_MISMATCH", "extensions.persistedQuery.sha256Hash is not the SHA-256 of the query")
	}
	graphql.GetOperationContext(ctx).Stats.SetExtension("APQ", &extension.ApqStats{Hash: hash, SentQuery: sent})
	return nil
}

// MutateOperationContext keeps the query under its hash: the document
// parsed and validated, and MutateOperationParameters checked the hash.
func (a persistedQueries) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if hash, ok, _ := persistedHash(oc.Extensions); ok {
		a.cache.Add(ctx, hash, oc.RawQuery)
	}
	return nil
}
