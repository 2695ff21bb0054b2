package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

// TestGeneratedExecutor checks the committed executor: the types a first
// sync is made of are marshalled in place and their lists sequentially,
// while types with field resolvers keep gqlgen's code (their resolvers run
// concurrently). It fails when a resolver is added to a sync type - which
// would make every payslip line go through gqlgen's per-field machinery
// again - or when go generate was run without this command.
func TestGeneratedExecutor(t *testing.T) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "../../../graph/generated.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	calls := map[string]string{} // function → the calls it makes
	for _, decl := range file.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Body == nil {
			continue
		}
		var names []string
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			switch c := n.(type) {
			case *ast.Ident:
				names = append(names, c.Name)
			case *ast.SelectorExpr:
				names = append(names, c.Sel.Name)
			}
			return true
		})
		calls[fn.Name.Name] = " " + strings.Join(names, " ") + " "
	}
	for _, typ := range []string{"SyncResult", "Payslip", "PayslipLine", "LeaveBalance", "Vacation", "Tombstone", "SyncIntegrity", "CollectionDigest"} {
		if !strings.Contains(calls["_"+typ], " marshalInPlace ") {
			t.Errorf("_%s: got gqlgen's marshaller, want marshalInPlace", typ)
		}
	}
	for _, list := range []string{"Payslip2ᚕᚖ", "PayslipLine2ᚕ", "LeaveBalance2ᚕᚖ", "Vacation2ᚕᚖ", "Tombstone2ᚕ"} {
		found := false
		for name, c := range calls {
			if strings.HasPrefix(name, "marshalN"+list) {
				found = true
				if !strings.Contains(c, " marshalSliceSequentially ") || strings.Contains(c, " MarshalSliceConcurrently ") {
					t.Errorf("%s: got concurrent marshalling, want marshalSliceSequentially", name)
				}
			}
		}
		if !found {
			t.Errorf("no marshaller of [%s…]", list)
		}
	}
	for _, typ := range []string{"Employee", "Cabinet", "Query"} {
		if strings.Contains(calls["_"+typ], " marshalInPlace ") {
			t.Errorf("_%s has field resolvers: got marshalInPlace, want gqlgen's marshaller", typ)
		}
	}
}
