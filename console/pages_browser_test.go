package console_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kabinet/kabinet/app"
	"github.com/kabinet/kabinet/demo"
	"github.com/kabinet/kabinet/internal/browsertest"
	"github.com/kabinet/kabinet/internal/testkit"
	"github.com/kabinet/kabinet/push"
)

// screenshotDir is where TestPagesInBrowser saves the main pages (1280 px
// wide PNGs) when KABINET_SCREENSHOTS=1: the README's "For HR" links them.
const screenshotDir = "../docs/screenshots"

// TestPagesInBrowser drives the HR work pages in headless Chromium as an HR
// officer would, under the console's Content-Security-Policy: sign in,
// invite an employee and read the code shown once (then activate a phone
// with it), change the window and see the arrival preview move, send a
// one-off reminder after its count and find it in the delivery log; at
// 1280 px and at phone width (nothing wider than the screen), with the
// keyboard reaching the skip link first. Any script error or CSP violation
// fails it.
func TestPagesInBrowser(t *testing.T) {
	b := browsertest.New(t, 180*time.Second)
	// The demo's organisation (serve --demo): every page has something to
	// show, so the screenshots are the README's; the demo's sender fails
	// one phone's deliveries.
	env := testkit.Start(t, func(_ *app.Config, o *app.Options) { o.PushSender = demo.Sender{Next: push.NewLogSender(nil)} })
	bg := context.Background()
	res, err := demo.Seed(bg, env.App.Tenancy, env.App.Payroll, env.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	org := res.Org.ID
	if _, err := env.App.Activation.CreateCabinets(bg, org, res.Employees); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Console(bg, demo.Services{Activation: env.App.Activation, Push: env.App.Push, Payroll: env.App.Payroll}, org, env.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	hrUser := env.HRUser(t, org, "HR", false)

	shoot := screenshotter(t)
	ctx := b.Ctx
	step := func(t *testing.T, name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v\nproblems in the page: %s", name, err, strings.Join(b.Problems(), "\n"))
		}
	}
	text := func(t *testing.T, sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		return strings.TrimSpace(s)
	}

	step(t, "sign in", chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(env.URL+"/hr/signin"),
		chromedp.SendKeys(chromedp.CSS(`input[name=email]`), hrUser.User.Email),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), hrUser.Password),
		chromedp.Submit(chromedp.CSS(`input[name=password]`)),
		chromedp.WaitVisible(chromedp.CSS(`.figures`)),
	)
	shoot(t, ctx, "dashboard")

	t.Run("KeyboardReachesSkipLinkFirst", func(t *testing.T) {
		step(t, "tab", chromedp.KeyEvent("\t"))
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.className`))
		if err != nil || got != "skip" {
			t.Fatalf("got focus on %q (%v), want the skip link", got, err)
		}
	})

	var code string
	t.Run("InviteAndReadTheCode", func(t *testing.T) {
		step(t, "list", chromedp.Navigate(env.URL+"/hr/employees"), chromedp.WaitVisible(chromedp.CSS(`#sel-E-003`)))
		shoot(t, ctx, "employees")
		step(t, "search", chromedp.SendKeys(chromedp.CSS(`#q`), "кузнецова"),
			chromedp.Submit(chromedp.CSS(`#q`)),
			waitJS(`location.search.includes('q=') && document.readyState === 'complete' && !!document.querySelector('#sel-E-003')`),
		)
		if got := text(t, `p[role=status]`); !strings.HasSuffix(got, "из 1") {
			t.Fatalf("the search for кузнецова says %q, want one match", got)
		}
		step(t, "invite", chromedp.Click(chromedp.CSS(`#sel-E-003`)),
			chromedp.Click(chromedp.CSS(`button[value=invite_email]`)),
			chromedp.WaitVisible(chromedp.CSS(`code[data-code]`)),
		)
		code = text(t, `code[data-code]`)
		if !regexp.MustCompile(`^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$`).MatchString(code) {
			t.Fatalf("got code %q on the result page, want XXXX-XXXX-XXXX", code)
		}
		shoot(t, ctx, "invitation-result")
		// The code is real: the phone activates with it.
		var out struct{ Activate struct{ AccessToken string } }
		env.Do(t, "", `mutation($c: String!) { activate(input: {activationCode: $c, password: "a-long-secret-2026", device: {id: "browser-phone", platform: ANDROID}}) { accessToken } }`,
			map[string]any{"c": code}).Must(t, &out)
		if out.Activate.AccessToken == "" {
			t.Fatal("no access token from the code shown")
		}
	})

	t.Run("WindowMovesThePreview", func(t *testing.T) {
		step(t, "settings", chromedp.Navigate(env.URL+"/hr/settings"), chromedp.WaitVisible(chromedp.CSS(`#oneoff-at`)),
			setField(`#preview_zone`, "Asia/Vladivostok"),
			waitText(`#oneoff-at`, "02.11.2026 19:00"), // 09:00 UTC is 19:00 there: inside 09:00–21:00
		)
		step(t, "narrow the window", setField(`#window_end`, "18:00"),
			waitText(`#oneoff-at`, "03.11.2026 09:00"), // outside 09:00–18:00: the next morning
		)
		shoot(t, ctx, "settings")
		step(t, "save", chromedp.Click(chromedp.CSS(`#settings-form button.primary`)), chromedp.WaitVisible(chromedp.CSS(`p.success`)))
		if got, _ := env.App.Push.Settings(context.Background(), org); got.WindowEnd != "18:00" {
			t.Fatalf("got saved window end %q, want 18:00", got.WindowEnd)
		}
	})

	t.Run("OneOffReminderInTheLog", func(t *testing.T) {
		// The demo reminded of the latest period (2026-10); September's
		// payslips are unviewed too.
		step(t, "count", chromedp.Navigate(env.URL+"/hr/reminders"),
			setField(`#period`, "2026-09"),
			chromedp.Click(chromedp.CSS(`form[method=get] button`)),
			chromedp.WaitVisible(chromedp.CSS(`#reachable`)),
		)
		if got := text(t, `#reachable`); !regexp.MustCompile(`: [1-9]\d* `).MatchString(got) {
			t.Fatalf("got %q, want some employees to be reminded", got)
		}
		shoot(t, ctx, "reminder")
		step(t, "send", chromedp.Click(chromedp.CSS(`#send-reminder`)), chromedp.WaitVisible(chromedp.CSS(`#planned`)),
			chromedp.Click(chromedp.CSS(`#to-log`)), chromedp.WaitVisible(chromedp.CSS(`table.deliveries`)))
		shoot(t, ctx, "deliveries")
		// E-007 (Соколов) has the app: the demo's reminder and this one.
		step(t, "filter", chromedp.Navigate(env.URL+"/hr/deliveries?kind=PAYSLIP_BROADCAST&employee=E-007"),
			chromedp.WaitVisible(chromedp.CSS(`table.deliveries`)))
		rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('table.deliveries tbody tr').length`))
		if log := text(t, `table.deliveries`); err != nil || rows != 2 || !strings.Contains(log, "Соколов Артём") {
			t.Fatalf("got %d one-off reminders of E-007 in the log (%v), want 2: %s", rows, err, log)
		}
	})

	t.Run("EmployeePage", func(t *testing.T) {
		step(t, "open", chromedp.Navigate(env.URL+"/hr/employees/E-007"), chromedp.WaitVisible(chromedp.CSS(`details.payslip`)))
		shoot(t, ctx, "employee")
	})

	t.Run("PhoneWidth", func(t *testing.T) {
		for _, path := range []string{"/hr/", "/hr/employees", "/hr/settings", "/hr/deliveries"} {
			step(t, "open "+path, chromedp.EmulateViewport(390, 844), chromedp.Navigate(env.URL+path), chromedp.WaitVisible(chromedp.CSS(`main`)))
			w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
			if err != nil || w > 390 {
				t.Errorf("%s at 390 px: the page is %d px wide (%v), want no wider than the screen", path, w, err)
			}
		}
		shoot(t, ctx, "deliveries-phone")
	})

	for _, p := range b.Problems() {
		t.Errorf("problem in the page: %s", p)
	}
}

// setField sets an input's or select's value as typing would, firing its
// input and change events (htmx listens to them).
func setField(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		js := fmt.Sprintf(`(() => {
			const el = document.querySelector(%q);
			if (!el) return false;
			el.value = %q;
			el.dispatchEvent(new Event('input', {bubbles: true}));
			el.dispatchEvent(new Event('change', {bubbles: true}));
			return true;
		})()`, sel, value)
		ok, err := chromedp.Evaluate[bool](js)(ctx, t)
		if err == nil && !ok {
			err = fmt.Errorf("no %s in the page", sel)
		}
		return err
	})
}

// waitJS waits until the expression is true: the page that a form's
// submit leads to has loaded, say (while it loads, the old page's context
// goes away, so failures to evaluate are retried too).
func waitJS(cond string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		deadline := time.Now().Add(30 * time.Second)
		for {
			ok, err := chromedp.Evaluate[bool](`(() => `+cond+`)()`)(ctx, t)
			switch {
			case err == nil && ok:
				return nil
			case ctx.Err() != nil:
				return ctx.Err()
			case time.Now().After(deadline):
				return fmt.Errorf("never true: %s (%v)", cond, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

// waitText waits until the element's text is want.
func waitText(sel, want string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		js := fmt.Sprintf(`(() => { const el = document.querySelector(%q); return !!el && el.textContent.trim() === %q; })()`, sel, want)
		ok, err := chromedp.Poll[bool](js, chromedp.WithPollingTimeout(10*time.Second))(ctx, t)
		if err != nil || !ok {
			got, _ := chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || ''`, sel))(ctx, t)
			return fmt.Errorf("%s: got %q, want %q (%v)", sel, strings.TrimSpace(got), want, err)
		}
		return nil
	})
}

// screenshotter returns a function that saves the current page, full
// height, as docs/screenshots/<name>.png when KABINET_SCREENSHOTS=1, and
// does nothing otherwise.
func screenshotter(t *testing.T) func(t *testing.T, ctx context.Context, name string) {
	if os.Getenv("KABINET_SCREENSHOTS") != "1" {
		return func(*testing.T, context.Context, string) {}
	}
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	return func(t *testing.T, ctx context.Context, name string) {
		t.Helper()
		// The viewport grows to the page's height for the shot (a capture
		// beyond the viewport is slow in headless Chromium), then returns.
		w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.innerWidth`))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		h, err := chromedp.Run(ctx, chromedp.Evaluate[int](`Math.min(document.documentElement.scrollHeight, 4000)`))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(w), int64(h))); err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err == nil {
			err = chromedp.Do(ctx, chromedp.EmulateViewport(int64(w), 900))
		}
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(screenshotDir, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
