package console

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"strings"

	"github.com/kabinet/kabinet/hr"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// templates holds one parsed set per page: the shared files (layout.html
// and every part_*.html) with the page's own file. Sets are never executed
// themselves: each request clones its page's set and binds the request's
// functions (t, tf, csrfField, can) to the clone.
type templates struct {
	sets map[string]*template.Template
}

// staticFuncs are the template functions that do not depend on the
// request.
var staticFuncs = template.FuncMap{
	// list makes a list of its arguments, for {{range list "a" "b"}}.
	"list": func(v ...any) []any { return v },
}

// stubFuncs are the request functions' signatures for parsing.
var stubFuncs = template.FuncMap{
	"t":         func(string) string { return "" },
	"tf":        func(string, ...any) string { return "" },
	"csrfField": func() template.HTML { return "" },
	"csrfToken": func() string { return "" },
	"can":       func(string) bool { return false },
	"lang":      func() string { return "" },
	"path":      func() string { return "" },
}

func loadTemplates(fsys fs.FS) (*templates, error) {
	files, err := fs.Glob(fsys, "templates/*.html")
	if err != nil {
		return nil, err
	}
	var shared, pages []string
	for _, f := range files {
		if b := path.Base(f); b == "layout.html" || strings.HasPrefix(b, "part_") {
			shared = append(shared, f)
		} else {
			pages = append(pages, f)
		}
	}
	base, err := template.New("").Funcs(staticFuncs).Funcs(stubFuncs).ParseFS(fsys, shared...)
	if err != nil {
		return nil, err
	}
	t := &templates{sets: map[string]*template.Template{}}
	for _, p := range pages {
		set, err := template.Must(base.Clone()).ParseFS(fsys, p)
		if err != nil {
			return nil, err
		}
		t.sets[strings.TrimSuffix(path.Base(p), ".html")] = set
	}
	return t, nil
}

// execute renders the named template of a page's set with the request's
// functions.
func (t *templates) execute(page, name string, funcs template.FuncMap, data any) ([]byte, error) {
	set, ok := t.sets[page]
	if !ok {
		return nil, fmt.Errorf("console: no template %q", page)
	}
	clone, err := set.Clone()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := clone.Funcs(funcs).ExecuteTemplate(&buf, name, data); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// funcs are the template functions of one request.
func (r *Request) funcs() template.FuncMap {
	return template.FuncMap{
		"t":  func(key string) string { return r.T(key) },
		"tf": func(key string, args ...any) string { return r.console.i18n.Tf(r.Lang, key, args...) },
		"csrfField": func() template.HTML {
			return template.HTML(`<input type="hidden" name="` + csrfFormField + `" value="` +
				template.HTMLEscapeString(r.csrfToken()) + `">`)
		},
		"csrfToken": r.csrfToken,
		"can": func(p string) bool {
			perm, ok := hr.ParsePermission(p)
			if !ok {
				panic(fmt.Sprintf("console: unknown permission %q in a template", p))
			}
			return r.Can(perm)
		},
		"lang": func() string { return r.Lang },
		"path": func() string { return r.C.Path() },
	}
}
