package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/pgtest"
	"github.com/kabinet/kabinet/internal/testkit"
	"github.com/kabinet/kabinet/payroll"
	ksync "github.com/kabinet/kabinet/sync"
	"github.com/kabinet/kabinet/tenancy"
)

// TestNoStaleNoChangeAcrossInstances: two stores (two pools, as two
// instances have) on one database. After instance A commits a publication,
// a sync through instance B with the cursor B handed out before must bring
// it: B never answers "no change" from a head it kept in memory.
func TestNoStaleNoChangeAcrossInstances(t *testing.T) {
	ctx := context.Background()
	clock := testkit.NewClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	dsn := pgtest.DSN(t)
	a, b := openDSN(t, dsn, clock), openDSN(t, dsn, clock)
	org, _, err := (&tenancy.Service{Store: a}).CreateOrganization(ctx, "Org", "")
	if err != nil {
		t.Fatal(err)
	}
	pa := &payroll.Service{Store: a, Clock: clock}
	if _, err := pa.UpsertEmployees(ctx, org.ID, []payroll.EmployeeInput{{ExternalID: "E-1", LastName: "Иванов", FirstName: "Иван"}}); err != nil {
		t.Fatal(err)
	}
	ids, err := b.EmployeeIDs(ctx, org.ID, []string{"E-1"})
	if err != nil {
		t.Fatal(err)
	}
	key := []byte("0123456789abcdef0123456789abcdef")
	sb := &ksync.Service{Store: b, Clock: clock, Key: key}
	first, err := sb.Sync(ctx, org.ID, ids["E-1"], "", nil)
	if err != nil {
		t.Fatal(err)
	}
	cursor := first.Cursor
	for i := range 20 {
		// B answers "nothing new" ...
		idle, err := sb.Sync(ctx, org.ID, ids["E-1"], cursor, nil)
		if err != nil || len(idle.Payslips) != 0 {
			t.Fatalf("round %d: got %d payslips, %v before the publication, want none", i, len(idle.Payslips), err)
		}
		cursor = idle.Cursor
		// ... A publishes ...
		ext := "PS-" + string(rune('A'+i))
		if _, err := pa.PublishPayslips(ctx, org.ID, []payroll.PayslipInput{{ExternalID: ext, EmployeeExternalID: "E-1",
			Period: "2026-10", Accrued: "100.00", Deducted: "0.00", Paid: "100.00"}}); err != nil {
			t.Fatal(err)
		}
		// ... and B's very next sync has it.
		got, err := sb.Sync(ctx, org.ID, ids["E-1"], cursor, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Payslips) != 1 || got.Payslips[0].ExternalID != ext {
			t.Fatalf("round %d: B served %d payslips after A committed %s, want exactly it", i, len(got.Payslips), ext)
		}
		cursor = got.Cursor
	}
}
