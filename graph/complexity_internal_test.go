package graph

import (
	"context"
	"testing"

	"github.com/99designs/gqlgen/complexity"
	"github.com/vektah/gqlparser/v2"
)

// TestDefaultComplexity: without rules, the shortcut computes every
// operation's complexity as the generated Complexity does; with a rule, the
// schema is left as it is.
func TestDefaultComplexity(t *testing.T) {
	es := NewExecutableSchema(Config{Resolvers: &Resolver{}})
	fast := withComplexity(es, ComplexityRoot{})
	if _, ok := fast.(defaultComplexity); !ok {
		t.Fatalf("no rule: got %T, want the shortcut", fast)
	}
	for _, q := range []string{
		`query($c: String) { sync(cursor: $c, limit: 10) { payslips { id lines { title amount } } deleted { type id } cursor hasMore } }`,
		`{ a: employees { externalId } b: employees { externalId lastName } __typename }`,
		`query { ...F } fragment F on Query { organization { id name } }`,
		`mutation { markPayslipViewed(input: {payslipId: "p", viewedAt: "2026-01-01T00:00:00Z", clientMutationId: "m"}) { id viewedAt } }`,
	} {
		doc, err := gqlparser.LoadQuery(es.Schema(), q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		vars := map[string]any{"c": "x"}
		want := complexity.Calculate(context.Background(), es, doc.Operations[0], vars)
		if got := complexity.Calculate(context.Background(), fast, doc.Operations[0], vars); got != want || want == 0 {
			t.Errorf("%s: got %d, generated %d", q, got, want)
		}
	}
	var root ComplexityRoot
	root.Query.Sync = func(child int, _ *string, _ *int) int { return 100 * child }
	if _, ok := withComplexity(es, root).(defaultComplexity); ok {
		t.Fatal("with a rule: the shortcut was taken")
	}
}
