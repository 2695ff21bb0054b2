package main

import (
	"context"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// TestREADMEWalkthrough runs the README's walk-through as written
// (scripts/walkthrough.sh) against a fresh demo server.
func TestREADMEWalkthrough(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs the README (about 30 s)")
	}
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not installed (.ci/run installs it)", tool)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "../../scripts/walkthrough.sh")
	cmd.Env = append(os.Environ(), "WORKDIR="+t.TempDir(), "PORT="+freePort(t), "PORT2="+freePort(t))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the README's walk-through fails: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}
