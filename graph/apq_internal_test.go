package graph

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
)

// TestPersistedQueriesAsGqlgen: for every shape of persistedQuery, the
// extension answers, rewrites the parameters, fills the cache and records
// the stats exactly as gqlgen's AutomaticPersistedQuery does.
func TestPersistedQueriesAsGqlgen(t *testing.T) {
	const known, unknown = `{ a }`, `{ b }`
	hash := func(q string) string { s := sha256.Sum256([]byte(q)); return hex.EncodeToString(s[:]) }
	pq := func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return map[string]any{"persistedQuery": m}
	}
	for _, tc := range []struct {
		name  string
		query string
		ext   map[string]any
	}{
		{"CachedHash", "", pq("version", json.Number("1"), "sha256Hash", hash(known))},
		{"UnknownHash", "", pq("version", json.Number("1"), "sha256Hash", hash(unknown))},
		{"QueryWithHash", unknown, pq("version", json.Number("1"), "sha256Hash", hash(unknown))},
		{"QueryWithWrongHash", unknown, pq("version", json.Number("1"), "sha256Hash", hash(known))},
		{"Version2", "", pq("version", json.Number("2"), "sha256Hash", hash(known))},
		{"VersionAsFloat", "", pq("version", json.Number("1.0"), "sha256Hash", hash(known))},
		{"VersionAsString", "", pq("version", "1", "sha256Hash", hash(known))},
		{"HashNotString", "", pq("version", json.Number("1"), "sha256Hash", json.Number("7"))},
		{"NoHash", "", pq("version", json.Number("1"))},
		{"OtherCase", "", pq("Version", json.Number("1"), "SHA256HASH", hash(known))},
		{"ExtraKey", "", pq("version", json.Number("1"), "sha256Hash", hash(known), "x", true)},
		{"NotAnObject", "", map[string]any{"persistedQuery": "x"}},
		{"None", known, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run := func(ext graphql.OperationParameterMutator, cache *lru.LRU[string]) (*graphql.RawParams, any, *graphql.OperationContext) {
				oc := &graphql.OperationContext{}
				ctx := graphql.WithOperationContext(context.Background(), oc)
				cache.Add(ctx, hash(known), known)
				p := &graphql.RawParams{Query: tc.query, Extensions: tc.ext}
				err := ext.MutateOperationParameters(ctx, p)
				return p, err, oc
			}
			ours, theirs := lru.New[string](10), lru.New[string](10)
			p1, e1, oc1 := run(persistedQueries{extension.AutomaticPersistedQuery{Cache: ours}}, ours)
			p2, e2, oc2 := run(extension.AutomaticPersistedQuery{Cache: theirs}, theirs)
			if !reflect.DeepEqual(e1, e2) || !reflect.DeepEqual(p1, p2) || !reflect.DeepEqual(oc1.Stats, oc2.Stats) {
				t.Fatalf("got %v, %+v, %+v; gqlgen: %v, %+v, %+v", e1, p1, oc1.Stats.GetExtension("APQ"), e2, p2, oc2.Stats.GetExtension("APQ"))
			}
			q1, _ := ours.Get(context.Background(), hash(unknown))
			q2, _ := theirs.Get(context.Background(), hash(unknown))
			if q1 != q2 {
				t.Fatalf("cache: got %q, gqlgen %q", q1, q2)
			}
		})
	}
}
