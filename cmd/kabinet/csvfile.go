package main

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// kind is how a CSV cell becomes a GraphQL value. Only the cell's form is
// checked here (a number, a date); what the values mean is checked by the
// server, by the same rules as every other publication.
type kind int

const (
	text kind = iota
	decimal
	integer
	boolean
	date
)

type column struct {
	name     string
	kind     kind
	required bool
}

// importFile is the layout of one CSV file (docs/import.md).
type importFile struct {
	flag     string // the import flag naming the file
	mutation string
	field    string // the mutation's field in the answer
	columns  []column
	// lines, for payslips: each row is one line of the payslip named by its
	// externalId; the payslip's own columns repeat on each of its rows.
	lines []column
}

var importFiles = []importFile{
	{flag: "departments", field: "upsertDepartments",
		mutation: `mutation($in: [DepartmentInput!]!) { upsertDepartments(input: $in) { created updated unchanged warnings { index externalId field reason } } }`,
		columns:  []column{{"externalId", text, true}, {"name", text, true}, {"parentExternalId", text, false}, {"headExternalId", text, false}}},
	{flag: "employees", field: "upsertEmployees",
		mutation: `mutation($in: [EmployeeInput!]!) { upsertEmployees(input: $in) { created updated unchanged warnings { index externalId field reason } } }`,
		columns: []column{{"externalId", text, true}, {"lastName", text, true}, {"firstName", text, true}, {"middleName", text, false},
			{"email", text, false}, {"phone", text, false}, {"departmentExternalId", text, false}, {"position", text, false},
			{"timezone", text, false}, {"isOrganizationHead", boolean, false}, {"dismissedOn", date, false}}},
	{flag: "payslips", field: "publishPayslips",
		mutation: `mutation($in: [PayslipInput!]!) { publishPayslips(input: $in) { created updated unchanged warnings { index externalId field reason } } }`,
		columns: []column{{"externalId", text, true}, {"employeeExternalId", text, true}, {"period", text, true}, {"currency", text, false},
			{"accrued", decimal, true}, {"deducted", decimal, true}, {"paid", decimal, true}, {"debtAtStart", decimal, false}, {"debtAtEnd", decimal, false}},
		lines: []column{{"section", text, true}, {"code", text, false}, {"title", text, true}, {"amount", decimal, true},
			{"days", decimal, false}, {"hours", decimal, false}, {"linePeriod", text, false}}},
	{flag: "leave-balances", field: "publishLeaveBalances",
		mutation: `mutation($in: [LeaveBalanceInput!]!) { publishLeaveBalances(input: $in) { created updated unchanged warnings { index externalId field reason } } }`,
		columns: []column{{"employeeExternalId", text, true}, {"leaveTypeCode", text, true}, {"leaveTypeTitle", text, true}, {"asOf", date, true},
			{"entitledDays", decimal, true}, {"usedDays", decimal, true}, {"remainingDays", decimal, true}}},
	{flag: "vacations", field: "publishVacations",
		mutation: `mutation($in: [VacationInput!]!) { publishVacations(input: $in) { created updated unchanged warnings { index externalId field reason } } }`,
		columns:  []column{{"externalId", text, true}, {"employeeExternalId", text, true}, {"startsOn", date, true}, {"endsOn", date, true}, {"days", integer, true}}},
}

// lineError is one problem of a file, at a line (1 is the header).
type lineError struct {
	Line   int
	Field  string
	Reason string
}

// record is one input of a batch and the file line it came from (a
// payslip's first line).
type record struct {
	Line  int
	Input map[string]any
}

// maxErrors bounds the report of one file: past it the file is clearly not
// in the expected layout.
const maxErrors = 100

// decodeText returns the file as UTF-8: UTF-8 (a BOM is dropped) when it is
// valid UTF-8, else Windows-1251, unless encoding names one.
func decodeText(b []byte, encoding string) (string, string, error) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	switch {
	case encoding == "utf-8" || (encoding == "auto" && utf8.Valid(b)):
		if !utf8.Valid(b) {
			return "", "", errors.New("not valid UTF-8: try --encoding windows-1251")
		}
		return string(b), "UTF-8", nil
	default:
		s, err := charmap.Windows1251.NewDecoder().Bytes(b)
		return string(s), "Windows-1251", err
	}
}

// delimiter is ';' or ',' (or a tab), whichever the header line has most of.
func delimiter(s string) rune {
	header, _, _ := strings.Cut(s, "\n")
	best, n := ',', strings.Count(header, ",")
	for _, d := range []rune{';', '\t'} {
		if c := strings.Count(header, string(d)); c > n {
			best, n = d, c
		}
	}
	return best
}

// parseFile turns a CSV file into the inputs of one batch, or the list of
// every problem found, by line.
func (f importFile) parse(s string) ([]record, []lineError) {
	r := csv.NewReader(strings.NewReader(s))
	r.Comma = delimiter(s)
	r.TrimLeadingSpace = true
	header, err := r.Read()
	if err != nil {
		return nil, []lineError{{1, "", "no header line: " + err.Error()}}
	}
	cols, errs := f.header(header)
	if len(errs) > 0 {
		return nil, errs
	}
	var recs []record
	byID := map[string]int{} // payslip externalId → index in recs
	for len(errs) < maxErrors {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
				err = pe.Err
			}
			errs = append(errs, lineError{line, "", err.Error()})
			if row == nil {
				break // the reader cannot go on past a broken quote
			}
			continue
		}
		if strings.TrimSpace(strings.Join(row, "")) == "" {
			continue // a blank line
		}
		in, lineIn, rowErrs := f.row(cols, row, line)
		errs = append(errs, rowErrs...)
		if len(rowErrs) > 0 {
			continue
		}
		if f.lines == nil {
			recs = append(recs, record{line, in})
			continue
		}
		id := in["externalId"].(string)
		i, seen := byID[id]
		if !seen {
			byID[id], i = len(recs), len(recs)
			in["lines"] = []map[string]any{}
			recs = append(recs, record{line, in})
		} else if diff := f.differs(recs[i].Input, in); diff != "" {
			errs = append(errs, lineError{line, diff, fmt.Sprintf("differs from line %d of the same payslip %s", recs[i].Line, id)})
			continue
		}
		if lineIn != nil {
			recs[i].Input["lines"] = append(recs[i].Input["lines"].([]map[string]any), lineIn)
		}
	}
	return recs, errs
}

// header maps the header's names (any case) to columns; unknown and
// missing required columns are errors.
func (f importFile) header(names []string) (map[int]column, []lineError) {
	known := map[string]column{}
	var all []string
	for _, c := range append(append([]column(nil), f.columns...), f.lines...) {
		known[strings.ToLower(c.name)] = c
		all = append(all, c.name)
	}
	cols := map[int]column{}
	have := map[string]bool{}
	var errs []lineError
	for i, n := range names {
		c, ok := known[strings.ToLower(strings.TrimSpace(n))]
		if !ok {
			errs = append(errs, lineError{1, n, "unknown column; the columns are " + strings.Join(all, ", ")})
			continue
		}
		cols[i], have[c.name] = c, true
	}
	for _, c := range f.columns {
		if c.required && !have[c.name] {
			errs = append(errs, lineError{1, c.name, "required column missing"})
		}
	}
	return cols, errs
}

// row converts one row: the record's own fields, and for payslips the line
// (nil when the row's line columns are all empty).
func (f importFile) row(cols map[int]column, row []string, line int) (in, lineIn map[string]any, errs []lineError) {
	in = map[string]any{}
	bad := map[string]bool{} // cells already reported
	isLine := map[string]bool{}
	for _, c := range f.lines {
		isLine[c.name] = true
	}
	for i, v := range row {
		c, ok := cols[i]
		v = strings.TrimSpace(v)
		if !ok || v == "" {
			continue
		}
		val, err := convert(c.kind, v)
		if err != nil {
			errs = append(errs, lineError{line, c.name, err.Error()})
			bad[c.name] = true
			continue
		}
		if isLine[c.name] {
			if lineIn == nil {
				lineIn = map[string]any{}
			}
			name := c.name
			if name == "linePeriod" {
				name = "period"
			}
			lineIn[name] = val
			continue
		}
		in[c.name] = val
	}
	for _, c := range f.columns {
		if _, ok := in[c.name]; c.required && !ok && !bad[c.name] {
			errs = append(errs, lineError{line, c.name, "required, and empty"})
		}
	}
	for _, c := range f.lines {
		if _, ok := lineIn[c.name]; lineIn != nil && c.required && !ok && !bad[c.name] {
			errs = append(errs, lineError{line, c.name, "required for a payslip line, and empty"})
		}
	}
	return in, lineIn, errs
}

var decimalForm = regexp.MustCompile(`^-?\d+(\.\d+)?$`)

// convert reads a cell of the kind: decimals with a comma or a point and
// spaces between thousands, dates as 2026-11-30 or 30.11.2026.
func convert(k kind, v string) (any, error) {
	switch k {
	case decimal:
		d := strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "", ",", ".").Replace(v)
		if !decimalForm.MatchString(d) {
			return nil, fmt.Errorf("%q is not a number (write 1234.56 or 1 234,56)", v)
		}
		return d, nil
	case integer:
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, fmt.Errorf("%q is not a whole number", v)
		}
		return n, nil
	case boolean:
		switch strings.ToLower(v) {
		case "true", "1", "yes", "да":
			return true, nil
		case "false", "0", "no", "нет":
			return false, nil
		}
		return nil, fmt.Errorf("%q is not true or false (1/0, да/нет)", v)
	case date:
		for _, layout := range []string{"2006-01-02", "02.01.2006"} {
			if t, err := time.Parse(layout, v); err == nil {
				return t.Format("2006-01-02"), nil
			}
		}
		return nil, fmt.Errorf("%q is not a date (2026-11-30 or 30.11.2026)", v)
	}
	return v, nil
}

// differs names the first payslip column whose value differs between two
// rows of the same payslip ("" when none does).
func (f importFile) differs(a, b map[string]any) string {
	for _, c := range f.columns {
		if a[c.name] != b[c.name] {
			return c.name
		}
	}
	return ""
}
