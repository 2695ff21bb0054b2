package console_test

import (
	"net/http"
	"testing"

	"github.com/kabinet/kabinet/internal/testkit"
)

// BenchmarkSignedInPage is one console page view over HTTP: the session
// looked up by its token's hash (and its last use written at most once a
// minute), the CSRF cookie checked, the page's template set cloned with
// the request's functions and executed in the layout.
func BenchmarkSignedInPage(b *testing.B) {
	env := testkit.Start(b)
	org, _ := env.NewOrg(b, "Org")
	c := env.HRClient(b, org, "HR")
	b.ReportAllocs()
	for b.Loop() {
		if p := c.Get("/hr/profile"); p.Status != http.StatusOK {
			b.Fatalf("got HTTP %d", p.Status)
		}
	}
}

// BenchmarkSignInPage is the public sign-in page: no session, a new CSRF
// token signed for each visitor.
func BenchmarkSignInPage(b *testing.B) {
	env := testkit.Start(b)
	b.ReportAllocs()
	for b.Loop() {
		c := env.NewHRClient(b)
		if p := c.Get("/hr/signin"); p.Status != http.StatusOK {
			b.Fatalf("got HTTP %d", p.Status)
		}
	}
}
