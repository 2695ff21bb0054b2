package main

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kabinet/kabinet/examples/client"
)

type importCmd struct {
	URL           string `placeholder:"URL" help:"The server (KABINET_URL; default http://localhost:8080)."`
	Key           string `placeholder:"KEY" help:"The organisation's API key (KABINET_KEY)."`
	Departments   string `placeholder:"FILE" help:"departments.csv"`
	Employees     string `placeholder:"FILE" help:"employees.csv"`
	Payslips      string `placeholder:"FILE" help:"payslips.csv (one row per payslip line)"`
	LeaveBalances string `name:"leave-balances" placeholder:"FILE" help:"leave balances .csv"`
	Vacations     string `placeholder:"FILE" help:"vacations.csv"`
	Encoding      string `enum:"auto,utf-8,windows-1251" default:"auto" help:"The files' encoding (auto: UTF-8 when valid, else Windows-1251)."`
	Batch         int    `default:"1000" help:"Records per request (at most KABINET_MAX_BATCH on the server)."`
	Check         bool   `help:"Check the files and print the report; send nothing."`
}

// loaded is one parsed file, ready to send.
type loaded struct {
	importFile
	path string
	recs []record
}

// Run reads and checks every file whole, and the employees and departments
// they name (in the files or published), and sends nothing if any line is
// wrong. Then it publishes through the GraphQL API, as any integration
// does, in dependency order (departments, employees, payslips, balances,
// vacations), in batches; the server checks each batch by its rules and
// writes all of it or nothing. A refused batch stops the import, reported by
// file and line.
func (c *importCmd) Run(e *runEnv) error {
	paths := map[string]string{"departments": c.Departments, "employees": c.Employees, "payslips": c.Payslips,
		"leave-balances": c.LeaveBalances, "vacations": c.Vacations}
	var files []loaded
	bad := 0
	for _, f := range importFiles {
		path := paths[f.flag]
		if path == "" {
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		s, enc, err := decodeText(b, c.Encoding)
		if err != nil {
			return fmt.Errorf("%s: %v", path, err)
		}
		recs, errs := f.parse(s)
		for _, le := range errs {
			fmt.Fprintf(e.stdout, "%s:%d: %s\n", filepath.Base(path), le.Line, joinNonEmpty(le.Field, le.Reason))
		}
		bad += len(errs)
		fmt.Fprintf(e.stdout, "%s: %s, %q-separated, %d %s, %d problems\n", filepath.Base(path), enc, delimiter(s), len(recs), f.flag, len(errs))
		files = append(files, loaded{f, path, recs})
	}
	switch {
	case len(files) == 0:
		return errors.New("no file given: --departments, --employees, --payslips, --leave-balances or --vacations (docs/import.md)")
	case bad > 0:
		return fmt.Errorf("%d problems in the files: nothing was sent", bad)
	}
	url, key := c.URL, c.Key
	if url == "" {
		url = cmp.Or(e.getenv("KABINET_URL"), "http://localhost:8080")
	}
	if key == "" {
		key = e.getenv("KABINET_KEY")
	}
	if key == "" {
		if c.Check {
			fmt.Fprintln(e.stdout, "the files are well-formed; references not checked (no key); nothing sent (--check)")
			return nil
		}
		return errors.New("no API key: --key or KABINET_KEY (the organisation's key; a lost one: kabinet org key)")
	}
	cl := client.New(url, key)
	missing, err := checkReferences(e, cl, files)
	if err != nil {
		return err
	}
	switch {
	case missing > 0:
		return fmt.Errorf("%d references to employees or departments that are neither in the files nor published: nothing was sent", missing)
	case c.Check:
		fmt.Fprintln(e.stdout, "the files are well-formed and their references known; nothing sent (--check)")
		return nil
	}
	for _, f := range files {
		if err := c.send(e, cl, f); err != nil {
			return err
		}
	}
	return nil
}

// send publishes one file in batches and prints what became of it.
func (c *importCmd) send(e *runEnv, cl *client.Client, f loaded) error {
	name := filepath.Base(f.path)
	var sum struct{ Created, Updated, Unchanged int }
	for start := 0; start < len(f.recs); start += max(c.Batch, 1) {
		part := f.recs[start:min(start+max(c.Batch, 1), len(f.recs))]
		in := make([]map[string]any, len(part))
		for i, r := range part {
			in[i] = r.Input
		}
		var out map[string]struct {
			Created, Updated, Unchanged int
			Warnings                    []client.Item
		}
		err := cl.Do(e.ctx, f.mutation, map[string]any{"in": in}, &out)
		var ce *client.Error
		if errors.As(err, &ce) && len(ce.Items) > 0 {
			for _, it := range ce.Items {
				fmt.Fprintf(e.stdout, "%s:%d: %s\n", name, lineOf(part, it.Index), joinNonEmpty(it.ExternalID, it.Field, it.Reason))
			}
			return fmt.Errorf("%s: the server refused lines %d-%d (%s): nothing of them was written; earlier batches stay published. Fix and import again: what is published comes back unchanged",
				name, part[0].Line, part[len(part)-1].Line, ce.Message)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		res := out[f.field]
		for _, w := range res.Warnings {
			fmt.Fprintf(e.stdout, "%s:%d: warning: %s\n", name, lineOf(part, w.Index), joinNonEmpty(w.ExternalID, w.Field, w.Reason))
		}
		sum.Created += res.Created
		sum.Updated += res.Updated
		sum.Unchanged += res.Unchanged
	}
	_, err := fmt.Fprintf(e.stdout, "%s: published %d %s: %d created, %d updated, %d unchanged\n", name, len(f.recs), f.flag, sum.Created, sum.Updated, sum.Unchanged)
	return err
}

func lineOf(part []record, i int) int {
	if i < 0 || i >= len(part) {
		return 0
	}
	return part[i].Line
}

func joinNonEmpty(parts ...string) string {
	s := ""
	for _, p := range parts {
		if p == "" {
			continue
		}
		if s != "" {
			s += ": "
		}
		s += p
	}
	return s
}

// ref is a column that names an employee or a department.
var refs = []struct{ file, column, target string }{
	{"employees", "departmentExternalId", "departments"},
	{"payslips", "employeeExternalId", "employees"},
	{"leave-balances", "employeeExternalId", "employees"},
	{"vacations", "employeeExternalId", "employees"},
}

// checkReferences finds, before anything is written, the employees and
// departments the files name that are neither in the files nor published
// (read through the API), and reports each by file and line. It returns
// how many there are.
func checkReferences(e *runEnv, cl *client.Client, files []loaded) (int, error) {
	known := map[string]map[string]bool{"employees": {}, "departments": {}}
	for _, f := range files {
		if set, ok := known[f.flag]; ok {
			for _, r := range f.recs {
				set[r.Input["externalId"].(string)] = true
			}
		}
	}
	type use struct {
		file string
		line int
	}
	wanted := map[string]map[string][]use{"employees": {}, "departments": {}}
	for _, f := range files {
		for _, ref := range refs {
			if ref.file != f.flag {
				continue
			}
			for _, r := range f.recs {
				if id, _ := r.Input[ref.column].(string); id != "" && !known[ref.target][id] {
					wanted[ref.target][id] = append(wanted[ref.target][id], use{filepath.Base(f.path), r.Line})
				}
			}
		}
	}
	if err := publishedIDs(e, cl, wanted, known); err != nil {
		return 0, err
	}
	type miss struct {
		use
		id, target string
	}
	var report []miss
	for target, ids := range wanted {
		for id, uses := range ids {
			if known[target][id] {
				continue
			}
			for _, u := range uses {
				report = append(report, miss{u, id, target})
			}
		}
	}
	slices.SortFunc(report, func(a, b miss) int { return cmp.Or(strings.Compare(a.file, b.file), a.line-b.line) })
	for _, m := range report {
		fmt.Fprintf(e.stdout, "%s:%d: %s is neither in the %s file nor published\n", m.file, m.line, m.id, m.target)
	}
	return len(report), nil
}

// publishedIDs adds to known the wanted IDs that the server has: the
// departments in one query, the employees by external ID, 1000 at a time.
func publishedIDs[U any](e *runEnv, cl *client.Client, wanted map[string]map[string][]U, known map[string]map[string]bool) error {
	if len(wanted["departments"]) > 0 {
		var out struct{ Departments []struct{ ExternalID string } }
		if err := cl.Do(e.ctx, `{ departments { externalId } }`, nil, &out); err != nil {
			return fmt.Errorf("reading the published departments: %w", err)
		}
		for _, d := range out.Departments {
			known["departments"][d.ExternalID] = true
		}
	}
	ids := make([]string, 0, len(wanted["employees"]))
	for id := range wanted["employees"] {
		ids = append(ids, id)
	}
	for start := 0; start < len(ids); start += 1000 {
		var out struct{ Employees []struct{ ExternalID string } }
		err := cl.Do(e.ctx, `query($ids: [String!]) { employees(externalIds: $ids, limit: 1000) { externalId } }`,
			map[string]any{"ids": ids[start:min(start+1000, len(ids))]}, &out)
		if err != nil {
			return fmt.Errorf("reading the published employees: %w", err)
		}
		for _, emp := range out.Employees {
			known["employees"][emp.ExternalID] = true
		}
	}
	return nil
}
