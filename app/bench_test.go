package app_test

import (
	"fmt"
	"testing"

	"github.com/kabinet/kabinet/internal/testkit"
)

// BenchmarkPublishPayslips publishes batches of 500 new payslips of 30 lines
// over HTTP through the whole stack; ns/op is per batch.
func BenchmarkPublishPayslips(b *testing.B) {
	env := testkit.Start(b)
	_, key := env.NewOrg(b, "Bench")
	emps := env.SeedEmployees(b, key, 500)
	lines := make([]map[string]any, 0, 30)
	for i := 0; i < 28; i++ {
		lines = append(lines, map[string]any{"section": "ACCRUAL", "title": fmt.Sprintf("Начисление %d", i), "amount": "1000.00", "days": "1"})
	}
	lines = append(lines, map[string]any{"section": "TAX", "title": "НДФЛ", "amount": "3640.00"}, map[string]any{"section": "PAYMENT", "title": "Зарплата", "amount": "24360.00"})
	n := 0
	for b.Loop() {
		var batch []any
		for _, e := range emps {
			n++
			batch = append(batch, map[string]any{"externalId": fmt.Sprint("PS-", n), "employeeExternalId": e, "period": "2026-10",
				"accrued": "28000.00", "deducted": "3640.00", "paid": "24360.00", "lines": lines})
		}
		env.Do(b, key, publishPayslips, map[string]any{"in": batch}).Must(b, nil)
	}
	b.ReportMetric(float64(b.N*len(emps))/b.Elapsed().Seconds(), "payslips/s")
}

// BenchmarkRepublishUnchanged republishes the same 500 payslips: the
// idempotent path the payroll system hits most.
func BenchmarkRepublishUnchanged(b *testing.B) {
	env := testkit.Start(b)
	_, key := env.NewOrg(b, "Bench")
	emps := env.SeedEmployees(b, key, 500)
	var batch []any
	for i, e := range emps {
		batch = append(batch, testkit.Payslip(fmt.Sprint("PS-", i), e, "2026-10"))
	}
	env.Do(b, key, publishPayslips, map[string]any{"in": batch}).Must(b, nil)
	for b.Loop() {
		env.Do(b, key, publishPayslips, map[string]any{"in": batch}).Must(b, nil)
	}
	b.ReportMetric(float64(b.N*len(emps))/b.Elapsed().Seconds(), "payslips/s")
}
