package server

import (
	"embed"
	"html"
	"io/fs"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Docs configures what the server shows people rather than programs: an
// index page at /, the schema in SDL at /schema.graphql, and the GraphiQL
// IDE at /graphiql.
type Docs struct {
	// SDL is served at /schema.graphql; empty: not served.
	SDL string
	// GraphiQL serves the in-browser IDE at /graphiql. It explores the
	// schema by introspection, so introspection must be on with it.
	GraphiQL bool
}

// graphiqlFiles are the IDE's page, its start script and the vendored
// GraphiQL and React builds (scripts/vendor-graphiql.sh): all in the binary,
// nothing from a CDN.
//
//go:embed graphiql/index.html graphiql/page.css graphiql/start.js graphiql/assets
var graphiqlFiles embed.FS

// pageCSP is the Content-Security-Policy of the HTML pages: scripts, styles
// and requests only from this server, no inline script, no framing.
// GraphiQL's stylesheet inlines its fonts and icons as data: URLs.
const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// contentTypes are the types of the files served here, by extension.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
}

// contentType is the type of an embedded file; ok is false for a file that
// is not served.
func contentType(name string) (ct string, ok bool) {
	if base := path.Base(name); strings.HasPrefix(base, "LICENSE.") || base == "VERSIONS" {
		return "text/plain; charset=utf-8", true
	}
	ct, ok = contentTypes[path.Ext(name)]
	return ct, ok
}

// mountDocs registers /, /schema.graphql and, when enabled, /graphiql.
func (s *Server) mountDocs(app *fiber.App) {
	d := s.cfg.Docs
	index := indexPage(d, s.cfg.Registry != nil && s.cfg.MetricsToken != "")
	app.Get("/", func(c *fiber.Ctx) error {
		page(c)
		c.Set(fiber.HeaderContentType, contentTypes[".html"])
		return c.SendString(index)
	})
	if d.SDL != "" {
		app.Get("/schema.graphql", func(c *fiber.Ctx) error {
			c.Set(fiber.HeaderContentType, "text/plain; charset=utf-8")
			c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
			return c.SendString(d.SDL)
		})
	}
	if !d.GraphiQL {
		return
	}
	files, err := fs.Sub(graphiqlFiles, "graphiql")
	if err != nil {
		panic(err) // the embedded directory is fixed at build time
	}
	serve := func(c *fiber.Ctx, name string) error {
		b, err := fs.ReadFile(files, name)
		if err != nil {
			return fiber.ErrNotFound
		}
		ct, ok := contentType(name)
		if !ok {
			return fiber.ErrNotFound
		}
		page(c)
		c.Set(fiber.HeaderContentType, ct)
		if strings.HasPrefix(name, "assets/") {
			// Vendored files change only with a new binary.
			c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
		}
		return c.Send(b)
	}
	app.Get("/graphiql", func(c *fiber.Ctx) error { return serve(c, "index.html") })
	app.Get("/graphiql/*", func(c *fiber.Ctx) error {
		name := c.Params("*")
		if name == "" || name == "index.html" {
			return c.Redirect("/graphiql", fiber.StatusMovedPermanently)
		}
		return serve(c, name)
	})
}

// page sets the headers every page and asset here carries.
func page(c *fiber.Ctx) {
	c.Set(fiber.HeaderContentSecurityPolicy, pageCSP)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
}

// indexPage is the page at /: links to what a person can open.
func indexPage(d Docs, metrics bool) string {
	var b strings.Builder
	b.WriteString(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Kabinet</title><link rel="icon" href="data:,"></head>
<body>
<h1>Kabinet</h1>
<p>The GraphQL API of the employee self-service app is at <code>/graphql</code>.</p>
<ul>
`)
	link := func(href, text string) {
		b.WriteString(`<li><a href="` + html.EscapeString(href) + `">` + html.EscapeString(href) + `</a> — ` + html.EscapeString(text) + "</li>\n")
	}
	if d.GraphiQL {
		link("/graphiql", "GraphiQL, an in-browser IDE to explore the schema and run queries")
	}
	if d.SDL != "" {
		link("/schema.graphql", "the schema in GraphQL SDL, every type and field described")
	}
	link("/healthz", "liveness probe")
	link("/readyz", "readiness probe (database reachable, migrations applied)")
	if metrics {
		link("/metrics", "Prometheus metrics")
	}
	b.WriteString("</ul>\n</body></html>\n")
	return b.String()
}
