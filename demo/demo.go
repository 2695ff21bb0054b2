// Package demo fills an empty database with a demo organisation: departments
// with heads, employees with Russian names, twelve months of payslips, leave
// balances and a vacation schedule, all through the same services the GraphQL
// API uses, so the demo exercises the real validation.
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/payroll"
	"github.com/kabinet/kabinet/tenancy"
)

// Result is what the seed created.
type Result struct {
	Org       *kabinet.Organization
	APIKey    string
	Employees []string // external IDs
}

type person struct {
	ext, last, first, middle, dept, position string
	salary                                   int64 // roubles a month
	head                                     bool
}

var departments = []payroll.DepartmentInput{
	{ExternalID: "D-ADM", Name: "Администрация", HeadExternalID: ptr("E-001")},
	{ExternalID: "D-ACC", Name: "Бухгалтерия", ParentExternalID: ptr("D-ADM"), HeadExternalID: ptr("E-002")},
	{ExternalID: "D-IT", Name: "Отдел информационных технологий", ParentExternalID: ptr("D-ADM"), HeadExternalID: ptr("E-005")},
	{ExternalID: "D-SAL", Name: "Отдел продаж", ParentExternalID: ptr("D-ADM"), HeadExternalID: ptr("E-011")},
	{ExternalID: "D-WH", Name: "Склад", ParentExternalID: ptr("D-ADM")}, // no head: the director is the manager
}

var people = []person{
	{"E-001", "Смирнов", "Александр", "Викторович", "D-ADM", "Генеральный директор", 350000, true},
	{"E-002", "Иванова", "Ольга", "Петровна", "D-ACC", "Главный бухгалтер", 180000, false},
	{"E-003", "Кузнецова", "Марина", "Сергеевна", "D-ACC", "Бухгалтер по заработной плате", 95000, false},
	{"E-004", "Попова", "Анна", "Игоревна", "D-ACC", "Бухгалтер", 85000, false},
	{"E-005", "Васильев", "Дмитрий", "Андреевич", "D-IT", "Руководитель отдела ИТ", 240000, false},
	{"E-006", "Петров", "Иван", "Иванович", "D-IT", "Ведущий разработчик", 210000, false},
	{"E-007", "Соколов", "Артём", "Олегович", "D-IT", "Разработчик", 160000, false},
	{"E-008", "Михайлова", "Екатерина", "Дмитриевна", "D-IT", "Тестировщик", 120000, false},
	{"E-009", "Новиков", "Сергей", "Николаевич", "D-IT", "Системный администратор", 110000, false},
	{"E-010", "Фёдорова", "Наталья", "Александровна", "D-IT", "Аналитик", 140000, false},
	{"E-011", "Морозов", "Алексей", "Владимирович", "D-SAL", "Руководитель отдела продаж", 200000, false},
	{"E-012", "Волкова", "Татьяна", "Юрьевна", "D-SAL", "Менеджер по продажам", 90000, false},
	{"E-013", "Алексеев", "Максим", "Павлович", "D-SAL", "Менеджер по продажам", 90000, false},
	{"E-014", "Лебедева", "Юлия", "Михайловна", "D-SAL", "Менеджер по работе с клиентами", 85000, false},
	{"E-015", "Семёнов", "Николай", "Геннадьевич", "D-SAL", "Менеджер по продажам", 88000, false},
	{"E-016", "Егорова", "Светлана", "Викторовна", "D-WH", "Кладовщик", 65000, false},
	{"E-017", "Павлов", "Андрей", "Сергеевич", "D-WH", "Грузчик", 55000, false},
	{"E-018", "Козлов", "Роман", "Евгеньевич", "D-WH", "Водитель-экспедитор", 70000, false},
	{"E-019", "Степанова", "Елена", "Андреевна", "D-WH", "Оператор склада", 60000, false},
	{"E-020", "Николаев", "Игорь", "Борисович", "D-WH", "Кладовщик", 65000, false},
}

func ptr[T any](v T) *T { return &v }

// Seed creates the demo organisation. It refuses a database that already has
// an organisation: the demo never touches real data.
func Seed(ctx context.Context, tn *tenancy.Service, pr *payroll.Service, now time.Time) (*Result, error) {
	org, key, err := tn.CreateOrganization(ctx, "ООО «Демо»", "Europe/Moscow")
	if err != nil {
		return nil, err
	}
	res := &Result{Org: org, APIKey: key}
	if _, err := pr.UpsertDepartments(ctx, org.ID, departments); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(2026, 11))
	var emps []payroll.EmployeeInput
	for i, p := range people {
		e := payroll.EmployeeInput{
			ExternalID: p.ext, LastName: p.last, FirstName: p.first, MiddleName: ptr(p.middle),
			DepartmentExternalID: ptr(p.dept), Position: ptr(p.position), IsOrganizationHead: ptr(p.head),
		}
		if i%5 != 4 {
			e.Email = ptr(fmt.Sprintf("employee%02d@demo.kabinet.local", i+1))
		}
		if i%3 != 2 {
			e.Phone = ptr(fmt.Sprintf("+7916%07d", 1000000+rng.IntN(8999999)))
		}
		if i == 18 {
			e.Timezone = ptr("Asia/Novosibirsk") // a remote warehouse
		}
		emps = append(emps, e)
		res.Employees = append(res.Employees, p.ext)
	}
	if _, err := pr.UpsertEmployees(ctx, org.ID, emps); err != nil {
		return nil, err
	}
	if _, err := pr.PublishPayslips(ctx, org.ID, payslips(now, rng)); err != nil {
		return nil, err
	}
	if _, err := pr.PublishLeaveBalances(ctx, org.ID, balances(now)); err != nil {
		return nil, err
	}
	if _, err := pr.PublishVacations(ctx, org.ID, vacations(now)); err != nil {
		return nil, err
	}
	return res, nil
}

// payslips makes twelve months of payslips per person, the way Russian
// payroll pays them: an advance in the month, the rest early next month, so
// each month ends with a debt that the next one pays.
func payslips(now time.Time, rng *rand.Rand) []payroll.PayslipInput {
	msk, _ := time.LoadLocation("Europe/Moscow")
	thisMonth := time.Date(now.In(msk).Year(), now.In(msk).Month(), 1, 0, 0, 0, 0, msk)
	var out []payroll.PayslipInput
	for _, p := range people {
		var debt int64 // kopecks owed to the employee
		for m := 12; m >= 1; m-- {
			start := thisMonth.AddDate(0, -m, 0)
			published := start.AddDate(0, 1, 2).Add(10 * time.Hour)
			if published.After(now) {
				published = now.Add(-time.Hour)
			}
			workDays := 20 + rng.IntN(3)
			salary := p.salary * 100
			bonus := int64(0)
			if rng.IntN(3) > 0 {
				bonus = salary * int64(10+rng.IntN(21)) / 100
			}
			accrued := salary + bonus
			tax := (accrued*13/100 + 50) / 100 * 100 // НДФЛ is whole roubles
			union := int64(0)
			if p.dept == "D-WH" {
				union = accrued / 100
			}
			deducted := tax + union
			advance := salary * 40 / 100
			paid := debt + advance
			lines := []payroll.PayslipLineInput{
				{Section: kabinet.SectionAccrual, Code: ptr("ОКЛ"), Title: "Оплата по окладу", Amount: dec(salary),
					Days: ptr(fmt.Sprint(workDays)), Hours: ptr(fmt.Sprint(workDays * 8))},
			}
			if bonus > 0 {
				lines = append(lines, payroll.PayslipLineInput{Section: kabinet.SectionAccrual, Code: ptr("ПРМ"), Title: "Премия ежемесячная", Amount: dec(bonus)})
			}
			lines = append(lines, payroll.PayslipLineInput{Section: kabinet.SectionTax, Code: ptr("НДФЛ"), Title: "НДФЛ", Amount: dec(tax)})
			if union > 0 {
				lines = append(lines, payroll.PayslipLineInput{Section: kabinet.SectionDeduction, Code: ptr("ПРФ"), Title: "Профсоюзные взносы", Amount: dec(union)})
			}
			if debt > 0 {
				lines = append(lines, payroll.PayslipLineInput{Section: kabinet.SectionPayment, Title: "Зарплата за прошлый месяц", Amount: dec(debt),
					Period: ptr(start.AddDate(0, -1, 0).Format(kabinet.PeriodLayout))})
			}
			lines = append(lines, payroll.PayslipLineInput{Section: kabinet.SectionPayment, Title: "Аванс", Amount: dec(advance)})
			end := debt + accrued - deducted - paid
			pub := published.UTC()
			out = append(out, payroll.PayslipInput{
				ExternalID: fmt.Sprintf("PS-%s-%s", p.ext, start.Format(kabinet.PeriodLayout)), EmployeeExternalID: p.ext,
				Period: start.Format(kabinet.PeriodLayout), PublishedAt: &pub,
				Accrued: dec(accrued), Deducted: dec(deducted), Paid: dec(paid),
				DebtAtStart: ptr(dec(debt)), DebtAtEnd: ptr(dec(end)), Lines: lines,
			})
			debt = end
		}
	}
	return out
}

func dec(kopecks int64) string { return kabinet.Decimal(kopecks).String() }

func balances(now time.Time) []payroll.LeaveBalanceInput {
	asOf := now.Format(kabinet.DateLayout)
	var out []payroll.LeaveBalanceInput
	for i, p := range people {
		used := (i * 7) % 29
		out = append(out, payroll.LeaveBalanceInput{
			EmployeeExternalID: p.ext, LeaveTypeCode: "MAIN", LeaveTypeTitle: "Основной ежегодный отпуск", AsOf: asOf,
			EntitledDays: "28.00", UsedDays: fmt.Sprintf("%d.00", used), RemainingDays: dec(int64(28-used)*100 - int64(i%3)*33),
		})
		if p.dept == "D-IT" || p.head {
			out = append(out, payroll.LeaveBalanceInput{
				EmployeeExternalID: p.ext, LeaveTypeCode: "IRREG", LeaveTypeTitle: "Дополнительный отпуск за ненормированный рабочий день",
				AsOf: asOf, EntitledDays: "3.00", UsedDays: "0.00", RemainingDays: "3.00",
			})
		}
	}
	return out
}

// vacations schedules one past and one coming vacation per person.
func vacations(now time.Time) []payroll.VacationInput {
	var out []payroll.VacationInput
	for i, p := range people {
		past := time.Date(now.Year(), 7, 1+i, 0, 0, 0, 0, time.UTC)
		if past.After(now) {
			past = past.AddDate(-1, 0, 0)
		}
		next := now.AddDate(0, 0, 14+i*9)
		for j, start := range []time.Time{past, next} {
			days := 14 - 7*j
			out = append(out, payroll.VacationInput{
				ExternalID: fmt.Sprintf("V-%s-%d", p.ext, j+1), EmployeeExternalID: p.ext,
				StartsOn: start.Format(kabinet.DateLayout), EndsOn: start.AddDate(0, 0, days-1).Format(kabinet.DateLayout), Days: days,
			})
		}
	}
	return out
}
