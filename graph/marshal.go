package graph

import (
	"context"
	"io"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// In-place marshalling of plain objects.
//
// gqlgen resolves every field through the same machinery - a field context,
// the resolver middleware, a recover - and marshals every list of objects
// with one goroutine per element. For a type whose fields are all read
// straight from the Go value (no resolver, no method with a context or an
// error, no arguments or directives), that is all cost and no gain: a first
// sync has 1,800 payslip lines. go generate (internal/cmd/gqlgen) therefore
// rewrites, for those "plain" types only:
//
//   - the object marshaller _T, to call marshalInPlace with a switch over
//     its fields;
//   - the marshallers of lists of T, to call marshalSliceSequentially
//     instead of graphql.MarshalSliceConcurrently.
//
// What clients see is unchanged: the same fields in the same order, null
// propagation for non-null fields, errors on the field's path, and a panic
// recovered to an error on the field's path (INTERNAL) as gqlgen does. The
// one thing plain fields skip is field middleware (AroundFields), which this
// server does not use: audit and metrics are per root field.

// fieldMarshaler marshals one field of obj; ctx carries the field's
// context.
type fieldMarshaler[T any] func(ec *executionContext, ctx context.Context, field graphql.CollectedField, obj *T) graphql.Marshaler

// marshalInPlace marshals the selected fields of a plain object one after
// another in this goroutine. It returns graphql.Null if a non-null field is
// null.
//
// The fields share one field context, updated before each: plain fields
// marshal scalars and plain objects, which read the context while they
// run (errors take their path from it) and never keep it.
func marshalInPlace[T any](ctx context.Context, ec *executionContext, sel ast.SelectionSet, implementors []string, typeName string, obj *T, marshal fieldMarshaler[T]) graphql.Marshaler {
	fields := graphql.CollectFields(ec.OperationContext, sel, implementors)
	out := &inPlaceObject{fields: fields}
	if len(fields) <= len(out.inline) {
		out.values = out.inline[:len(fields)]
	} else {
		out.values = make([]graphql.Marshaler, len(fields))
	}
	fc, ctx := fieldContext(ctx, typeName)
	invalid := false
	for i, field := range fields {
		if field.Name == "__typename" {
			out.values[i] = graphql.MarshalString(typeName)
			continue
		}
		fc.Field = field
		out.values[i] = marshalField(ctx, ec, field, obj, marshal)
		if out.values[i] == graphql.Null && field.Definition != nil && field.Definition.Type.NonNull {
			invalid = true
		}
	}
	if invalid {
		return graphql.Null
	}
	return out
}

// fieldContext returns the field context for the fields of an object
// marshalled under ctx. The elements of a list share one: the list's
// elementSlot keeps it from one element to the next.
func fieldContext(ctx context.Context, typeName string) (*graphql.FieldContext, context.Context) {
	slot, _ := ctx.Value(elementSlotKey{}).(*elementSlot)
	if slot != nil && slot.parent == ctx && slot.fc.Object == typeName {
		return slot.fc, slot.ctx
	}
	fc := &graphql.FieldContext{Object: typeName}
	fctx := graphql.WithFieldContext(ctx, fc)
	if slot != nil && slot.fc == nil {
		slot.parent, slot.fc, slot.ctx = ctx, fc, fctx
	}
	return fc, fctx
}

type elementSlotKey struct{}

// elementSlot is the field context the elements of one list share.
type elementSlot struct {
	parent context.Context
	fc     *graphql.FieldContext
	ctx    context.Context
}

// marshalField marshals one field, turning a panic into an error on the
// field's path and a null, as graphql.ResolveField does.
func marshalField[T any](ctx context.Context, ec *executionContext, field graphql.CollectedField, obj *T, marshal fieldMarshaler[T]) (ret graphql.Marshaler) {
	defer func() {
		if r := recover(); r != nil {
			ec.Error(ctx, ec.Recover(ctx, r))
			ret = graphql.Null
		}
	}()
	return marshal(ec, ctx, field, obj)
}

// inPlaceObject writes an object's fields in the order they were selected.
// graphql.CollectFields merges fields of the same response name, so unlike
// graphql.FieldSet it needs no set of names already written.
type inPlaceObject struct {
	fields []graphql.CollectedField
	values []graphql.Marshaler
	inline [8]graphql.Marshaler // values of small objects, in the same allocation
}

// MarshalGQL writes the object as JSON. Response names are GraphQL names
// (letters, digits, underscores), which need no escaping.
func (o *inPlaceObject) MarshalGQL(w io.Writer) {
	io.WriteString(w, "{")
	for i, field := range o.fields {
		if i > 0 {
			io.WriteString(w, `,"`)
		} else {
			io.WriteString(w, `"`)
		}
		io.WriteString(w, field.Alias)
		io.WriteString(w, `":`)
		o.values[i].MarshalGQL(w)
	}
	io.WriteString(w, "}")
}

// marshalSliceSequentially has graphql.MarshalSliceConcurrently's contract
// (each element under a field context with its index, a panic recovered to
// an error on the element's path and a null) but marshals the elements one
// after another in this goroutine. The elements share one field context:
// they are plain objects, which do not keep it.
func marshalSliceSequentially(ctx context.Context, length int, _ int64, omitPanicHandler bool, marshalElement func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	ret := make(graphql.Array, length)
	if length == 0 {
		return ret
	}
	index := 0
	ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &index})
	ctx = context.WithValue(ctx, elementSlotKey{}, &elementSlot{})
	for i := range length {
		index = i
		if omitPanicHandler {
			ret[i] = marshalElement(ctx, i)
		} else {
			ret[i] = recoverElement(ctx, i, marshalElement)
		}
	}
	return ret
}

// recoverElement marshals one element, turning a panic into an error on the
// element's path and a null.
func recoverElement(ctx context.Context, i int, marshalElement func(ctx context.Context, i int) graphql.Marshaler) (ret graphql.Marshaler) {
	defer func() {
		if r := recover(); r != nil {
			graphql.AddError(ctx, graphql.Recover(ctx, r))
			ret = graphql.Null
		}
	}()
	return marshalElement(ctx, i)
}
