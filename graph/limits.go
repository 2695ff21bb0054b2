package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/kabinet/kabinet"
)

// Limits bound what one document may cost before any of it runs. Each is
// checked before gqlgen validates the document, in one walk that visits
// every fragment once (its shape is remembered), so that a small document
// whose fragments spread one another many times over is refused in time
// linear in its size instead of being expanded.
type Limits struct {
	// MaxQueryBytes bounds a query's text (default 64 KiB); the body limit
	// bounds the whole request.
	MaxQueryBytes int
	// MaxDepth bounds how deeply fields nest (default 12); introspection
	// fields do not count.
	MaxDepth int
	// MaxComplexity bounds the operation's fields once fragments are
	// expanded, counted as gqlgen's complexity does (default 1000).
	MaxComplexity int
	// MaxDefinitions bounds the operations and fragments of a document
	// (default 100): gqlgen's validator walks the document once for each.
	MaxDefinitions int
	// MaxSelections bounds every selection of the document once fragments
	// are expanded, introspection included (default 10 × MaxComplexity).
	MaxSelections int
}

func (l *Limits) defaults() {
	if l.MaxQueryBytes == 0 {
		l.MaxQueryBytes = 64 << 10
	}
	if l.MaxDepth == 0 {
		l.MaxDepth = 12
	}
	if l.MaxComplexity == 0 {
		l.MaxComplexity = 1000
	}
	if l.MaxDefinitions == 0 {
		l.MaxDefinitions = 100
	}
	if l.MaxSelections == 0 {
		l.MaxSelections = 10 * l.MaxComplexity
	}
}

// docLimits enforces Limits as a gqlgen extension. It runs after the
// persisted-query extension has found the query's text, and before gqlgen
// parses and validates it; a document already in the parsed-document cache
// passed the same checks when it was added.
type docLimits struct {
	Limits
	cache graphql.Cache[*ast.QueryDocument]
	// introspection allows __schema and __type.
	introspection bool
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = docLimits{}

func (docLimits) ExtensionName() string                   { return "DocumentLimits" }
func (docLimits) Validate(graphql.ExecutableSchema) error { return nil }

func (d docLimits) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if len(p.Query) > d.MaxQueryBytes {
		return refusal("QUERY_TOO_LARGE", fmt.Sprintf("the query is %d bytes long; the limit is %d", len(p.Query), d.MaxQueryBytes))
	}
	if _, ok := d.cache.Get(ctx, p.Query); ok {
		return nil
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: p.Query})
	if err != nil {
		return nil // gqlgen parses it again and words the error
	}
	return d.check(doc, p.OperationName)
}

// check measures the document and refuses it when it is over a limit.
func (d docLimits) check(doc *ast.QueryDocument, operationName string) *gqlerror.Error {
	if n := len(doc.Operations) + len(doc.Fragments); n > d.MaxDefinitions {
		return refusal("TOO_MANY_DEFINITIONS", fmt.Sprintf("the document has %d operations and fragments; the limit is %d", n, d.MaxDefinitions))
	}
	if e := checkLists(doc); e != nil {
		return e
	}
	m := newMeasure(doc)
	var selections int
	for _, op := range doc.Operations {
		selections = satAdd(selections, m.set(op.SelectionSet).nodes)
	}
	for _, f := range doc.Fragments {
		selections = satAdd(selections, m.fragment(f.Name).nodes)
	}
	if selections > d.MaxSelections {
		return refusal("TOO_MANY_SELECTIONS", fmt.Sprintf("the document expands to more than %d selections", d.MaxSelections))
	}
	op := doc.Operations.ForName(operationName)
	if op == nil {
		return nil // gqlgen answers that the operation is not found
	}
	s := m.set(op.SelectionSet)
	if s.introspects && !d.introspection {
		return &gqlerror.Error{Message: "introspection is disabled on this server",
			Extensions: map[string]any{"code": kabinet.EFORBIDDEN, "reason": "INTROSPECTION_DISABLED"}}
	}
	if s.depth > d.MaxDepth {
		e := refusal("DEPTH_LIMIT_EXCEEDED", "query is nested too deeply")
		e.Extensions["depth"], e.Extensions["maxDepth"] = s.depth, d.MaxDepth
		return e
	}
	if s.cost > d.MaxComplexity {
		return refusal("COMPLEXITY_LIMIT_EXCEEDED", fmt.Sprintf("operation has complexity %d, which exceeds the limit of %d", s.cost, d.MaxComplexity))
	}
	return nil
}

// Lists that gqlgen's validator compares pairwise (arguments, directives,
// variables, input object fields) are bounded well above what a client
// writes: a document of thousands of them costs the validator a quadratic
// walk and answers with thousands of errors.
const (
	maxArguments    = 64
	maxDirectives   = 8
	maxVariables    = 100
	maxObjectFields = 100
)

// checkLists refuses a document with a list over its bound, in one walk
// over the document's text (fragments are not expanded).
func checkLists(doc *ast.QueryDocument) *gqlerror.Error {
	var bad string
	var value func(v *ast.Value)
	value = func(v *ast.Value) {
		if v == nil || bad != "" {
			return
		}
		if v.Kind == ast.ObjectValue && len(v.Children) > maxObjectFields {
			bad = fmt.Sprintf("an input object has more than %d fields", maxObjectFields)
			return
		}
		for _, c := range v.Children {
			value(c.Value)
		}
	}
	directives := func(ds ast.DirectiveList) {
		if len(ds) > maxDirectives {
			bad = fmt.Sprintf("more than %d directives on one node", maxDirectives)
		}
		for _, d := range ds {
			for _, a := range d.Arguments {
				value(a.Value)
			}
		}
	}
	var set func(ss ast.SelectionSet)
	set = func(ss ast.SelectionSet) {
		for _, sel := range ss {
			if bad != "" {
				return
			}
			switch x := sel.(type) {
			case *ast.Field:
				if len(x.Arguments) > maxArguments {
					bad = fmt.Sprintf("a field has more than %d arguments", maxArguments)
					return
				}
				for _, a := range x.Arguments {
					value(a.Value)
				}
				directives(x.Directives)
				set(x.SelectionSet)
			case *ast.InlineFragment:
				directives(x.Directives)
				set(x.SelectionSet)
			case *ast.FragmentSpread:
				directives(x.Directives)
			}
		}
	}
	for _, op := range doc.Operations {
		if len(op.VariableDefinitions) > maxVariables {
			bad = fmt.Sprintf("an operation has more than %d variables", maxVariables)
		}
		for _, v := range op.VariableDefinitions {
			value(v.DefaultValue)
			directives(v.Directives)
		}
		directives(op.Directives)
		set(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		directives(f.Directives)
		set(f.SelectionSet)
	}
	if bad != "" {
		return refusal("LIST_TOO_LONG", bad)
	}
	return nil
}

// refusal is a BAD_USER_INPUT error of a document check; reason tells
// which.
func refusal(reason, msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": kabinet.EBADINPUT, "reason": reason}}
}

// shape is what a selection set costs: how deeply its fields nest, its
// complexity (each field 1, its children included, __schema free, as
// gqlgen counts it), how many selections it expands to, and whether it
// selects __schema or __type.
type shape struct {
	depth, cost, nodes int
	introspects        bool
}

// measure computes shapes, each fragment's once.
type measure struct {
	frags map[string]*ast.FragmentDefinition
	memo  map[string]shape
	busy  map[string]bool
	// visits counts the selection sets walked: the work done, which the
	// fuzz test bounds by the document's size.
	visits int
}

func newMeasure(doc *ast.QueryDocument) *measure {
	m := &measure{frags: make(map[string]*ast.FragmentDefinition, len(doc.Fragments)),
		memo: map[string]shape{}, busy: map[string]bool{}}
	for _, f := range doc.Fragments {
		if _, dup := m.frags[f.Name]; !dup { // validation refuses duplicates
			m.frags[f.Name] = f
		}
	}
	return m
}

func (m *measure) set(set ast.SelectionSet) shape {
	var s shape
	if len(set) == 0 {
		return s
	}
	m.visits++
	for _, sel := range set {
		var c shape
		switch x := sel.(type) {
		case *ast.Field:
			c = m.set(x.SelectionSet)
			c.nodes = satAdd(c.nodes, 1)
			switch {
			case x.Name == "__schema":
				c.depth, c.cost, c.introspects = 0, 0, true
			case x.Name == "__type":
				c.depth, c.cost, c.introspects = 0, satAdd(c.cost, 1), true
			case len(x.Name) > 1 && x.Name[:2] == "__":
				c.depth, c.cost = 0, satAdd(c.cost, 1)
			default:
				c.depth, c.cost = c.depth+1, satAdd(c.cost, 1)
			}
		case *ast.InlineFragment:
			c = m.set(x.SelectionSet)
			c.nodes = satAdd(c.nodes, 1)
		case *ast.FragmentSpread:
			c = m.fragment(x.Name)
			c.nodes = satAdd(c.nodes, 1)
		}
		s.depth = max(s.depth, c.depth)
		s.introspects = s.introspects || c.introspects
		s.cost = satAdd(s.cost, c.cost)
		s.nodes = satAdd(s.nodes, c.nodes)
	}
	return s
}

// fragment is the shape of the named fragment; an unknown one, or one met
// again inside itself (validation refuses both), is empty.
func (m *measure) fragment(name string) shape {
	if s, ok := m.memo[name]; ok {
		return s
	}
	f := m.frags[name]
	if f == nil || m.busy[name] {
		return shape{}
	}
	m.busy[name] = true
	s := m.set(f.SelectionSet)
	delete(m.busy, name)
	m.memo[name] = s
	return s
}

// satAdd adds without overflowing: expanded counts grow exponentially with
// the spreads of a hostile document.
func satAdd(a, b int) int {
	const top = 1 << 50
	if a >= top-b {
		return top
	}
	return a + b
}
