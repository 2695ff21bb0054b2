package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/prometheus/client_golang/prometheus"
)

// version and commit are set at build time:
//
//	go build -ldflags "-X main.version=1.2.0 -X main.commit=$(git rev-parse HEAD)" ./cmd/kabinet
//
// Without them, the module version and the VCS revision Go stamps into a
// build from a checkout are used.
var version, commit string

type buildInfo struct {
	Version, Commit, GoVersion string
	Modified                   bool
}

func buildVersion() buildInfo {
	b := buildInfo{Version: version, Commit: commit, GoVersion: runtime.Version()}
	if info, ok := debug.ReadBuildInfo(); ok {
		if b.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			b.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision" && b.Commit == "":
				b.Commit = s.Value
			case s.Key == "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
	}
	if b.Version == "" {
		b.Version = "dev"
	}
	if b.Commit == "" {
		b.Commit = "unknown"
	}
	return b
}

// buildInfoCollector is kabinet_build_info{version, commit, goversion} 1.
func buildInfoCollector() prometheus.Collector {
	b := buildVersion()
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "kabinet_build_info",
		Help:        "The running Kabinet's version, commit and Go version; always 1.",
		ConstLabels: prometheus.Labels{"version": b.Version, "commit": b.Commit, "goversion": b.GoVersion},
	})
	g.Set(1)
	return g
}

type versionCmd struct{}

func (versionCmd) Run(e *runEnv) error {
	b := buildVersion()
	dirty := ""
	if b.Modified {
		dirty = " (modified)"
	}
	_, err := fmt.Fprintf(e.stdout, "kabinet %s\ncommit %s%s\n%s %s/%s\n", b.Version, b.Commit, dirty, b.GoVersion, runtime.GOOS, runtime.GOARCH)
	return err
}
