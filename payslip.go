package kabinet

import "time"

// Payslip sections (docs/contract.md §Enums).
const (
	SectionAccrual   = "ACCRUAL"
	SectionDeduction = "DEDUCTION"
	SectionTax       = "TAX"
	SectionPayment   = "PAYMENT"
)

// Payslip is a расчётный листок. Money is exact (Decimal, kopecks).
type Payslip struct {
	ID                 string
	ExternalID         string
	EmployeeID         string
	EmployeeExternalID string
	Period             string // "2026-10"
	PublishedAt        time.Time
	Currency           string
	Accrued            Decimal
	Deducted           Decimal
	Paid               Decimal
	DebtAtStart        Decimal
	DebtAtEnd          Decimal
	Lines              []PayslipLine
	ViewedAt           *time.Time
	RetractedAt        *time.Time
	UpdatedAt          time.Time
}

// NetPay is what the employee is owed for the period: accrued less deducted.
func (p *Payslip) NetPay() Decimal { return p.Accrued - p.Deducted }

// PayslipLine is one line of a payslip.
type PayslipLine struct {
	Section string   `json:"s"`
	Code    string   `json:"c,omitempty"`
	Title   string   `json:"t"`
	Amount  Decimal  `json:"a"`
	Days    *Decimal `json:"d,omitempty"`
	Hours   *Decimal `json:"h,omitempty"`
	Period  string   `json:"p,omitempty"` // the month the line belongs to, if not the payslip's
}

// LeaveBalance is an employee's остаток отпуска for one leave type.
type LeaveBalance struct {
	ID                 string
	EmployeeID         string
	EmployeeExternalID string
	LeaveTypeCode      string
	LeaveTypeTitle     string
	AsOf               string // date
	EntitledDays       Decimal
	UsedDays           Decimal
	RemainingDays      Decimal
	UpdatedAt          time.Time
}

// Vacation is a planned vacation of the schedule (график отпусков).
type Vacation struct {
	ID                 string
	ExternalID         string
	EmployeeID         string
	EmployeeExternalID string
	StartsOn           string // date
	EndsOn             string // date
	Days               int
	CancelledAt        *time.Time
	UpdatedAt          time.Time
}

// PayslipFilter narrows a listing of payslips. Zero values match everything.
type PayslipFilter struct {
	EmployeeID       string
	Period           string
	IncludeRetracted bool
	Limit            int
}
