package app_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/app"
	"github.com/kabinet/kabinet/internal/testkit"
)

// withGraphiQL turns the IDE on as KABINET_GRAPHIQL would.
func withGraphiQL(v string) testkit.Option {
	return func(c *app.Config, _ *app.Options) { c.GraphiQL = v }
}

func TestSchemaSDL(t *testing.T) {
	env := testkit.Start(t)
	want, err := os.ReadFile("../schema.graphqls")
	if err != nil {
		t.Fatal(err)
	}
	resp, body := get(t, env.URL+"/schema.graphql")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Fatalf("got %d %q, want 200 text/plain; charset=utf-8", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if body != string(want) {
		t.Errorf("/schema.graphql differs from schema.graphqls (got %d bytes, want %d)", len(body), len(want))
	}
}

var (
	scriptTag = regexp.MustCompile(`(?s)<script\b([^>]*)>(.*?)</script>`)
	assetRef  = regexp.MustCompile(`(?:src|href)="(/graphiql/[^"]+)"`)
)

func TestGraphiQLPage(t *testing.T) {
	env := testkit.Start(t, withGraphiQL("on"))

	t.Run("Index", func(t *testing.T) {
		resp, body := get(t, env.URL+"/")
		wantPage(t, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Security-Policy"), "text/html; charset=utf-8")
		for _, link := range []string{`href="/graphiql"`, `href="/schema.graphql"`, `href="/healthz"`} {
			if !strings.Contains(body, link) {
				t.Errorf("the index page has no %s:\n%s", link, body)
			}
		}
	})

	resp, page := get(t, env.URL+"/graphiql")
	wantPage(t, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Security-Policy"), "text/html; charset=utf-8")
	t.Run("NoInlineScript", func(t *testing.T) {
		tags := scriptTag.FindAllStringSubmatch(page, -1)
		if len(tags) == 0 {
			t.Fatalf("no <script> in the page:\n%s", page)
		}
		for _, m := range tags {
			if !strings.Contains(m[1], "src=") || strings.TrimSpace(m[2]) != "" {
				t.Errorf("inline script %q: the CSP forbids it", m[0])
			}
		}
		if strings.Contains(page, "https://") || strings.Contains(page, "http://") {
			t.Errorf("the page loads something from elsewhere:\n%s", page)
		}
	})

	t.Run("Assets", func(t *testing.T) {
		refs := assetRef.FindAllStringSubmatch(page, -1)
		if len(refs) < 6 {
			t.Fatalf("got %d asset references, want the 4 scripts and 2 stylesheets:\n%s", len(refs), page)
		}
		for _, r := range refs {
			url := r[1]
			want := "text/javascript; charset=utf-8"
			if strings.HasSuffix(url, ".css") {
				want = "text/css; charset=utf-8"
			}
			resp, body := get(t, env.URL+url)
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != want {
				t.Errorf("%s: got %d %q, want 200 %q", url, resp.StatusCode, resp.Header.Get("Content-Type"), want)
				continue
			}
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s: no X-Content-Type-Options: nosniff", url)
			}
			file, err := os.ReadFile("../server/" + strings.TrimPrefix(url, "/"))
			if err != nil {
				t.Fatal(err)
			}
			if body != string(file) {
				t.Errorf("%s: got %d bytes, want the %d of the file", url, len(body), len(file))
			}
		}
	})

	t.Run("Compressed", func(t *testing.T) {
		resp, _ := get(t, env.URL+"/graphiql/assets/graphiql.min.js", "Accept-Encoding", "gzip")
		if resp.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("got Content-Encoding %q, want gzip", resp.Header.Get("Content-Encoding"))
		}
	})

	t.Run("Licenses", func(t *testing.T) {
		for _, name := range []string{"LICENSE.graphiql", "LICENSE.react", "LICENSE.react-dom"} {
			resp, body := get(t, env.URL+"/graphiql/assets/"+name)
			if resp.StatusCode != 200 || !strings.Contains(body, "MIT License") {
				t.Errorf("%s: got %d %.40q, want 200 and the MIT License", name, resp.StatusCode, body)
			}
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		for _, p := range []string{"/graphiql/nope.js", "/graphiql/../schema.graphqls", "/graphiql/assets/"} {
			if resp, _ := get(t, env.URL+p); resp.StatusCode != 404 {
				t.Errorf("%s: got %d, want 404", p, resp.StatusCode)
			}
		}
	})

	// GraphiQL reads the schema by introspection: with the IDE on,
	// introspection must answer, and the descriptions carry the roles.
	t.Run("Introspection", func(t *testing.T) {
		var got struct {
			Type struct {
				Fields []struct{ Name, Description string }
			} `json:"__type"`
		}
		env.Do(t, "", `{ __type(name: "Query") { fields { name description } } }`, nil).Must(t, &got)
		if len(got.Type.Fields) == 0 {
			t.Fatal("introspection returned no Query fields")
		}
		for _, f := range got.Type.Fields {
			if !strings.Contains(f.Description, "\nRequires: ") {
				t.Errorf("Query.%s: description %q has no Requires line", f.Name, f.Description)
			}
		}
	})
}

func wantPage(t *testing.T, status int, ct, csp, wantCT string) {
	t.Helper()
	if status != 200 || ct != wantCT {
		t.Fatalf("got %d %q, want 200 %q", status, ct, wantCT)
	}
	for _, d := range []string{"script-src 'self'", "default-src 'none'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, d) {
			t.Errorf("Content-Security-Policy %q lacks %s", csp, d)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("Content-Security-Policy %q allows inline code", csp)
	}
}

func TestGraphiQLOff(t *testing.T) {
	for _, c := range []struct {
		name     string
		graphiql string
		dev      bool
		on       bool
	}{
		{"ProductionDefault", "", false, false},
		{"DevelopmentDefault", "", true, true},
		{"ProductionOn", "on", false, true},
		{"DevelopmentOff", "off", true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := testkit.Start(t, func(cfg *app.Config, _ *app.Options) { cfg.GraphiQL, cfg.Development = c.graphiql, c.dev })
			resp, _ := get(t, env.URL+"/graphiql")
			_, index := get(t, env.URL+"/")
			if got := resp.StatusCode == 200; got != c.on {
				t.Errorf("/graphiql answered %d, want served=%v", resp.StatusCode, c.on)
			}
			if asset, _ := get(t, env.URL+"/graphiql/assets/graphiql.min.js"); (asset.StatusCode == 200) != c.on {
				t.Errorf("/graphiql/assets/graphiql.min.js answered %d, want served=%v", asset.StatusCode, c.on)
			}
			if got := strings.Contains(index, `href="/graphiql"`); got != c.on {
				t.Errorf("index links /graphiql: %v, want %v", got, c.on)
			}
		})
	}
}

func TestGraphiQLSetting(t *testing.T) {
	cfg := app.DefaultConfig()
	cfg.GraphiQL = "yes"
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "KABINET_GRAPHIQL") {
		t.Errorf("got %v, want an error naming KABINET_GRAPHIQL", err)
	}
}
