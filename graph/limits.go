package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/kabinet/kabinet"
)

// depthLimit refuses operations nested deeper than max (BAD_USER_INPUT).
// Introspection fields do not count: the standard introspection query is
// deep by design and cheap.
type depthLimit struct{ max int }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = depthLimit{}

func (depthLimit) ExtensionName() string                   { return "DepthLimit" }
func (depthLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (d depthLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	if n := depth(oc.Operation.SelectionSet, oc.Doc.Fragments, 0); n > d.max {
		return &gqlerror.Error{
			Message:    "query is nested too deeply",
			Extensions: map[string]any{"code": kabinet.EBADINPUT, "depth": n, "maxDepth": d.max},
		}
	}
	return nil
}

func depth(set ast.SelectionSet, frags ast.FragmentDefinitionList, seen int) int {
	if seen > 64 { // fragment cycles are rejected by validation; stay finite anyway
		return seen
	}
	deepest := 0
	for _, sel := range set {
		var n int
		switch s := sel.(type) {
		case *ast.Field:
			if len(s.Name) > 1 && s.Name[:2] == "__" {
				continue
			}
			if len(s.SelectionSet) > 0 {
				n = 1 + depth(s.SelectionSet, frags, seen+1)
			} else {
				n = 1
			}
		case *ast.InlineFragment:
			n = depth(s.SelectionSet, frags, seen)
		case *ast.FragmentSpread:
			if f := frags.ForName(s.Name); f != nil {
				n = depth(f.SelectionSet, frags, seen+1)
			}
		}
		deepest = max(deepest, n)
	}
	return deepest
}
