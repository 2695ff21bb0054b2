package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/internal/testkit"
)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	Cmd, Args string
	Stage     int // index of the FROM it belongs to
}

func parseDockerfile(t *testing.T, path string) []instruction {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var list []instruction
	stage, line := -1, ""
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		if line == "" && (l == "" || strings.HasPrefix(l, "#")) {
			continue
		}
		if strings.HasSuffix(l, "\\") {
			line += strings.TrimSuffix(l, "\\") + " "
			continue
		}
		line += l
		cmd, args, _ := strings.Cut(line, " ")
		cmd = strings.ToUpper(cmd)
		if cmd == "FROM" {
			stage++
		}
		list = append(list, instruction{Cmd: cmd, Args: strings.Join(strings.Fields(args), " "), Stage: stage})
		line = ""
	}
	return list
}

// TestDockerfile checks the image's rules where no Docker daemon runs to
// build it (.ci/run builds and runs it where one does).
func TestDockerfile(t *testing.T) {
	ins := parseDockerfile(t, "../../Dockerfile")
	final := 0
	for _, in := range ins {
		final = max(final, in.Stage)
	}
	has := func(cmd string, stage int, re string) *instruction {
		for i, in := range ins {
			if in.Cmd == cmd && (stage < 0 || in.Stage == stage) && regexp.MustCompile(re).MatchString(in.Args) {
				return &ins[i]
			}
		}
		return nil
	}
	if final < 1 {
		t.Fatalf("got %d stage(s), want a build stage and a run stage", final+1)
	}
	build := has("FROM", -1, `^golang:1\.\d+\S* (?i:AS) build$`)
	if build == nil {
		t.Fatal("no `FROM golang:… AS build` stage")
	}
	if has("RUN", build.Stage, `CGO_ENABLED=1 go build .*-X main\.version=.*-X main\.commit=.* \./cmd/kabinet`) == nil {
		t.Error("the build stage does not build ./cmd/kabinet with CGO_ENABLED=1 and the version ldflags")
	}
	if has("FROM", final, `^golang`) != nil {
		t.Error("the final image is the Go toolchain image")
	}
	if has("COPY", final, `^--from=build `) == nil {
		t.Error("the final stage does not copy the binary from the build stage")
	}
	user := has("USER", final, `.`)
	if user == nil || regexp.MustCompile(`^(root|0)(:|$)`).MatchString(user.Args) {
		t.Errorf("got USER %v, want a non-root user in the final stage", user)
	}
	vol := has("VOLUME", final, `/var/lib/kabinet`)
	if vol == nil || has("ENV", final, `KABINET_DB=/var/lib/kabinet/`) == nil {
		t.Error("the database is not on a VOLUME (VOLUME /var/lib/kabinet and KABINET_DB under it)")
	}
	hc := has("HEALTHCHECK", final, `CMD \[.*/readyz`)
	if hc == nil {
		t.Fatal("no HEALTHCHECK on /readyz")
	}
	// The health check's command is one the binary has, and it tells a
	// ready server from a missing one.
	var argv []string
	if err := json.Unmarshal([]byte(hc.Args[strings.Index(hc.Args, "["):]), &argv); err != nil || argv[0] != "kabinet" {
		t.Fatalf("HEALTHCHECK CMD %q: want the exec form running kabinet (%v)", hc.Args, err)
	}
	live := testkit.Start(t)
	args := append([]string(nil), argv[1:]...)
	for i := range args {
		args[i] = strings.Replace(args[i], "http://127.0.0.1:8080", live.URL, 1)
	}
	if err := run(context.Background(), args, env(nil), &bytes.Buffer{}); err != nil {
		t.Errorf("health check against a ready server: %v", err)
	}
	if err := run(context.Background(), argv[1:], env(nil), &bytes.Buffer{}); err == nil && !portOpen("127.0.0.1:8080") {
		t.Error("health check with no server: got nil, want an error")
	}
}

func portOpen(addr string) bool {
	return checkAddr(addr) != nil
}

// TestDockerfileBuild builds the binary the way the Dockerfile's build stage
// does (its own RUN line, with VERSION and COMMIT set) and checks that the
// version and commit reach `kabinet version`.
func TestDockerfileBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	var run *instruction
	for _, in := range parseDockerfile(t, "../../Dockerfile") {
		if in.Cmd == "RUN" && strings.Contains(in.Args, "go build") {
			run = &in
		}
	}
	if run == nil {
		t.Fatal("no go build in the Dockerfile")
	}
	out := filepath.Join(t.TempDir(), "kabinet")
	// Without -trimpath, which would rebuild every package (cgo SQLite
	// included) apart from the test's build cache: minutes on two cores.
	script := strings.NewReplacer("${VERSION}", "9.8.7-test", "${COMMIT}", "0123abcd", "/out/kabinet", out, "./cmd/kabinet", ".",
		"-trimpath", "").Replace(run.Args)
	build := exec.Command("sh", "-c", script)
	build.Env = os.Environ()
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", script, err, b)
	}
	b, err := exec.Command(out, "version").CombinedOutput()
	if err != nil || !strings.Contains(string(b), "kabinet 9.8.7-test\ncommit 0123abcd") {
		t.Fatalf("got %q (%v), want the build's version and commit", b, err)
	}
}
