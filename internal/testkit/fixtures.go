package testkit

import (
	"fmt"
	"testing"
)

// SeedEmployees publishes one department and n employees E-1…E-n (with email
// and phone) in the organisation of key, and returns their external IDs.
func (e *Env) SeedEmployees(tb testing.TB, key string, n int) []string {
	tb.Helper()
	e.Do(tb, key, `mutation { upsertDepartments(input: [{externalId: "D-1", name: "Отдел"}]) { created } }`, nil).Must(tb, nil)
	var emps []map[string]any
	var ids []string
	for i := 1; i <= n; i++ {
		id := fmt.Sprintf("E-%d", i)
		ids = append(ids, id)
		emps = append(emps, map[string]any{
			"externalId": id, "lastName": "Иванов", "firstName": "Иван", "middleName": "Иванович",
			"email": fmt.Sprintf("e%d@example.com", i), "phone": fmt.Sprintf("+7916000%04d", i),
			"departmentExternalId": "D-1", "position": "Инженер",
		})
	}
	e.Do(tb, key, `mutation($in: [EmployeeInput!]!) { upsertEmployees(input: $in) { created } }`,
		map[string]any{"in": emps}).Must(tb, nil)
	return ids
}

// Payslip returns a consistent payslip input for the employee and period
// (accrued 100000.00, tax 13000.00, paid 87000.00).
func Payslip(externalID, employeeExternalID, period string) map[string]any {
	return map[string]any{
		"externalId": externalID, "employeeExternalId": employeeExternalID, "period": period,
		"accrued": "100000.00", "deducted": "13000.00", "paid": "87000.00",
		"lines": []map[string]any{
			{"section": "ACCRUAL", "title": "Оплата по окладу", "amount": "100000.00", "days": "21"},
			{"section": "TAX", "title": "НДФЛ", "amount": "13000.00"},
			{"section": "PAYMENT", "title": "Зарплата", "amount": "87000.00"},
		},
	}
}

// PublishPayslips publishes payslip inputs and fails the test on error.
func (e *Env) PublishPayslips(tb testing.TB, key string, slips ...map[string]any) {
	tb.Helper()
	if slips == nil {
		slips = []map[string]any{}
	}
	e.Do(tb, key, `mutation($in: [PayslipInput!]!) { publishPayslips(input: $in) { created } }`,
		map[string]any{"in": slips}).Must(tb, nil)
}
