package graph

import (
	"context"
	"errors"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// No plain field can panic through the schema today (they read struct
// fields), so the recovery of marshalField and marshalSliceSequentially is
// checked here directly: a panic is an error on the path of the field or
// element, which becomes null, and the others are still marshalled.
func TestPlainPanicsRecovered(t *testing.T) {
	recoverFunc := func(ctx context.Context, p any) error { return errors.New("panic") }
	ctx := graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter, recoverFunc)
	ec := &executionContext{ExecutionContextState: graphql.NewExecutionContextState[ResolverRoot, DirectiveRoot, ComplexityRoot](
		&graphql.OperationContext{RecoverFunc: recoverFunc}, nil, nil, nil)}
	ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Field: graphql.CollectedField{Field: &ast.Field{Alias: "lines"}}})

	type line struct{ title string }
	field := func(alias string) graphql.CollectedField {
		return graphql.CollectedField{Field: &ast.Field{Alias: alias, Name: alias}}
	}
	marshal := func(ec *executionContext, ctx context.Context, f graphql.CollectedField, obj *line) graphql.Marshaler {
		if obj.title == "boom" && f.Name == "title" {
			panic("boom")
		}
		return graphql.MarshalString(obj.title)
	}
	lines := []line{{"a"}, {"boom"}, {"c"}}
	arr := marshalSliceSequentially(ctx, len(lines), 0, false, func(ctx context.Context, i int) graphql.Marshaler {
		fc := &graphql.FieldContext{Object: "Line", Field: field("title")}
		return marshalField(graphql.WithFieldContext(ctx, fc), ec, fc.Field, &lines[i], marshal)
	})
	if arr[0] == graphql.Null || arr[1] != graphql.Null || arr[2] == graphql.Null {
		t.Errorf("got %v, want only the second element null", arr)
	}
	errs := graphql.GetErrors(ctx)
	if len(errs) != 1 || errs[0].Path.String() != "lines[1].title" || errs[0].Message != "panic" {
		t.Errorf("got errors %v, want one \"panic\" on lines[1].title", errs)
	}

	arr = marshalSliceSequentially(ctx, 2, 0, false, func(ctx context.Context, i int) graphql.Marshaler {
		if i == 0 {
			panic("element")
		}
		return graphql.MarshalString("ok")
	})
	errs = graphql.GetErrors(ctx)
	if arr[0] != graphql.Null || arr[1] == graphql.Null || len(errs) != 2 || errs[1].Path.String() != "lines[0]" {
		t.Errorf("got %v and errors %v, want the first element null with an error on lines[0]", arr, errs)
	}
}
