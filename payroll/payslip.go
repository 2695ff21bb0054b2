package payroll

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kabinet/kabinet"
)

var sections = map[string]bool{
	kabinet.SectionAccrual: true, kabinet.SectionDeduction: true, kabinet.SectionTax: true, kabinet.SectionPayment: true,
}

// PublishPayslips validates and publishes payslips. Totals that do not add
// up with the lines (accrued = Σ ACCRUAL, deducted = Σ DEDUCTION + TAX,
// paid = Σ PAYMENT, debtAtEnd = debtAtStart + accrued − deducted − paid) are
// published as sent, since the payroll system is the source of truth, and
// reported in the warnings.
func (s *Service) PublishPayslips(ctx context.Context, orgID string, in []PayslipInput) (kabinet.PublishResult, error) {
	if err := s.checkSize(len(in), "payslips"); err != nil {
		return kabinet.PublishResult{}, err
	}
	ids, err := s.employeeIDs(ctx, orgID, len(in), func(i int) string { return in[i].EmployeeExternalID })
	if err != nil {
		return kabinet.PublishResult{}, err
	}
	now := s.now()
	b := newBatch("payslips")
	seen := map[string]int{}
	slips := make([]kabinet.Payslip, len(in))
	var warnings []kabinet.ItemError
	for i, p := range in {
		b.at(i, p.ExternalID)
		ps := kabinet.Payslip{ExternalID: b.externalID("externalId", p.ExternalID, seen)}
		ps.EmployeeID, ps.EmployeeExternalID = b.employee(ids, p.EmployeeExternalID)
		ps.Period = b.period("period", p.Period, true)
		if p.PublishedAt != nil {
			ps.PublishedAt = p.PublishedAt.UTC()
			if ps.PublishedAt.After(now.Add(s.skew())) {
				b.fail("publishedAt", "is in the future (%s)", ps.PublishedAt.Format("2006-01-02T15:04:05Z07:00"))
			}
		}
		ps.Currency = strings.ToUpper(strings.TrimSpace(deref(p.Currency)))
		if ps.Currency == "" {
			ps.Currency = "RUB"
		} else if len(ps.Currency) != 3 || strings.Trim(ps.Currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
			b.fail("currency", "%q is not an ISO 4217 code", ps.Currency)
		}
		ps.Accrued = b.decimal("accrued", p.Accrued, true)
		ps.Deducted = b.decimal("deducted", p.Deducted, true)
		ps.Paid = b.decimal("paid", p.Paid, true)
		ps.DebtAtStart = deref(b.optDecimal("debtAtStart", p.DebtAtStart, false))
		ps.DebtAtEnd = deref(b.optDecimal("debtAtEnd", p.DebtAtEnd, false))
		if len(p.Lines) > maxLines {
			b.fail("lines", "has %d lines (at most %d)", len(p.Lines), maxLines)
		}
		ps.Lines = make([]kabinet.PayslipLine, 0, len(p.Lines))
		for j, l := range p.Lines {
			f := func(name string) string { return fmt.Sprintf("lines[%d].%s", j, name) }
			line := kabinet.PayslipLine{
				Section: l.Section,
				Code:    b.text(f("code"), deref(l.Code), false, 32),
				Title:   b.text(f("title"), l.Title, true, maxName),
				// Line amounts may be negative: recalculations (сторно) of an earlier month.
				Amount: b.decimal(f("amount"), l.Amount, false),
				Days:   b.optDecimal(f("days"), l.Days, true),
				Hours:  b.optDecimal(f("hours"), l.Hours, true),
				Period: b.period(f("period"), deref(l.Period), false),
			}
			if !sections[l.Section] {
				b.fail(f("section"), "%q is not one of ACCRUAL, DEDUCTION, TAX, PAYMENT", l.Section)
			}
			ps.Lines = append(ps.Lines, line)
		}
		if why := totalsMismatch(&ps); why != "" && b.Len() == 0 {
			warnings = append(warnings, kabinet.ItemError{Index: i, ExternalID: ps.ExternalID, Reason: why})
		}
		slips[i] = ps
	}
	if err := b.Err(); err != nil {
		return kabinet.PublishResult{}, err
	}
	res, changed, err := s.Store.PublishPayslips(ctx, orgID, slips)
	if err != nil {
		return res, err
	}
	res.Warnings = warnings
	s.notify(ctx, orgID, EventPayslips, changed)
	return res, nil
}

// skew is how far in the future a publication time may lie (clock skew
// between the payroll system and Kabinet).
func (s *Service) skew() time.Duration { return 5 * time.Minute }

// totalsMismatch explains how the totals disagree with the lines, or "".
func totalsMismatch(p *kabinet.Payslip) string {
	if end := p.DebtAtStart + p.Accrued - p.Deducted - p.Paid; end != p.DebtAtEnd {
		return fmt.Sprintf("debtAtEnd %s differs from debtAtStart + accrued − deducted − paid = %s", p.DebtAtEnd, end)
	}
	if len(p.Lines) == 0 {
		return ""
	}
	var sum = map[string]kabinet.Decimal{}
	for _, l := range p.Lines {
		sum[l.Section] += l.Amount
	}
	switch {
	case sum[kabinet.SectionAccrual] != p.Accrued:
		return fmt.Sprintf("accrued %s differs from the sum of ACCRUAL lines %s", p.Accrued, sum[kabinet.SectionAccrual])
	case sum[kabinet.SectionDeduction]+sum[kabinet.SectionTax] != p.Deducted:
		return fmt.Sprintf("deducted %s differs from the sum of DEDUCTION and TAX lines %s", p.Deducted, sum[kabinet.SectionDeduction]+sum[kabinet.SectionTax])
	case sum[kabinet.SectionPayment] != p.Paid:
		return fmt.Sprintf("paid %s differs from the sum of PAYMENT lines %s", p.Paid, sum[kabinet.SectionPayment])
	}
	return ""
}

// RetractPayslip withdraws a payslip by external ID. NOT_FOUND if unknown;
// retracting twice is not an error (false).
func (s *Service) RetractPayslip(ctx context.Context, orgID, externalID string) (bool, error) {
	id, err := s.Store.RetractPayslip(ctx, orgID, strings.TrimSpace(externalID))
	if err != nil {
		return false, err
	}
	s.notify(ctx, orgID, EventRetracted, nonEmpty(id))
	return id != "", nil
}
