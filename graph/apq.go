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

// persistedQueries is gqlgen's AutomaticPersistedQuery without its
// reflection on the common request: gqlgen decodes the persistedQuery
// extension with mapstructure, an eighth of a no-change sync's server time.
// A persistedQuery of exactly {"version": 1, "sha256Hash": "…"} (as JSON
// decodes it) is handled here, with the same cache, answers and stats;
// any other shape goes to gqlgen's, so every refusal is worded as before.
type persistedQueries struct {
	extension.AutomaticPersistedQuery
}

// MutateOperationParameters resolves or records the query of a hash.
func (a persistedQueries) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	pq, ok := p.Extensions["persistedQuery"].(map[string]any)
	if !ok || len(pq) != 2 {
		return a.AutomaticPersistedQuery.MutateOperationParameters(ctx, p)
	}
	hash, okHash := pq["sha256Hash"].(string)
	version, okVersion := pq["version"].(json.Number)
	if !okHash || !okVersion || version != "1" {
		return a.AutomaticPersistedQuery.MutateOperationParameters(ctx, p)
	}
	sent := p.Query != ""
	if !sent {
		if p.Query, ok = a.Cache.Get(ctx, hash); !ok {
			err := gqlerror.Errorf("PersistedQueryNotFound")
			errcode.Set(err, "PERSISTED_QUERY_NOT_FOUND")
			return err
		}
	} else {
		sum := sha256.Sum256([]byte(p.Query))
		if hex.EncodeToString(sum[:]) != hash {
			return gqlerror.Errorf("provided APQ hash does not match query")
		}
		a.Cache.Add(ctx, hash, p.Query)
	}
	graphql.GetOperationContext(ctx).Stats.SetExtension("APQ", &extension.ApqStats{Hash: hash, SentQuery: sent})
	return nil
}
