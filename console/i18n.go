package console

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

//go:embed i18n/*.json
var i18nFS embed.FS

// Languages the console speaks, the first the default.
var Languages = []string{"ru", "en"}

// Catalog holds every message of every language: key → language → text.
type Catalog struct {
	msgs map[string]map[string]string
}

// LoadCatalog reads every i18n/<area>.<lang>.json of fsys. It fails when a
// file is not a flat JSON object of strings, names an unknown language,
// when a key is defined twice (in two areas, or twice in one language), or
// when a key is missing in a language: every text exists in every language.
func LoadCatalog(fsys fs.FS) (*Catalog, error) {
	files, err := fs.Glob(fsys, "i18n/*.json")
	if err != nil {
		return nil, err
	}
	c := &Catalog{msgs: map[string]map[string]string{}}
	owner := map[string]string{} // key → area that defines it
	for _, f := range files {
		area, lang, ok := strings.Cut(strings.TrimSuffix(path.Base(f), ".json"), ".")
		if !ok || !knownLanguage(lang) {
			return nil, fmt.Errorf("%s: name it <area>.<lang>.json with lang one of %v", f, Languages)
		}
		raw, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		var m map[string]string
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for k, v := range m {
			if o, ok := owner[k]; ok && o != area {
				return nil, fmt.Errorf("%s: key %q is already defined by area %q", f, k, o)
			}
			owner[k] = area
			if c.msgs[k] == nil {
				c.msgs[k] = map[string]string{}
			}
			if _, dup := c.msgs[k][lang]; dup {
				return nil, fmt.Errorf("%s: key %q defined twice", f, k)
			}
			c.msgs[k][lang] = v
		}
	}
	var missing []string
	for k, by := range c.msgs {
		for _, l := range Languages {
			if _, ok := by[l]; !ok {
				missing = append(missing, l+":"+k)
			}
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, fmt.Errorf("i18n keys missing in a language: %s", strings.Join(missing, ", "))
	}
	return c, nil
}

func knownLanguage(l string) bool {
	for _, k := range Languages {
		if k == l {
			return true
		}
	}
	return false
}

// T is the text of key in lang; the key itself (so that a missing text
// shows, and tests catch it) when there is none.
func (c *Catalog) T(lang, key string) string {
	if s, ok := c.msgs[key][lang]; ok {
		return s
	}
	return key
}

// Tf formats the text of key with args (fmt verbs in the text).
func (c *Catalog) Tf(lang, key string, args ...any) string {
	return fmt.Sprintf(c.T(lang, key), args...)
}

// Has reports whether key exists.
func (c *Catalog) Has(key string) bool { _, ok := c.msgs[key]; return ok }
