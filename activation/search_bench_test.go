package activation_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/activation"
	"github.com/kabinet/kabinet/sqlite"
)

// BenchmarkSearchCabinets is HR's employees page on an organisation of
// 10,000 employees (SQLite): a page of 50 with the total, for everyone, for
// one word of a surname in lower case (a scan with four spellings), and
// for a status.
func BenchmarkSearchCabinets(b *testing.B) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "k.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	org := &kabinet.Organization{Name: "Org", Timezone: "Europe/Moscow"}
	if err := db.CreateOrganization(ctx, org, kabinet.NewID("hash")); err != nil {
		b.Fatal(err)
	}
	last := []string{"Иванов", "Петрова", "Смирнов", "Кузнецова", "Попов", "Соколова", "Лебедев", "Козлова"}
	emps := make([]kabinet.Employee, 10_000)
	for i := range emps {
		emps[i] = kabinet.Employee{ExternalID: fmt.Sprintf("E-%05d", i), LastName: last[i%len(last)], FirstName: "Имя",
			Email: fmt.Sprintf("e%d@example.com", i)}
	}
	if _, _, err := db.UpsertEmployees(ctx, org.ID, emps); err != nil {
		b.Fatal(err)
	}
	svc := &activation.Service{Search: db}
	for _, bc := range []struct {
		name string
		in   activation.SearchInput
	}{
		{"Everyone", activation.SearchInput{Limit: 50}},
		{"Word", activation.SearchInput{Text: "кузнец", Limit: 50}},
		{"Status", activation.SearchInput{Status: kabinet.CabinetActive, Limit: 50}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := svc.SearchCabinets(ctx, org.ID, bc.in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
