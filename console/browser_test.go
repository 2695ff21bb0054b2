package console_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/chromedp"
	"github.com/kabinet/kabinet/internal/browsertest"
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
	exe := browsertest.Executable(t)
	browser.once.Do(func() {
		actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
			append(browsertest.Options(exe, browser.profile), chromedp.WindowSize(1280, 900))...)
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

// listen records problems; it must return fast and run no command. A
// refused request's 401, 403 or 422 is the test's own doing.
func (tb *tab) listen(ev any) {
	if e, ok := ev.(*cdplog.EventEntryAdded); ok && (strings.Contains(e.Entry.Text, "403") ||
		strings.Contains(e.Entry.Text, "401") || strings.Contains(e.Entry.Text, "422")) {
		return
	}
	if p := browsertest.Problem(ev); p != "" {
		tb.mu.Lock()
		tb.problems = append(tb.problems, p)
		tb.mu.Unlock()
	}
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
