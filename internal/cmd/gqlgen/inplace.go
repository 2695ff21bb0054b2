package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/codegen"
	"github.com/99designs/gqlgen/codegen/templates"
	gqlast "github.com/vektah/gqlparser/v2/ast"
	"golang.org/x/tools/imports"
)

// inPlace is a gqlgen plugin that finds the plain object types while gqlgen
// builds its data, and afterwards rewrites their marshallers in the
// generated executor (see graph/marshal.go).
type inPlace struct {
	objects map[string]string // object marshaller name (_T) → its new body
	lists   map[string]bool   // marshallers of lists of plain objects
}

// Name names the plugin for gqlgen.
func (p *inPlace) Name() string { return "kabinet-inplace" }

// GenerateCode runs before gqlgen writes the executor: it only records what
// to rewrite.
func (p *inPlace) GenerateCode(data *codegen.Data) error {
	p.objects, p.lists = map[string]string{}, map[string]bool{}
	if len(data.AllDirectives.LocationDirectives(string(gqlast.LocationField))) > 0 {
		return nil // field middleware runs per field: keep gqlgen's code
	}
	plain := plainObjects(data.Objects)
	for _, o := range data.Objects {
		if plain[o.Name] {
			p.objects["_"+o.Name] = objectBody(o)
		}
	}
	for _, ref := range data.ReferencedTypes {
		if ref.IsSlice() && ref.Definition.Kind == gqlast.Object && plain[ref.Definition.Name] {
			p.lists[ref.MarshalFunc()] = true
		}
	}
	return nil
}

// plainObjects are the object types whose fields are all plain: read from
// the Go value without a resolver, context, error, arguments or directives,
// of a scalar or enum type without a context marshaller, or of an object
// type (or a list of those; in place when plain too).
func plainObjects(objects codegen.Objects) map[string]bool {
	byName := map[string]*codegen.Object{}
	for _, o := range objects {
		byName[o.Name] = o
	}
	plain := map[string]bool{}
	var visit func(o *codegen.Object) bool
	visit = func(o *codegen.Object) bool {
		if v, seen := plain[o.Name]; seen {
			return v
		}
		plain[o.Name] = true // assumed while its fields are checked (recursive types)
		ok := o.Kind == gqlast.Object && !o.Root && !o.Stream && !o.IsReserved() && len(o.Directives) == 0 &&
			len(o.Fields) > 0
		for _, f := range o.Fields {
			if !ok {
				break
			}
			ok = plainField(f)
			if ok && !f.TypeReference.Definition.IsLeafType() {
				// A field of an object type is read plainly; the object
				// is marshalled in place when it is plain itself, else by
				// gqlgen's marshaller (its resolvers run, and finish,
				// inside that call): a sync page with leave requests keeps
				// its own fields in place.
				elem, found := byName[f.TypeReference.Definition.Name]
				ok = found && f.TypeReference.Definition.Kind == gqlast.Object
				if ok {
					visit(elem)
				}
			}
		}
		plain[o.Name] = ok
		return ok
	}
	for _, o := range objects {
		visit(o)
	}
	return plain
}

// plainField reports whether a field is read straight from the Go value and
// marshalled without keeping its context.
func plainField(f *codegen.Field) bool {
	if f.IsResolver || f.IsBatch() || f.Stream || f.HasHaser || f.IsReserved() || len(f.Args) > 0 || f.HasDirectives() {
		return false
	}
	switch {
	case f.IsVariable():
	case f.IsMethod():
		if f.MethodHasContext || !f.NoErr || f.VOkFunc {
			return false
		}
	default:
		return false
	}
	for ref := f.TypeReference; ref != nil; ref = ref.Elem() {
		if ref.IsContext {
			return false
		}
	}
	return true
}

// objectBody is the new body of a plain object's marshaller _T(ctx, sel,
// obj); the obj type is filled in by rewrite.
func objectBody(o *codegen.Object) string {
	var b strings.Builder
	fmt.Fprintf(&b, "{\n// Plain object, marshalled in place: see graph/marshal.go (rewritten by internal/cmd/gqlgen).\n")
	fmt.Fprintf(&b, "return marshalInPlace(ctx, ec, sel, %sImplementors, %q, obj, func(ec *executionContext, ctx context.Context, field graphql.CollectedField, obj %%s) graphql.Marshaler {\n",
		templates.LcFirst(o.Name), o.Name)
	b.WriteString("switch field.Name {\n")
	for _, f := range o.Fields {
		value := "obj." + f.GoFieldName
		if f.IsMethod() {
			value += "()"
		}
		fmt.Fprintf(&b, "case %q:\nreturn ec.%s(ctx, field.Selections, %s)\n", f.Name, f.TypeReference.MarshalFunc(), value)
	}
	b.WriteString("default:\npanic(\"unknown field \" + strconv.Quote(field.Name))\n}\n})\n}")
	return b.String()
}

// rewrite applies the recorded changes to the generated executor.
func (p *inPlace) rewrite(filename string) error {
	src, err := os.ReadFile(filename)
	if err != nil {
		return err
	}
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, filename, src, parser.ParseComments)
	if err != nil {
		return err
	}
	type edit struct {
		from, to int
		text     string
	}
	var edits []edit
	off := func(pos token.Pos) int { return fset.Position(pos).Offset }
	done := map[string]bool{}
	for _, decl := range file.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Recv == nil || fn.Body == nil {
			continue
		}
		name := fn.Name.Name
		if body, ok := p.objects[name]; ok {
			params := fn.Type.Params.List
			if len(params) != 3 || len(params[2].Names) != 1 || params[2].Names[0].Name != "obj" {
				return fmt.Errorf("%s: %s does not take (ctx, sel, obj): has gqlgen changed?", filename, name)
			}
			objType := string(src[off(params[2].Type.Pos()):off(params[2].Type.End())])
			edits = append(edits, edit{off(fn.Body.Pos()), off(fn.Body.End()), fmt.Sprintf(body, objType)})
			done[name] = true
		}
		if p.lists[name] {
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				if sel, ok := n.(*ast.SelectorExpr); ok && sel.Sel.Name == "MarshalSliceConcurrently" {
					if x, ok := sel.X.(*ast.Ident); ok && x.Name == "graphql" {
						edits = append(edits, edit{off(sel.Pos()), off(sel.End()), "marshalSliceSequentially"})
						done[name] = true
					}
				}
				return true
			})
		}
	}
	for name := range p.objects {
		if !done[name] {
			return fmt.Errorf("%s: no marshaller %s to rewrite: has gqlgen changed?", filename, name)
		}
	}
	// Later edits first, so that earlier offsets stay valid.
	slices.SortFunc(edits, func(a, b edit) int { return b.from - a.from })
	out := bytes.Clone(src)
	for _, e := range edits {
		out = slices.Concat(out[:e.from], []byte(e.text), out[e.to:])
	}
	out, err = imports.Process(filename, out, nil)
	if err != nil {
		return fmt.Errorf("%s: formatting the rewritten executor: %w", filename, err)
	}
	return os.WriteFile(filename, out, 0o644)
}
