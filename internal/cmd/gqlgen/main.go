// Command gqlgen is `gqlgen generate` for Kabinet: it runs gqlgen with the
// configuration in gqlgen.yml, then rewrites the generated executor so that
// plain object types (every field read straight from the Go value) are
// marshalled in place and their lists sequentially, instead of through a
// field context per field and a goroutine per list element. The runtime
// half is graph/marshal.go, which explains what is kept.
//
// Run it through go generate (see graph/resolver.go); its output is
// deterministic, so CI can regenerate and compare.
package main

import (
	"fmt"
	"os"

	"github.com/99designs/gqlgen/api"
	"github.com/99designs/gqlgen/codegen/config"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gqlgen:", err)
		os.Exit(1)
	}
}

func run() error {
	cfg, err := config.LoadConfigFromDefaultLocations()
	if err != nil {
		return err
	}
	p := &inPlace{}
	if err := api.Generate(cfg, api.AddPlugin(p)); err != nil {
		return err
	}
	return p.rewrite(cfg.Exec.Filename)
}
