package testkit

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// Binary builds cmd/kabinet once per test binary and returns its path, for
// tests that run real `kabinet serve` processes.
func Binary(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kabinet-bin")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "kabinet")
		if out, err := exec.Command("go", "build", "-o", binary, "github.com/kabinet/kabinet/cmd/kabinet").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		tb.Fatal(buildErr)
	}
	return binary
}
