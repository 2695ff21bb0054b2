package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"github.com/kabinet/kabinet/internal/testkit"
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestImport publishes every kind of file, as an accountant's export would
// write them, against a live server, then imports the same again.
func TestImport(t *testing.T) {
	live := testkit.Start(t)
	_, key := live.NewOrg(t, "ООО Импорт")
	dir := t.TempDir()
	cp1251, err := charmap.Windows1251.NewEncoder().String("externalId;lastName;firstName;middleName;email;departmentExternalId;position;isOrganizationHead\n" +
		"E-1;Орлова;Вера;Павловна;vera@example.com;D-1;Бухгалтер;нет\n" +
		"E-2;Петров;Пётр;;;D-1;\"Инженер; ведущий\";да\n")
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"import", "--url", live.URL, "--key", key,
		"--departments", writeFile(t, dir, "departments.csv", "\xef\xbb\xbfexternalId,name\nD-1,Бухгалтерия\n"),
		"--employees", writeFile(t, dir, "employees.csv", cp1251),
		"--payslips", writeFile(t, dir, "payslips.csv", "externalId;employeeExternalId;period;accrued;deducted;paid;section;title;amount;days\n"+
			"PS-1;E-1;2026-10;50 000,00;6 500,00;43 500,00;ACCRUAL;Оклад;50 000,00;22\n"+
			"PS-1;E-1;2026-10;50 000,00;6 500,00;43 500,00;TAX;НДФЛ;6 500,00;\n"+
			"PS-1;E-1;2026-10;50 000,00;6 500,00;43 500,00;PAYMENT;Зарплата;43 500,00;\n"+
			"\n"+
			"PS-2;E-2;2026-10;1000;0;1000;;;;\n"),
		"--leave-balances", writeFile(t, dir, "balances.csv", "employeeExternalId;leaveTypeCode;leaveTypeTitle;asOf;entitledDays;usedDays;remainingDays\n"+
			"E-1;ANNUAL;Ежегодный отпуск;01.11.2026;28;14,5;13,5\n"),
		"--vacations", writeFile(t, dir, "vacations.csv", "externalId,employeeExternalId,startsOn,endsOn,days\nV-1,E-1,14.12.2026,27.12.2026,14\n"),
	}
	var out bytes.Buffer
	if err := run(context.Background(), append(args, "--check"), env(nil), &out); err != nil || !strings.Contains(out.String(), "references known; nothing sent") {
		t.Fatalf("import --check: %v\n%s", err, out.String())
	}
	var none struct{ Employees []struct{ ExternalID string } }
	if live.Do(t, key, `{ employees { externalId } }`, nil).Must(t, &none); len(none.Employees) != 0 {
		t.Fatalf("--check published %d employees", len(none.Employees))
	}
	out.Reset()
	if err := run(context.Background(), args, env(nil), &out); err != nil {
		t.Fatalf("import: %v\n%s", err, out.String())
	}
	for _, want := range []string{"employees.csv: Windows-1251, ';'-separated, 2 employees, 0 problems", "departments.csv: UTF-8, ','-separated",
		"payslips.csv: published 2 payslips: 2 created", "balances.csv: published 1 leave-balances: 1 created", "vacations.csv: published 1 vacations: 1 created"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	var got struct {
		Employees []struct{ ExternalID, MiddleName, Position string }
		Payslips  []struct {
			Accrued, Paid string
			Lines         []struct{ Section, Title, Amount string }
		}
	}
	live.Do(t, key, `{ employees { externalId middleName position } payslips(employeeExternalId: "E-1") { accrued paid lines { section title amount } } }`, nil).Must(t, &got)
	if len(got.Employees) != 2 || got.Employees[0].MiddleName != "Павловна" || got.Employees[1].Position != "Инженер; ведущий" {
		t.Errorf("employees: got %+v", got.Employees)
	}
	if len(got.Payslips) != 1 || got.Payslips[0].Accrued != "50000.00" || len(got.Payslips[0].Lines) != 3 || got.Payslips[0].Lines[1].Title != "НДФЛ" {
		t.Errorf("payslips: got %+v", got.Payslips)
	}
	out.Reset()
	if err := run(context.Background(), args, env(nil), &out); err != nil {
		t.Fatalf("import again: %v", err)
	}
	if strings.Count(out.String(), " 0 created, 0 updated") != 5 {
		t.Errorf("the same import again: want everything unchanged:\n%s", out.String())
	}

	t.Run("ErrMalformedSendsNothing", func(t *testing.T) {
		bad := []string{"import", "--url", live.URL, "--key", key,
			"--employees", writeFile(t, dir, "new.csv", "externalId,lastName,firstName\nE-10,Новикова,Анна\nE-11,,Олег\nE-12,Сидоров\n"),
			"--vacations", writeFile(t, dir, "v.csv", "externalId,employeeExternalId,startsOn,endsOn,days,color\nV-2,E-10,2026-13-01,2026-12-20,five,red\n"),
			"--payslips", writeFile(t, dir, "p.csv", "externalId;employeeExternalId;period;accrued;deducted;paid;section;title;amount\nPS-3;E-10;2026-10;1,5;0;1.5;ACCRUAL;Оклад;1,5\nPS-3;E-10;2026-10;2;0;2;TAX;НДФЛ;0\nPS-4;E-10;2026-10;12,3,4;0;0;;;\n"),
		}
		var out bytes.Buffer
		err := run(context.Background(), bad, env(nil), &out)
		if err == nil || !strings.Contains(err.Error(), "nothing was sent") {
			t.Fatalf("got %v, want nothing sent", err)
		}
		for _, want := range []string{"new.csv:3: lastName: required, and empty", "new.csv:4: wrong number of fields",
			"v.csv:1: color: unknown column", "p.csv:3: accrued: differs from line 2 of the same payslip PS-3", `p.csv:4: accrued: "12,3,4" is not a number`} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("report lacks %q:\n%s", want, out.String())
			}
		}
		if strings.Contains(out.String(), "p.csv:4: accrued: required") {
			t.Errorf("a cell reported twice:\n%s", out.String())
		}
		var e struct{ Employees []struct{ ExternalID string } }
		live.Do(t, key, `{ employees(externalIds: ["E-10"]) { externalId } }`, nil).Must(t, &e)
		if len(e.Employees) != 0 {
			t.Error("E-10 was published from a file with errors")
		}
	})

	t.Run("ErrUnknownReferenceSendsNothing", func(t *testing.T) {
		var out bytes.Buffer
		err := run(context.Background(), []string{"import", "--url", live.URL, "--key", key,
			"--employees", writeFile(t, dir, "e30.csv", "externalId,lastName,firstName,departmentExternalId\nE-30,Зайцева,Ирина,D-1\nE-31,Волков,Игорь,D-9\n"),
			"--payslips", writeFile(t, dir, "p30.csv", "externalId,employeeExternalId,period,accrued,deducted,paid\nPS-30,E-30,2026-10,1,0,1\nPS-31,E-2,2026-10,1,0,1\nPS-32,E-404,2026-10,1,0,1\n"),
		}, env(nil), &out)
		if err == nil || !strings.Contains(err.Error(), "2 references") || !strings.Contains(err.Error(), "nothing was sent") {
			t.Fatalf("got %v, want 2 unknown references and nothing sent:\n%s", err, out.String())
		}
		for _, want := range []string{"e30.csv:3: D-9 is neither in the departments file nor published", "p30.csv:4: E-404 is neither in the employees file nor published"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("report lacks %q:\n%s", want, out.String())
			}
		}
		var e struct{ Employees []struct{ ExternalID string } }
		live.Do(t, key, `{ employees(externalIds: ["E-30"]) { externalId } }`, nil).Must(t, &e)
		if len(e.Employees) != 0 {
			t.Error("E-30 was published although the files name unknown records")
		}
	})

	t.Run("ErrRefusedByServer", func(t *testing.T) {
		var out bytes.Buffer
		err := run(context.Background(), []string{"import", "--url", live.URL, "--key", key, "--payslips",
			writeFile(t, dir, "refused.csv", "externalId,employeeExternalId,period,accrued,deducted,paid\nPS-5,E-1,2026-09,1,0,1\nPS-6,E-2,2026-13,1,0,1\n")}, env(nil), &out)
		if err == nil || !strings.Contains(err.Error(), "refused lines 2-3") || !strings.Contains(out.String(), "refused.csv:3: PS-6") {
			t.Fatalf("got %v:\n%s\nwant line 3 named", err, out.String())
		}
	})
}
