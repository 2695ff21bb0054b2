package console

import (
	"strings"
	"testing"
	"testing/fstest"
)

// TestCatalog: the embedded catalogs load — every key in every language,
// none defined twice.
func TestCatalog(t *testing.T) {
	c, err := LoadCatalog(i18nFS)
	if err != nil {
		t.Fatalf("LoadCatalog: %v", err)
	}
	if got := c.T("ru", "signin.title"); got != "Вход" {
		t.Errorf("got %q, want Вход", got)
	}
	if got := c.T("en", "no.such.key"); got != "no.such.key" {
		t.Errorf("missing key: got %q, want the key", got)
	}
}

func TestCatalogErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		files fstest.MapFS
		want  string
	}{
		"ErrDuplicateAcrossAreas": {fstest.MapFS{
			"i18n/a.ru.json": {Data: []byte(`{"x": "1"}`)}, "i18n/a.en.json": {Data: []byte(`{"x": "1"}`)},
			"i18n/b.ru.json": {Data: []byte(`{"x": "2"}`)}, "i18n/b.en.json": {Data: []byte(`{"x": "2"}`)},
		}, "already defined"},
		"ErrMissingLanguage": {fstest.MapFS{
			"i18n/a.ru.json": {Data: []byte(`{"x": "1", "y": "2"}`)}, "i18n/a.en.json": {Data: []byte(`{"x": "1"}`)},
		}, "en:y"},
		"ErrUnknownLanguage": {fstest.MapFS{"i18n/a.de.json": {Data: []byte(`{}`)}}, "<area>.<lang>.json"},
		"ErrNotFlat":         {fstest.MapFS{"i18n/a.ru.json": {Data: []byte(`{"x": {"y": "1"}}`)}}, "a.ru.json"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := LoadCatalog(tc.files)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
}

// TestTemplatesUseKnownKeys: every {{t "key"}} and {{tf "key"}} of the
// templates names a key of the catalog.
func TestTemplatesUseKnownKeys(t *testing.T) {
	c, err := LoadCatalog(i18nFS)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := templateFS.ReadDir("templates")
	for _, f := range files {
		b, _ := templateFS.ReadFile("templates/" + f.Name())
		for _, fn := range []string{`{{t "`, `{{tf "`, `(t "`} {
			for _, part := range strings.Split(string(b), fn)[1:] {
				key := part[:strings.IndexByte(part, '"')]
				if !c.Has(key) {
					t.Errorf("%s: key %q is not in the catalog", f.Name(), key)
				}
			}
		}
	}
}
