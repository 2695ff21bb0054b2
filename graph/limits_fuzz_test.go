package graph

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// FuzzDocumentChecks: for any document text the checks that run before
// validation never panic and take time linear in the document: the work
// of a check (the selection sets it visits) is bounded by the document's
// nodes, however its fragments spread one another.
func FuzzDocumentChecks(f *testing.F) {
	for _, s := range []string{
		`{ organization { id } }`,
		`{ ...A } fragment A on Query { ...B ...B } fragment B on Query { ...C ...C } fragment C on Query { __typename }`,
		`query Q($a: Int = 1) @skip(if: true) { employees(limit: $a) { manager { ...M } } } fragment M on Employee { id manager { ...M } }`,
		`{ __schema { types { ...T } } } fragment T on __Type { name fields { name } }`,
		`{ a: x(i: {a: 1, b: [1, {c: 2}]}) { ... on Foo { b } } }`,
	} {
		f.Add(s)
	}
	d := docLimits{cache: newByteLRU(1<<20, func(q string, _ *ast.QueryDocument) int { return len(q) })}
	d.Limits.defaults()
	f.Fuzz(func(t *testing.T, q string) {
		doc, err := parser.ParseQuery(&ast.Source{Input: q})
		if err != nil {
			return
		}
		start := time.Now()
		e := d.MutateOperationParameters(context.Background(), paramsOf(q))
		if took := time.Since(start); took > time.Second {
			t.Fatalf("checking %d bytes took %v", len(q), took)
		}
		if e != nil && (e.Extensions["code"] == nil || e.Message == "") {
			t.Fatalf("refusal without a code: %+v", e)
		}
		// Work: each selection set of the document is walked once, from
		// wherever it is reached first; fragments are remembered, not
		// expanded.
		m := newMeasure(doc)
		for _, op := range doc.Operations {
			m.set(op.SelectionSet)
		}
		for _, fr := range doc.Fragments {
			m.fragment(fr.Name)
		}
		if sets := strings.Count(q, "{") + len(doc.Operations); m.visits > sets {
			t.Fatalf("the measure walked %d selection sets of a document that has at most %d", m.visits, sets)
		}
	})
}

func paramsOf(q string) *graphql.RawParams { return &graphql.RawParams{Query: q} }
