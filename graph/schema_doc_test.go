package graph_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/kabinet/kabinet"
)

// requires is the "Requires:" line each root field's description must
// carry for its @auth role: directives do not show through introspection,
// so the description is how a client learns which token a field needs.
var requires = map[string]string{
	"OPERATOR":     "Requires: operator bootstrap token (KABINET_BOOTSTRAP_TOKEN).",
	"ORGANIZATION": "Requires: organisation API key (payroll integration, HR).",
	"EMPLOYEE":     "Requires: employee access token (phone app).",
	"PUBLIC":       "Requires: nothing (public).",
}

// TestSchemaDocumented fails for every type, field, argument, input field,
// enum value and directive of schema.graphqls without a description, and
// for every root field whose description does not state the token its @auth
// directive requires.
func TestSchemaDocumented(t *testing.T) {
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphqls", Input: kabinet.SchemaSDL})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range undocumented(s) {
		t.Error(p)
	}
}

// TestUndocumentedFindsGaps makes sure the check above can fail: a schema
// with one gap of each kind yields one problem per gap.
func TestUndocumentedFindsGaps(t *testing.T) {
	const sdl = `
directive @auth(role: String!) on FIELD_DEFINITION
"A query."
type Query {
  "Reads. Requires: operator bootstrap token (KABINET_BOOTSTRAP_TOKEN)."
  ok: Int @auth(role: "OPERATOR")
  "No Requires line."
  noRequires: Int @auth(role: "EMPLOYEE")
  """
  Wrong role.
  Requires: nothing (public).
  """
  wrongRole: Int @auth(role: "EMPLOYEE")
  "No @auth at all.\nRequires: nothing (public)."
  noAuth: Int
  """
  Fine.
  Requires: nothing (public).
  """
  arg(x: Int): Int @auth(role: "PUBLIC")
}
type Bare { "f" f: Int, g: Int }
"E." enum E { "A" A B }
"I." input I { "x" x: Int y: Int }
scalar S
`
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "test.graphqls", Input: sdl})
	if err != nil {
		t.Fatal(err)
	}
	got := undocumented(s)
	want := []string{
		"directive @auth", "argument @auth(role:)", // the directive
		"Query.ok", // the Requires line must be a line of its own
		"Query.noRequires", "Query.wrongRole", "Query.noAuth", "argument Query.arg(x:)",
		"type Bare", "field Bare.g", "enum value E.B", "input field I.y", "type S",
	}
	if len(got) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || strings.Contains(g, w)
		}
		if !found {
			t.Errorf("no problem reported for %s; got:\n%s", w, strings.Join(got, "\n"))
		}
	}
}

// undocumented lists what the schema leaves undescribed, each with its
// position.
func undocumented(s *ast.Schema) []string {
	var out []string
	miss := func(pos *ast.Position, format string, args ...any) {
		line := 0
		if pos != nil {
			line = pos.Line
		}
		out = append(out, fmt.Sprintf("%s:%d: %s", srcName(pos), line, fmt.Sprintf(format, args...)))
	}
	arguments := func(owner string, list ast.ArgumentDefinitionList) {
		for _, a := range list {
			if strings.TrimSpace(a.Description) == "" {
				miss(a.Position, "argument %s(%s:) has no description", owner, a.Name)
			}
		}
	}
	for _, d := range s.Directives {
		if d.Position == nil || d.Position.Src.BuiltIn {
			continue
		}
		if strings.TrimSpace(d.Description) == "" {
			miss(d.Position, "directive @%s has no description", d.Name)
		}
		arguments("@"+d.Name, d.Arguments)
	}
	for _, def := range s.Types {
		if def.BuiltIn {
			continue
		}
		if strings.TrimSpace(def.Description) == "" {
			miss(def.Position, "type %s has no description", def.Name)
		}
		for _, v := range def.EnumValues {
			if strings.TrimSpace(v.Description) == "" {
				miss(v.Position, "enum value %s.%s has no description", def.Name, v.Name)
			}
		}
		root := def == s.Query || def == s.Mutation || def == s.Subscription
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			kind := "field"
			if def.Kind == ast.InputObject {
				kind = "input field"
			}
			if strings.TrimSpace(f.Description) == "" {
				miss(f.Position, "%s %s.%s has no description", kind, def.Name, f.Name)
			} else if root {
				if p := requiresProblem(f); p != "" {
					miss(f.Position, "root field %s.%s: %s", def.Name, f.Name, p)
				}
			}
			arguments(def.Name+"."+f.Name, f.Arguments)
		}
	}
	return out
}

// requiresProblem checks that a root field has @auth and that its
// description has exactly one "Requires:" line, the one of its role.
func requiresProblem(f *ast.FieldDefinition) string {
	auth := f.Directives.ForName("auth")
	if auth == nil {
		return "has no @auth directive"
	}
	role := ""
	if a := auth.Arguments.ForName("role"); a != nil && a.Value != nil {
		role = a.Value.Raw
	}
	want, ok := requires[role]
	if !ok {
		return fmt.Sprintf("@auth role %q has no Requires line defined in this test", role)
	}
	var lines []string
	for l := range strings.SplitSeq(f.Description, "\n") {
		if l = strings.TrimSpace(l); strings.Contains(l, "Requires:") {
			lines = append(lines, l)
		}
	}
	switch {
	case len(lines) == 0:
		return fmt.Sprintf("description lacks the line %q", want)
	case len(lines) > 1 || lines[0] != want:
		return fmt.Sprintf("description says %q, want the line %q for @auth(role: %s)", strings.Join(lines, " / "), want, role)
	}
	return ""
}

func srcName(pos *ast.Position) string {
	if pos == nil || pos.Src == nil {
		return "?"
	}
	return pos.Src.Name
}
