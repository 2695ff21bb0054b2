package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kabinet/kabinet/internal/browsertest"
	"github.com/kabinet/kabinet/internal/testkit"
)

// TestGraphiQLInBrowser loads /graphiql in headless Chromium under the
// page's Content-Security-Policy, enters an organisation key in the
// headers editor, runs a query and reads its result from the response
// pane, then opens a field in the documentation explorer and finds the
// token it requires. Any script error or CSP violation fails it.
func TestGraphiQLInBrowser(t *testing.T) {
	env := testkit.Start(t, withGraphiQL("on"))
	_, key := env.NewOrg(t, "ООО «Браузер»")

	browser := browsertest.New(t, 60*time.Second)
	ctx := browser.Ctx

	headers, _ := json.Marshal(map[string]string{"Authorization": "Bearer " + key})
	// Named as GraphiQL's default query is: GraphiQL takes the operation name
	// from its editor a moment after a change, and a click at once would send
	// the old name with the new text.
	query := "query Organization { organization { name timezone createdAt } }"
	err := chromedp.Do(ctx,
		chromedp.Navigate(env.URL+"/graphiql"),
		chromedp.WaitVisible(chromedp.CSS(`.graphiql-query-editor .CodeMirror`)),
		chromedp.WaitVisible(chromedp.CSS(`.graphiql-editor-tool .CodeMirror`)),
		setEditor(`.graphiql-query-editor .CodeMirror`, query),
		setEditor(`.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror`, string(headers)),
		chromedp.Click(chromedp.CSS(`.graphiql-execute-button`)),
	)
	var result string
	if err == nil {
		result, err = chromedp.Run(ctx, chromedp.Poll[string](`(() => {
			const r = document.querySelector('.graphiql-response .CodeMirror');
			const v = r && r.CodeMirror.getValue();
			return v && v.includes('"data"') ? v : null;
		})()`, chromedp.WithPollingTimeout(30*time.Second)))
	}
	// The documentation explorer shows each field's description, with the
	// token it requires: what a newcomer reads to explore the API.
	var doc string
	if err == nil {
		err = chromedp.Do(ctx,
			clickWhenThere(`.graphiql-sidebar button[aria-label="Show Documentation Explorer"]`, ""),
			clickWhenThere(`a.graphiql-doc-explorer-type-name`, "Query"),
			clickWhenThere(`a.graphiql-doc-explorer-field-name`, "organization"),
		)
	}
	if err == nil {
		doc, err = chromedp.Run(ctx, chromedp.Poll[string](`(() => {
			const c = document.querySelector('.graphiql-doc-explorer-content');
			const t = c && c.innerText;
			return t && t.includes('Requires:') ? t : null;
		})()`, chromedp.WithPollingTimeout(10*time.Second)))
	}
	if err != nil {
		t.Fatalf("browser: %v\nproblems in the page: %s", err, strings.Join(browser.Problems(), "\n"))
	}
	var got struct {
		Data struct {
			Organization struct{ Name, Timezone string }
		}
	}
	if err := json.Unmarshal([]byte(result), &got); err != nil {
		t.Fatalf("the response pane holds %q: %v", result, err)
	}
	if got.Data.Organization.Name != "ООО «Браузер»" {
		t.Errorf("got organization %+v in the response pane, want ООО «Браузер»; the pane holds %s", got.Data.Organization, result)
	}
	if want := "Requires: organisation API key"; !strings.Contains(doc, want) {
		t.Errorf("the documentation of Query.organization says %q, want it to contain %q", doc, want)
	}
	for _, p := range browser.Problems() {
		t.Errorf("problem in the page: %s", p)
	}
}

// clickWhenThere waits for an element matching sel (and holding text, when
// given) and clicks it, as a person would once it shows.
func clickWhenThere(sel, text string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		js := fmt.Sprintf(`(() => {
			const el = [...document.querySelectorAll(%q)].find(e => %q === '' || e.textContent.trim() === %q);
			if (!el) return false;
			el.click();
			return true;
		})()`, sel, text, text)
		_, err := chromedp.Poll[bool](js, chromedp.WithPollingTimeout(10*time.Second))(ctx, t)
		if err != nil {
			return fmt.Errorf("click %s %q: %w", sel, text, err)
		}
		return nil
	})
}

// setEditor replaces the text of the CodeMirror editor at sel (GraphiQL
// listens to the editor's change events, as when a person types).
func setEditor(sel, text string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		js := fmt.Sprintf(`(() => {
			const el = document.querySelector(%q);
			if (!el) return false;
			el.CodeMirror.setValue(%q);
			return true;
		})()`, sel, text)
		ok, err := chromedp.Evaluate[bool](js)(ctx, t)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("no editor %s in the page", sel)
		}
		return nil
	})
}
