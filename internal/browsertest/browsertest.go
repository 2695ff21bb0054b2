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

// Executable finds a headless-capable Chromium (Debian's chromium). Without
// one the test skips on a developer's machine and fails in CI (CI set),
// where .ci/run installs it.
func Executable(tb testing.TB) string {
	tb.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		tb.Fatal("chromium not found; CI must install it (apt-get install -y chromium)")
	}
	tb.Skip("chromium not found: install it (apt-get install -y chromium) to run the browser tests")
	return ""
}

// Options are the allocator options of a headless Chromium at exe with its
// profile in dir.
func Options(exe, dir string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.UserDataDir(dir),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("no-first-run", true), chromedp.Flag("hide-scrollbars", true),
	}
}

// New starts headless Chromium for tb, closed at cleanup; every action must
// finish within timeout.
func New(tb testing.TB, timeout time.Duration) *Browser {
	tb.Helper()
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), Options(Executable(tb), tb.TempDir())...)
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
	if p := Problem(ev); p != "" {
		b.mu.Lock()
		b.problems = append(b.problems, p)
		b.mu.Unlock()
	}
}

// Problem is what a tab event says went wrong in the page (a script
// exception, a console error, a CSP violation or failed load), clipped to
// 300 bytes; "" for any other event.
func Problem(ev any) string {
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
			return ""
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
	if len(p) > 300 {
		p = p[:300] + "…" // CSP reports quote whole data: URLs
	}
	return p
}

// Problems are what went wrong in the tab's pages so far.
func (b *Browser) Problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.problems...)
}
