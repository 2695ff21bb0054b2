// Package browsertest runs headless Chromium for the tests that drive the
// HR console's pages as a person would (chromedp), collecting what goes
// wrong in the pages: script exceptions, console errors, CSP violations.
package browsertest

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

// Browser is a headless Chromium tab for a test, with what went wrong in
// its pages (script exceptions, console errors, CSP violations, failed
// loads) collected as they happen.
type Browser struct {
	Ctx      context.Context
	mu       sync.Mutex
	problems []string
}

// New starts headless Chromium (Debian's chromium) for tb, closed at
// cleanup; every action must finish within timeout. Without Chromium the
// test skips on a developer's machine and fails in CI (CI set), where
// .ci/run installs it.
func New(tb testing.TB, timeout time.Duration) *Browser {
	tb.Helper()
	exe := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			exe = p
			break
		}
	}
	if exe == "" {
		if os.Getenv("CI") != "" {
			tb.Fatal("chromium not found; CI must install it (apt-get install -y chromium)")
		}
		tb.Skip("chromium not found: install it (apt-get install -y chromium) to run the browser tests")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.UserDataDir(tb.TempDir()),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("no-first-run", true), chromedp.Flag("hide-scrollbars", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	b := &Browser{}
	// The listener sees every event of the tab, in order; it must return
	// fast and run no command.
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithListener(b.listen))
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	b.Ctx = ctx
	tb.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	return b
}

func (b *Browser) listen(ev any) {
	var p string
	switch e := ev.(type) {
	case *runtime.EventExceptionThrown:
		p = "exception: " + e.ExceptionDetails.Text
		if e.ExceptionDetails.Exception != nil {
			p += " " + e.ExceptionDetails.Exception.Description
		}
	case *cdplog.EventEntryAdded: // CSP violations and failed loads are reported here
		// The browser asks every site for /favicon.ico on its own; a page
		// without one is not a problem of the page.
		if strings.HasSuffix(e.Entry.URL, "/favicon.ico") {
			return
		}
		if e.Entry.Level == cdplog.EntryLevelError || e.Entry.Source == "security" {
			p = fmt.Sprintf("browser log (%s): %s %s", e.Entry.Source, e.Entry.Text, e.Entry.URL)
		}
	case *runtime.EventConsoleAPICalled:
		if e.Type == "error" {
			var args []string
			for _, a := range e.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			p = "console.error: " + strings.Join(args, " ")
		}
	}
	if p != "" {
		if len(p) > 300 {
			p = p[:300] + "…"
		}
		b.mu.Lock()
		b.problems = append(b.problems, p)
		b.mu.Unlock()
	}
}

// Problems are what went wrong in the tab's pages so far.
func (b *Browser) Problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.problems...)
}
