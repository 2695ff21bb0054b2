package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/push"
	"github.com/kabinet/kabinet/sqlite"
)

var _ push.Store = (*sqlite.DB)(nil)

// outboxRow reads the status, note and due time of the outbox row with
// the key of r.
func outboxRow(t *testing.T, db *sqlite.DB, r kabinet.PlannedNotification) (status, note string, due time.Time) {
	t.Helper()
	var ms int64
	err := db.ReadTx(context.Background(), func(tx *sql.Tx) error {
		return tx.QueryRow(`SELECT status, note, due_at FROM push_outbox WHERE kind = ? AND subject_id = ? AND subject_key = ?
			AND stage = ? AND recipient_id = ?`, r.Kind, r.SubjectID, r.SubjectKey, r.Stage, r.RecipientID).Scan(&status, &note, &ms)
	})
	if err != nil {
		t.Fatalf("outbox row %+v: %v", r, err)
	}
	return status, note, time.UnixMilli(ms).UTC()
}

func TestPlanNotifications(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	row := func(stage int, due time.Time) kabinet.PlannedNotification {
		return kabinet.PlannedNotification{Kind: kabinet.NotifyPayslipReminder, SubjectID: "ps_1", Stage: stage, RecipientID: "emp_1",
			EmployeeID: "emp_1", BaseAt: at, DueAt: due, Params: `{"period":"2026-10"}`}
	}
	plan := func(t *testing.T, rows []kabinet.PlannedNotification, replan bool, want int64) {
		t.Helper()
		if n, err := db.PlanNotifications(ctx, "org_1", rows, replan); err != nil || n != want {
			t.Fatalf("PlanNotifications: got %d, %v; want %d", n, err, want)
		}
	}
	t.Run("OK", func(t *testing.T) {
		plan(t, []kabinet.PlannedNotification{row(5, at.Add(5*24*time.Hour)), row(8, at.Add(8*24*time.Hour))}, false, 2)
		if st, _, due := outboxRow(t, db, row(5, time.Time{})); st != "PLANNED" || !due.Equal(at.Add(5*24*time.Hour)) {
			t.Fatalf("got %s due %v, want PLANNED due %v", st, due, at.Add(5*24*time.Hour))
		}
	})
	t.Run("Idempotent", func(t *testing.T) {
		plan(t, []kabinet.PlannedNotification{row(5, at.Add(time.Hour))}, false, 0)
		if _, _, due := outboxRow(t, db, row(5, time.Time{})); !due.Equal(at.Add(5 * 24 * time.Hour)) {
			t.Fatalf("a plan without replan moved the due time to %v", due)
		}
	})
	t.Run("Replan", func(t *testing.T) {
		plan(t, []kabinet.PlannedNotification{row(5, at.Add(time.Hour))}, true, 1)
		if _, _, due := outboxRow(t, db, row(5, time.Time{})); !due.Equal(at.Add(time.Hour)) {
			t.Fatalf("got due %v, want %v", due, at.Add(time.Hour))
		}
	})
	t.Run("ReplanRevivesOnlySettingsChanged", func(t *testing.T) {
		if _, err := db.CancelReminders(ctx, []string{kabinet.NotifyPayslipReminder}, []string{"ps_1"}, "payslip viewed"); err != nil {
			t.Fatal(err)
		}
		plan(t, []kabinet.PlannedNotification{row(5, at), row(8, at)}, true, 0)
		err := db.WriteTx(ctx, func(tx *sql.Tx) error {
			_, err := tx.Exec(`UPDATE push_outbox SET note = ? WHERE stage = 8`, kabinet.NoteSettingsChanged)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		plan(t, []kabinet.PlannedNotification{row(5, at), row(8, at)}, true, 1)
		if st, note, _ := outboxRow(t, db, row(8, time.Time{})); st != "PLANNED" || note != "" {
			t.Errorf("stage 8: got %s %q, want PLANNED again", st, note)
		}
		if st, note, _ := outboxRow(t, db, row(5, time.Time{})); st != "CANCELLED" || note != "payslip viewed" {
			t.Errorf("stage 5: got %s %q, want still CANCELLED (payslip viewed)", st, note)
		}
	})
	t.Run("ManyRows", func(t *testing.T) {
		// More than one multi-row INSERT's worth.
		var rows []kabinet.PlannedNotification
		for i := range 2_345 {
			r := row(5, at)
			r.SubjectID, r.RecipientID = fmt.Sprint("ps_m", i), fmt.Sprint("emp_m", i)
			rows = append(rows, r)
		}
		plan(t, rows, false, 2_345)
		plan(t, rows, false, 0)
	})
}

func TestCancelOtherKeys(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	row := func(subject, key string) kabinet.PlannedNotification {
		return kabinet.PlannedNotification{Kind: kabinet.NotifyVacationReminder, SubjectID: subject, SubjectKey: key, RecipientID: "emp_1",
			EmployeeID: "emp_1", BaseAt: at, DueAt: at, LocalDate: key, Params: `{}`}
	}
	rows := []kabinet.PlannedNotification{row("vac_1", "2026-12-01"), row("vac_1", "2026-12-08"), row("vac_2", "2026-12-01"), row("vac_3", "2026-12-01")}
	if _, err := db.PlanNotifications(ctx, "org_1", rows, false); err != nil {
		t.Fatal(err)
	}
	n, err := db.CancelOtherKeys(ctx, []string{kabinet.NotifyVacationReminder}, map[string]string{"vac_1": "2026-12-08", "vac_2": ""}, "vacation moved")
	if err != nil || n != 2 {
		t.Fatalf("got %d, %v; want 2 cancelled", n, err)
	}
	for _, tt := range []struct {
		r    kabinet.PlannedNotification
		want string
	}{{rows[0], "CANCELLED"}, {rows[1], "PLANNED"}, {rows[2], "CANCELLED"}, {rows[3], "PLANNED"}} {
		if st, _, _ := outboxRow(t, db, tt.r); st != tt.want {
			t.Errorf("%s %s: got %s, want %s", tt.r.SubjectID, tt.r.SubjectKey, st, tt.want)
		}
	}
}

// TestOrgChart: the store's facts give the manager rule what it needs: the
// published heads' ids, and the organisation's head.
func TestOrgChart(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	org := &kabinet.Organization{Name: "Org", Timezone: "Europe/Moscow"}
	if err := db.CreateOrganization(ctx, org, "hash"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpsertDepartments(ctx, org.ID, []kabinet.Department{
		{ExternalID: "ROOT", Name: "Дирекция", HeadExternalID: "BOSS"},
		{ExternalID: "IT", Name: "ИТ", ParentExternalID: "ROOT", HeadExternalID: "CTO"},
		{ExternalID: "HR", Name: "Кадры", ParentExternalID: "ROOT", HeadExternalID: "NOT-YET"},
	}); err != nil {
		t.Fatal(err)
	}
	emps := []kabinet.Employee{
		{ExternalID: "BOSS", LastName: "Б", FirstName: "Б", DepartmentExternalID: "ROOT", IsOrganizationHead: true},
		{ExternalID: "CTO", LastName: "Т", FirstName: "Т", DepartmentExternalID: "IT"},
		{ExternalID: "DEV", LastName: "Д", FirstName: "Д", DepartmentExternalID: "IT"},
		{ExternalID: "HRM", LastName: "К", FirstName: "К", DepartmentExternalID: "HR"},
	}
	if _, _, err := db.UpsertEmployees(ctx, org.ID, emps); err != nil {
		t.Fatal(err)
	}
	chart, err := db.OrgChart(ctx, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	id := map[string]string{}
	for _, e := range emps {
		id[e.ExternalID] = e.ID
	}
	for _, tt := range []struct{ emp, want string }{{"DEV", "CTO"}, {"CTO", "BOSS"}, {"HRM", "BOSS"}, {"BOSS", ""}} {
		e := emps[0]
		for _, x := range emps {
			if x.ExternalID == tt.emp {
				e = x
			}
		}
		got := chart.ManagerOf(kabinet.OrgMember{ID: e.ID, ExternalID: e.ExternalID, DepartmentExternalID: e.DepartmentExternalID})
		if got != id[tt.want] {
			t.Errorf("manager of %s: got %q, want %s (%q)", tt.emp, got, tt.want, id[tt.want])
		}
	}
}
