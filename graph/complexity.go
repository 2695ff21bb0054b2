package graph

import (
	"context"
	"reflect"

	"github.com/99designs/gqlgen/graphql"
)

// defaultComplexity is the executable schema with a Complexity that answers
// "no custom rule" without entering the generated one. The generated
// Complexity is one function with a case for every field of the schema: its
// stack frame is so large that nearly every call grew the goroutine's stack
// (newstack and copystack were a quarter of a no-change sync's server time),
// and the complexity check calls it for every field of every request. With
// no rule in ComplexityRoot, which is Kabinet's case, its answer is always
// (0, false): gqlgen then counts 1 + the children, as before.
type defaultComplexity struct {
	graphql.ExecutableSchema
}

// Complexity reports that no field has a rule of its own.
func (defaultComplexity) Complexity(context.Context, string, string, int, map[string]any) (int, bool) {
	return 0, false
}

// withComplexity returns es, skipping its Complexity when root has no rule
// (every func of it nil); with any rule, es as it is.
func withComplexity(es graphql.ExecutableSchema, root ComplexityRoot) graphql.ExecutableSchema {
	if hasRule(reflect.ValueOf(root)) {
		return es
	}
	return defaultComplexity{es}
}

// hasRule reports whether v (ComplexityRoot or one of its structs) holds a
// non-nil func.
func hasRule(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Func:
		return !v.IsNil()
	case reflect.Struct:
		for i := range v.NumField() {
			if hasRule(v.Field(i)) {
				return true
			}
		}
	}
	return false
}
