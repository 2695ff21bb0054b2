// Command kabinet-load drives a running Kabinet with simulated phones.
//
//	kabinet-load --target http://127.0.0.1:8080[,http://second:8080…] [--employees 2000] [--concurrency 200]
//	             [--duration 20s] [--scenario all|sync-idle|payday|login|soak] [--rate N|50%] [--json out.json]
//
// --rate adds an open-loop run of healthz and sync-idle: requests on a fixed
// schedule, one connection per phone, latency from the scheduled start.
// The soak runs sync-idle clean for --duration, then for --soak-duration
// with hostile requests (--hostile-rate a second) in the background, and
// records the server's RSS over it.
//
// It needs the server's operator token (KABINET_BOOTSTRAP_TOKEN or
// --bootstrap-token) to create its own organisation.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/kabinet/kabinet/load"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := load.Main(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "kabinet-load:", err)
		os.Exit(1)
	}
}
