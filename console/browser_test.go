package console_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// One headless Chromium serves every browser test of this package: each
// test opens tabs in browser contexts of their own (cookies apart), and
// TestMain closes the browser at the end.

var browser struct {
	once    sync.Once
	ctx     context.Context // the first tab's: the browser is up
	cancel  func()
	err     error
	profile string // the browser's profile directory, this process's own
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kabinet-console-chromium-")
	if err != nil {
		panic(err)
	}
	browser.profile = dir
	code := m.Run()
	if browser.cancel != nil {
		browser.cancel()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// chromium finds a headless-capable Chromium: without one, browser tests
// skip on a developer's machine and fail in CI, where .ci/run installs it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium not found; CI must install it (apt-get install -y chromium)")
	}
	t.Skip("chromium not found: install it (apt-get install -y chromium) to run the console's browser tests")
	return ""
}

// tab is a browser tab with cookies of its own; problems collects script
// errors, CSP violations and failed loads seen in it.
type tab struct {
	ctx      context.Context
	mu       sync.Mutex
	problems []string
}

// newTab opens a tab in a fresh browser context, closed at cleanup.
func newTab(t *testing.T) *tab {
	t.Helper()
	exe := chromium(t)
	browser.once.Do(func() {
		actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
			chromedp.ExecPath(exe), chromedp.UserDataDir(browser.profile),
			chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
			chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true), chromedp.Flag("no-first-run", true), chromedp.WindowSize(1280, 900))
		ctx, cancel := chromedp.NewContext(actx)
		browser.ctx = ctx
		browser.cancel = func() { cancel(); cancelAlloc() }
		browser.err = chromedp.Do(ctx) // starts the browser
	})
	if browser.err != nil {
		t.Fatalf("start chromium: %v", browser.err)
	}
	tb := &tab{}
	ctx, cancel := chromedp.NewContext(browser.ctx, chromedp.WithNewBrowserContext(), chromedp.WithListener(tb.listen))
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancelTimeout)
	tb.ctx = ctx
	return tb
}

// listen records problems; it must return fast and run no command.
func (tb *tab) listen(ev any) {
	var p string
	switch e := ev.(type) {
	case *runtime.EventExceptionThrown:
		p = "exception: " + e.ExceptionDetails.Text
		if e.ExceptionDetails.Exception != nil {
			p += " " + e.ExceptionDetails.Exception.Description
		}
	case *cdplog.EventEntryAdded:
		// CSP violations and failed loads; a refused POST's 403 is the test's own doing.
		if (e.Entry.Level == cdplog.EntryLevelError || e.Entry.Source == "security") && !strings.Contains(e.Entry.Text, "403") &&
			!strings.Contains(e.Entry.Text, "401") && !strings.Contains(e.Entry.Text, "422") {
			p = fmt.Sprintf("browser log (%s): %s %s", e.Entry.Source, e.Entry.Text, e.Entry.URL)
		}
	case *runtime.EventConsoleAPICalled:
		if e.Type == "error" {
			p = "console.error"
			for _, a := range e.Args {
				p += " " + string(a.Value) + a.Description
			}
		}
	}
	if p != "" {
		tb.mu.Lock()
		tb.problems = append(tb.problems, kabinetClip(p))
		tb.mu.Unlock()
	}
}

func kabinetClip(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

// do runs actions, failing the test with the page's problems.
func (tb *tab) do(t *testing.T, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(tb.ctx, steps...); err != nil {
		t.Fatalf("%s: %v\nproblems in the page: %s", what, err, strings.Join(tb.problemList(), "\n"))
	}
}

// eval evaluates a JavaScript expression.
func eval[T any](t *testing.T, tb *tab, js string) T {
	t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

func (tb *tab) problemList() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]string(nil), tb.problems...)
}

// noProblems fails the test for every problem seen in the tab.
func (tb *tab) noProblems(t *testing.T) {
	t.Helper()
	for _, p := range tb.problemList() {
		t.Errorf("problem in the page: %s", p)
	}
}

// waitText waits until the page's text contains s, across navigations
// (a poll dies with the page it ran in; this asks again).
func waitText(s string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		deadline := time.Now().Add(15 * time.Second)
		for time.Now().Before(deadline) {
			ok, err := chromedp.Evaluate[bool](fmt.Sprintf(`!!document.body && document.body.innerText.includes(%q)`, s))(ctx, t)
			if err == nil && ok {
				return nil
			}
			time.Sleep(100 * time.Millisecond)
		}
		return fmt.Errorf("no text %q in the page after 15 s", s)
	})
}
