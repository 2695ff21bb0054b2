package console

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/activation"
)

// pageSize is the employees list's page.
const pageSize = 50

// employeesView is the employees and cabinets list.
type employeesView struct {
	Query       employeesQuery
	Statuses    []string
	Departments []*kabinet.Department
	Rows        []employeeRow
	Total       int
	From, To    int    // 1-based positions shown
	Prev, Next  string // links to the neighbouring pages ("" for none)
}

// employeesQuery is the list's filters, as in the URL.
type employeesQuery struct {
	Text, Status, Department string
	NoContact                bool
	Page                     int
}

func (q employeesQuery) link(page int) string {
	v := url.Values{}
	for k, s := range map[string]string{"q": q.Text, "status": q.Status, "dept": q.Department} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if q.NoContact {
		v.Set("nc", "1")
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	return Prefix + "/employees?" + v.Encode()
}

// Link is the list's own URL (the bulk form comes back to it).
func (q employeesQuery) Link() string { return q.link(q.Page) }

// employeeRow is one employee of the list.
type employeeRow struct {
	ExternalID, Name, Department, Position, Contacts string
	Status, LastError, InvitedAt, ActivatedAt        string
	Link                                             string
}

func (c *Console) employees(r *Request) error {
	q := employeesQuery{Text: strings.TrimSpace(r.C.Query("q")), Status: r.C.Query("status"), Department: r.C.Query("dept"),
		NoContact: r.C.Query("nc") == "1", Page: max(1, r.C.QueryInt("page", 1))}
	v, err := c.employeesList(r, q)
	if err != nil {
		return err
	}
	return r.RenderStatus(statusOf(r), "pages_employees", v)
}

// statusOf is 400 when the form has errors, else 200.
func statusOf(r *Request) int {
	if r.Form != nil && !r.Form.OK() {
		return fiber.StatusBadRequest
	}
	return fiber.StatusOK
}

// employeesList reads one page of the list; a refused filter is shown next
// to its field, with an empty list.
func (c *Console) employeesList(r *Request, q employeesQuery) (*employeesView, error) {
	ctx, org := r.Context(), r.orgID()
	v := &employeesView{Query: q, Statuses: activation.Statuses}
	deps, err := c.cfg.Payroll.Departments(ctx, org)
	if err != nil {
		return nil, err
	}
	v.Departments = deps
	page, err := c.cfg.Activation.SearchCabinets(ctx, org, activation.SearchInput{Text: q.Text, Status: q.Status,
		DepartmentExternalID: q.Department, NoContact: q.NoContact, Offset: (q.Page - 1) * pageSize, Limit: pageSize})
	if err != nil {
		if r.Form == nil {
			r.Form = &Form{Values: url.Values{}, Errors: map[string]string{}}
		}
		if r.fieldErrors(r.Form, err, map[string]string{"query": "q", "status": "status", "offset": "page"}) {
			return v, nil
		}
		return nil, err
	}
	names := map[string]string{}
	for _, d := range deps {
		names[d.ExternalID] = d.Name
	}
	loc := c.zone(r)
	for _, cab := range page.Items {
		v.Rows = append(v.Rows, c.employeeRow(r, cab, names, loc))
	}
	v.Total = page.Total
	if len(page.Items) > 0 {
		v.From, v.To = page.Offset+1, page.Offset+len(page.Items)
	}
	if q.Page > 1 {
		v.Prev = q.link(q.Page - 1)
	}
	if page.Offset+len(page.Items) < page.Total {
		v.Next = q.link(q.Page + 1)
	}
	return v, nil
}

func (c *Console) employeeRow(r *Request, cab *kabinet.Cabinet, departments map[string]string, loc *time.Location) employeeRow {
	e := cab.Employee
	row := employeeRow{ExternalID: e.ExternalID, Name: fullName(e), Department: departments[e.DepartmentExternalID], Position: e.Position,
		Status: cab.Status, LastError: cab.LastError, Link: Prefix + "/employees/" + url.PathEscape(e.ExternalID)}
	var contacts []string
	for _, s := range []string{e.Email, e.Phone} {
		if s != "" {
			contacts = append(contacts, s)
		}
	}
	row.Contacts = strings.Join(contacts, ", ")
	row.InvitedAt, row.ActivatedAt = r.when(cab.InvitedAt, loc), r.when(cab.ActivatedAt, loc)
	return row
}

func fullName(e *kabinet.Employee) string {
	return strings.TrimSpace(e.LastName + " " + e.FirstName + " " + e.MiddleName)
}

// Bulk actions of the employees list.
const (
	actCreate      = "create"
	actInviteEmail = "invite_email"
	actInviteSMS   = "invite_sms"
	actReissue     = "reissue"
	actBlock       = "block"
	actUnblock     = "unblock"
)

var bulkActions = []string{actCreate, actInviteEmail, actInviteSMS, actReissue, actBlock, actUnblock}

// actionView is the per-employee outcome of a bulk action.
type actionView struct {
	Action  string
	Results []actionResult
	OK      int
	Back    string
}

// actionResult is one employee's outcome; Code is a freshly issued
// activation code, shown this once.
type actionResult struct {
	ExternalID, Status, Code, Error string
	Link                            string
}

// employeesAction runs a bulk action on the selected employees through the
// activation service, one result per employee. The selection is at most a
// page (activation.MaxPageSize); unknown or another organisation's
// employees get NOT_FOUND in their row.
func (c *Console) employeesAction(r *Request) error {
	f := r.NewForm()
	action := f.Get("action")
	ids := uniqueIDs(f.Values["ids"])
	back := f.Get("back")
	if !strings.HasPrefix(back, Prefix+"/employees") {
		back = Prefix + "/employees"
	}
	if !slices.Contains(bulkActions, action) {
		f.Fail("action", r.T("pages.employees.err.action"))
	}
	switch {
	case len(ids) == 0:
		f.Fail("ids", r.T("pages.employees.err.none"))
	case len(ids) > activation.MaxPageSize:
		f.Fail("ids", r.Tf("pages.employees.err.many", activation.MaxPageSize))
	}
	if !f.OK() {
		v, err := c.employeesList(r, employeesQuery{Page: 1})
		if err != nil {
			return err
		}
		return r.RenderStatus(fiber.StatusUnprocessableEntity, "pages_employees", v)
	}
	results, err := c.runAction(r, action, ids, f.Get("reason"))
	if err != nil {
		return err
	}
	v := actionView{Action: action, Results: results, Back: back}
	for _, res := range results {
		if res.Error == "" {
			v.OK++
		}
	}
	r.Log().Info("console bulk action", "action", action, "employees", len(ids), "ok", v.OK)
	return r.Render("pages_employees_result", v)
}

// runAction calls the activation service for the action. A refusal for one
// employee is that employee's result; only an internal error stops it.
func (c *Console) runAction(r *Request, action string, ids []string, reason string) ([]actionResult, error) {
	ctx, org := r.Context(), r.orgID()
	var batch []activation.Result
	var err error
	switch action {
	case actCreate:
		batch, err = c.cfg.Activation.CreateCabinets(ctx, org, ids)
	case actInviteEmail:
		batch, err = c.cfg.Activation.SendInvitations(ctx, org, ids, kabinet.ChannelEmail)
	case actInviteSMS:
		batch, err = c.cfg.Activation.SendInvitations(ctx, org, ids, kabinet.ChannelSMS)
	default:
		return c.runEach(r, action, ids, reason)
	}
	if err != nil {
		return nil, err
	}
	out := make([]actionResult, 0, len(batch))
	for _, b := range batch {
		out = append(out, resultRow(b, nil))
	}
	return out, nil
}

// runEach runs a single-employee action for every selected employee.
func (c *Console) runEach(r *Request, action string, ids []string, reason string) ([]actionResult, error) {
	ctx, org := r.Context(), r.orgID()
	if reason == "" {
		reason = r.Tf("pages.employees.block_reason", r.User.FullName)
	}
	out := make([]actionResult, 0, len(ids))
	for _, id := range ids {
		var res activation.Result
		var err error
		switch action {
		case actReissue:
			res, err = c.cfg.Activation.ReissueCode(ctx, org, id, "")
		case actBlock:
			var cab *kabinet.Cabinet
			if cab, err = c.cfg.Activation.Block(ctx, org, id, reason); err == nil {
				res = activation.Result{EmployeeExternalID: id, Status: cab.Status}
			}
		case actUnblock:
			var cab *kabinet.Cabinet
			if cab, err = c.cfg.Activation.Unblock(ctx, org, id); err == nil {
				res = activation.Result{EmployeeExternalID: id, Status: cab.Status}
			}
		}
		if kabinet.ErrorCode(err) == kabinet.EINTERNAL {
			return nil, err
		}
		res.EmployeeExternalID = id
		out = append(out, resultRow(res, r.errorTextOrNil(err)))
	}
	return out, nil
}

// errorTextOrNil is errorText for a refusal, nil for none.
func (r *Request) errorTextOrNil(err error) *string {
	if err == nil {
		return nil
	}
	s := r.errorText(err)
	return &s
}

func resultRow(res activation.Result, refusal *string) actionResult {
	a := actionResult{ExternalID: res.EmployeeExternalID, Status: res.Status, Code: res.ActivationCode, Error: res.LastError,
		Link: Prefix + "/employees/" + url.PathEscape(res.EmployeeExternalID)}
	if refusal != nil {
		a.Error, a.Status = *refusal, ""
	}
	switch a.Status {
	case kabinet.CabinetCreateFailed, kabinet.CabinetInviteFailed, kabinet.CabinetNotCreated:
		if a.Error == "" {
			a.Error = a.Status
		}
	}
	return a
}

// uniqueIDs trims and de-duplicates the selected external IDs.
func uniqueIDs(ids []string) []string {
	var out []string
	for _, id := range ids {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}
