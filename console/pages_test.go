package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/testkit"
)

// pagesWorld is a server with an organisation of three employees (E-1 and
// E-2 with contacts, E-3 without), October payslips for all, and an HR
// client of each role; and a second organisation with employee B-1.
type pagesWorld struct {
	env          *testkit.Env
	org, key     string
	other        string // the second organisation's id
	byRole       map[string]*testkit.HRClient
	otherHRInOrg *testkit.HRClient // HR user of the second organisation
}

func newPagesWorld(t *testing.T) *pagesWorld {
	t.Helper()
	env := testkit.Start(t)
	org, key := env.NewOrg(t, "ООО «Тест»")
	env.Do(t, key, `mutation { upsertDepartments(input: [{externalId: "D-1", name: "Бухгалтерия"}]) { created } }`, nil).Must(t, nil)
	env.Do(t, key, `mutation($in: [EmployeeInput!]!) { upsertEmployees(input: $in) { created } }`, map[string]any{"in": []map[string]any{
		{"externalId": "E-1", "lastName": "Смирнов", "firstName": "Александр", "email": "a@example.com", "departmentExternalId": "D-1"},
		{"externalId": "E-2", "lastName": "Иванова", "firstName": "Ольга", "phone": "+79161234567", "departmentExternalId": "D-1"},
		{"externalId": "E-3", "lastName": "Кузнецова", "firstName": "Марина"},
	}}).Must(t, nil)
	env.PublishPayslips(t, key, testkit.Payslip("PS-1", "E-1", "2026-10"), testkit.Payslip("PS-2", "E-2", "2026-10"),
		testkit.Payslip("PS-3", "E-3", "2026-10"))
	other, otherKey := env.NewOrg(t, "ООО «Другая»")
	env.Do(t, otherKey, `mutation { upsertEmployees(input: [{externalId: "B-1", lastName: "Чужой", firstName: "Борис", email: "b@example.com"}]) { created } }`, nil).Must(t, nil)
	w := &pagesWorld{env: env, org: org, key: key, other: other, byRole: map[string]*testkit.HRClient{}}
	for _, role := range []string{"VIEWER", "HR", "ADMIN"} {
		w.byRole[role] = env.HRClient(t, org, role)
	}
	w.otherHRInOrg = env.HRClient(t, other, "HR")
	return w
}

// cabinetStatus is the employee's cabinet status as the store has it.
func (w *pagesWorld) cabinetStatus(t *testing.T, orgID, ext string) string {
	t.Helper()
	e, err := w.env.App.DB.EmployeeByExternalID(context.Background(), orgID, ext)
	if err != nil {
		t.Fatal(err)
	}
	c, err := w.env.App.DB.Cabinet(context.Background(), orgID, e.ID)
	if kabinet.ErrorCode(err) == kabinet.ENOTFOUND {
		return kabinet.CabinetNotCreated
	}
	if err != nil {
		t.Fatal(err)
	}
	return c.Status
}

// TestPagesRenderForEveryRole: every page answers 200 to every role, with
// its content; only roles that may act see the action buttons.
func TestPagesRenderForEveryRole(t *testing.T) {
	w := newPagesWorld(t)
	pages := []struct{ path, want string }{
		{"/hr/", "Кабинеты по статусам"},
		{"/hr/employees", "Смирнов Александр"},
		{"/hr/employees?q=ольга", "Иванова Ольга"},
		{"/hr/employees/E-1", "История кабинета"},
		{"/hr/settings", "Когда придёт напоминание"},
		{"/hr/reminders?period=2026-10", "Не открыто листков: 3"},
		{"/hr/deliveries?kind=PAYSLIP_REMINDER", "Напоминание о расчётном листке"},
		{"/hr/employees?lang=en", "Employees and cabinets"},
	}
	for role, c := range w.byRole {
		for _, p := range pages {
			t.Run(role+p.path, func(t *testing.T) {
				got := c.Get(p.path).Want(t, http.StatusOK)
				if !strings.Contains(got.Body, p.want) {
					t.Fatalf("page %s lacks %q", p.path, p.want)
				}
				c.Get("/hr/?lang=ru")
			})
		}
		t.Run(role+"/buttons", func(t *testing.T) {
			body := c.Get("/hr/employees").Body
			if has, want := strings.Contains(body, `value="invite_email"`), role != "VIEWER"; has != want {
				t.Fatalf("invite button shown: got %v, want %v", has, want)
			}
		})
	}
}

// TestPagesRoleActions: every action of the pages, for every role: a
// VIEWER is refused (403) and nothing changes; HR and ADMIN may.
func TestPagesRoleActions(t *testing.T) {
	actions := []struct {
		name  string
		path  string
		form  url.Values
		check func(t *testing.T, w *pagesWorld, done bool)
	}{
		{"CreateCabinets", "/hr/employees/action", url.Values{"action": {"create"}, "ids": {"E-1"}},
			func(t *testing.T, w *pagesWorld, done bool) { wantStatus(t, w, "E-1", done, kabinet.CabinetCreated) }},
		{"InviteEmail", "/hr/employees/action", url.Values{"action": {"invite_email"}, "ids": {"E-1"}},
			func(t *testing.T, w *pagesWorld, done bool) { wantStatus(t, w, "E-1", done, kabinet.CabinetInvited) }},
		{"InviteSMS", "/hr/employees/action", url.Values{"action": {"invite_sms"}, "ids": {"E-2"}},
			func(t *testing.T, w *pagesWorld, done bool) { wantStatus(t, w, "E-2", done, kabinet.CabinetInvited) }},
		{"Reissue", "/hr/employees/action", url.Values{"action": {"reissue"}, "ids": {"E-1"}}, nil},
		{"Block", "/hr/employees/action", url.Values{"action": {"block"}, "ids": {"E-2"}},
			func(t *testing.T, w *pagesWorld, done bool) { wantStatus(t, w, "E-2", done, kabinet.CabinetBlocked) }},
		{"Unblock", "/hr/employees/action", url.Values{"action": {"unblock"}, "ids": {"E-2"}}, nil},
		{"SaveSettings", "/hr/settings", settingsForm("08:00", "20:00"), func(t *testing.T, w *pagesWorld, done bool) {
			st, err := w.env.App.Push.Settings(context.Background(), w.org)
			if err != nil {
				t.Fatal(err)
			}
			if got := st.WindowStart == "08:00"; got != done {
				t.Fatalf("window start %s after the post: saved %v, want %v", st.WindowStart, got, done)
			}
		}},
		{"OneOffReminder", "/hr/reminders", url.Values{"period": {"2026-10"}}, nil},
	}
	for _, role := range []string{"VIEWER", "HR", "ADMIN"} {
		t.Run(role, func(t *testing.T) {
			w := newPagesWorld(t)
			c := w.byRole[role]
			for _, a := range actions {
				t.Run(a.name, func(t *testing.T) {
					p := c.PostForm(a.path, a.form)
					allowed := role != "VIEWER"
					switch {
					case !allowed && p.Status != http.StatusForbidden:
						t.Fatalf("%s posting %s: got HTTP %d, want 403", role, a.path, p.Status)
					case allowed && p.Status != http.StatusOK && p.Status != http.StatusSeeOther:
						t.Fatalf("%s posting %s: got HTTP %d, want 200 or 303: %.800s", role, a.path, p.Status, p.Body)
					}
					if a.check != nil {
						a.check(t, w, allowed)
					}
				})
			}
		})
	}
}

func wantStatus(t *testing.T, w *pagesWorld, ext string, done bool, want string) {
	t.Helper()
	got := w.cabinetStatus(t, w.org, ext)
	if done && got != want {
		t.Fatalf("%s: got cabinet %s, want %s", ext, got, want)
	}
	if !done && got == want {
		t.Fatalf("%s: got cabinet %s after a refused post, want it unchanged", ext, got)
	}
}

func settingsForm(start, end string) url.Values {
	return url.Values{"window_start": {start}, "window_end": {end}, "send_delay": {"0"}, "payslip_days": {"5, 8, 10"},
		"vacation_days": {"0"}, "manager_days": {"0"}, "timezone": {"Europe/Moscow"}}
}

var codeRE = regexp.MustCompile(`<code class="code" data-code>([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})</code>`)

// TestPagesBulkResults: a bulk action reports per employee; a new code is
// shown with its copy button; an employee of another organisation, or one
// who cannot get a cabinet, has an error in their row and nothing changes
// for them.
func TestPagesBulkResults(t *testing.T) {
	w := newPagesWorld(t)
	c := w.byRole["HR"]
	p := c.PostForm("/hr/employees/action", url.Values{"action": {"create"}, "ids": {"E-1", "E-3", "B-1"}}).Want(t, http.StatusOK)
	codes := codeRE.FindAllStringSubmatch(p.Body, -1)
	if len(codes) != 1 || !strings.Contains(p.Body, `data-copy="`+codes[0][1]+`"`) {
		t.Fatalf("got codes %v, want one code (E-1's) with its copy button", codes)
	}
	if !strings.Contains(p.Body, "Успешно: 1 из 3") {
		t.Errorf("the summary does not say 1 of 3 succeeded")
	}
	if got := w.cabinetStatus(t, w.other, "B-1"); got != kabinet.CabinetNotCreated {
		t.Fatalf("another organisation's employee: got cabinet %s, want NOT_CREATED", got)
	}
	if got := w.cabinetStatus(t, w.org, "E-3"); got != kabinet.CabinetCreateFailed {
		t.Fatalf("E-3 without contacts: got %s, want CREATE_FAILED", got)
	}
	t.Run("CodeShownOnce", func(t *testing.T) {
		page := c.Get("/hr/employees/E-1").Want(t, http.StatusOK)
		if strings.Contains(page.Body, codes[0][1]) {
			t.Fatalf("the code is shown again on the employee page")
		}
	})
	t.Run("OtherOrganisationEmployeePage", func(t *testing.T) {
		c.Get("/hr/employees/B-1").Want(t, http.StatusNotFound)
		w.otherHRInOrg.Get("/hr/employees/E-1").Want(t, http.StatusNotFound)
	})
	t.Run("ReissueToOtherOrganisation", func(t *testing.T) {
		p := w.otherHRInOrg.PostForm("/hr/employees/action", url.Values{"action": {"block"}, "ids": {"E-1"}}).Want(t, http.StatusOK)
		if !strings.Contains(p.Body, "Не найдено") {
			t.Fatalf("blocking another organisation's employee: the row does not say not found")
		}
		if got := w.cabinetStatus(t, w.org, "E-1"); got != kabinet.CabinetCreated {
			t.Fatalf("E-1 after another organisation's block: got %s, want CREATED", got)
		}
	})
	t.Run("ErrNoSelection", func(t *testing.T) {
		p := c.PostForm("/hr/employees/action", url.Values{"action": {"invite_email"}}).Want(t, http.StatusUnprocessableEntity)
		if !strings.Contains(p.Body, "Отметьте хотя бы одного сотрудника") {
			t.Fatalf("no message next to the selection")
		}
	})
	t.Run("ErrNoCSRF", func(t *testing.T) {
		c.PostRaw("/hr/employees/action", url.Values{"action": {"block"}, "ids": {"E-1"}}).Want(t, http.StatusForbidden)
		if got := w.cabinetStatus(t, w.org, "E-1"); got != kabinet.CabinetCreated {
			t.Fatalf("E-1 after a post without CSRF token: got %s, want CREATED", got)
		}
	})
}

// TestPagesSettingsForm: the settings form refuses bad values next to
// their fields (nothing saved), and the arrival preview moves with the
// unsaved window.
func TestPagesSettingsForm(t *testing.T) {
	w := newPagesWorld(t)
	c := w.byRole["HR"]
	f := settingsForm("25:00", "20:00")
	f.Set("payslip_days", "5, восемь")
	p := c.PostForm("/hr/settings", f).Want(t, http.StatusUnprocessableEntity)
	for _, want := range []string{`id="payslip_days-err"`, "Числа через запятую"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the refused form lacks %q", want)
		}
	}
	f.Set("payslip_days", "5")
	p = c.PostForm("/hr/settings", f).Want(t, http.StatusUnprocessableEntity)
	if !strings.Contains(p.Body, `id="window_start-err"`) {
		t.Errorf("no error next to the window start")
	}
	st, _ := w.env.App.Push.Settings(context.Background(), w.org)
	if st.WindowEnd != "21:00" {
		t.Fatalf("got saved window end %s after refusals, want 21:00", st.WindowEnd)
	}
	t.Run("PreviewMoves", func(t *testing.T) {
		// 09:00 UTC is 19:00 in Vladivostok: inside 09–21, outside 09–18.
		q := url.Values{"window_start": {"09:00"}, "window_end": {"21:00"}, "send_delay": {"0"}, "payslip_days": {"5"},
			"timezone": {"Europe/Moscow"}, "preview_zone": {"Asia/Vladivostok"}}
		open := c.Get("/hr/settings/preview?"+q.Encode()).Want(t, http.StatusOK)
		q.Set("window_end", "18:00")
		closed := c.Get("/hr/settings/preview?"+q.Encode()).Want(t, http.StatusOK)
		for _, tc := range []struct {
			body, want string
		}{{open.Body, "02.11.2026 19:00"}, {closed.Body, "03.11.2026 09:00"}} {
			m := regexp.MustCompile(`id="oneoff-at">([^<]+)<`).FindStringSubmatch(tc.body)
			if m == nil || m[1] != tc.want {
				t.Fatalf("got arrival %v, want %s", m, tc.want)
			}
		}
	})
	t.Run("TextPreview", func(t *testing.T) {
		q := url.Values{"window_start": {"09:00"}, "window_end": {"21:00"}, "preview_zone": {"Europe/Moscow"},
			"title_PAYSLIP_REMINDER": {"Листок за {period}"}, "body_PAYSLIP_REMINDER": {"Откройте, {name}"}}
		p := c.Get("/hr/settings/preview?"+q.Encode()).Want(t, http.StatusOK)
		if !strings.Contains(p.Body, "Листок за 2026-10") || !strings.Contains(p.Body, "Откройте, Иванова Ольга") {
			t.Fatalf("the text preview does not fill the placeholders: %.600s", p.Body)
		}
	})
}

// TestPagesReminderAndLog: the count before confirming, the send, and the
// delivery log's filters (a bad date refused next to its field).
func TestPagesReminderAndLog(t *testing.T) {
	w := newPagesWorld(t)
	c := w.byRole["HR"]
	w.env.EmployeeToken(t, w.org, "E-1") // an active cabinet, but no push token: not reachable
	p := c.Get("/hr/reminders?period=2026-10").Want(t, http.StatusOK)
	if !strings.Contains(p.Body, "Получат напоминание: 0") {
		t.Fatalf("the preview does not count 0 reachable")
	}
	p = c.PostForm("/hr/reminders", url.Values{"period": {"2026-10"}}).Want(t, http.StatusOK)
	if !strings.Contains(p.Body, "Запланировано напоминаний: 0") {
		t.Fatalf("the send does not report what was planned")
	}
	c.PostForm("/hr/reminders", url.Values{"period": {"октябрь"}}).Want(t, http.StatusUnprocessableEntity)
	log := c.Get("/hr/deliveries?employee=E-2&kind=PAYSLIP_REMINDER").Want(t, http.StatusOK)
	if n := strings.Count(log.Body, "d-PLANNED"); n != 3 {
		t.Fatalf("got %d planned payslip reminders of E-2 in the log, want 3", n)
	}
	bad := c.Get("/hr/deliveries?from=02.11.2026").Want(t, http.StatusBadRequest)
	if !strings.Contains(bad.Body, `id="from-err"`) {
		t.Fatalf("no error next to the bad date")
	}
	c.Get("/hr/deliveries?employee=NOPE").Want(t, http.StatusBadRequest)
}
