package kabinet_test

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var (
	// citation is a reference such as "docs/product.md §Manager rule".
	citation = regexp.MustCompile(`docs/(product|contract)\.md §([^\n]*)`)
	// outside is a reference to a document the repository does not hold.
	outside = regexp.MustCompile(`\b(SPEC|CONTRACT)\.md\b|\.\./shared\b`)
)

// TestDocCitations checks that every "docs/….md §Section" in code, schema,
// migrations and documents names a heading that exists, and that nothing
// cites a document outside the repository.
func TestDocCitations(t *testing.T) {
	headings := map[string][]string{}
	for _, doc := range []string{"product", "contract"} {
		b, err := os.ReadFile(filepath.Join("docs", doc+".md"))
		if err != nil {
			t.Fatal(err)
		}
		for l := range strings.SplitSeq(string(b), "\n") {
			if h, ok := strings.CutPrefix(l, "## "); ok {
				headings[doc] = append(headings[doc], strings.TrimSpace(h))
			}
		}
	}
	n := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != "." && (strings.HasPrefix(name, ".") || name == "assets" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(path) {
		case ".go", ".graphqls", ".sql", ".md", ".sh", ".yml":
		default:
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for line := 1; sc.Scan(); line++ {
			text := sc.Text()
			if outside.MatchString(text) {
				t.Errorf("%s:%d cites a document outside the repository: %s", path, line, strings.TrimSpace(text))
			}
			for _, m := range citation.FindAllStringSubmatch(text, -1) {
				n++
				if !citesHeading(headings[m[1]], m[2]) {
					t.Errorf("%s:%d cites docs/%s.md §%s: no such heading (have %s)", path, line, m[1], m[2], strings.Join(headings[m[1]], ", "))
				}
			}
		}
		return sc.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Error("found no citation at all; the pattern is broken")
	}
}

// citesHeading reports whether rest (the text after §) begins with one of
// the headings, followed by the end or by something that is not a letter.
func citesHeading(headings []string, rest string) bool {
	for _, h := range headings {
		after, ok := strings.CutPrefix(rest, h)
		if ok && (after == "" || !isLetter(after[0])) {
			return true
		}
	}
	return false
}

func isLetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }
