package activation_test

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/app"
	"github.com/kabinet/kabinet/internal/testkit"
)

// TestLogSender: without SMTP and SMS configuration, invitations go to the
// log with their code, so a demo works on a laptop.
func TestLogSender(t *testing.T) {
	var buf testkit.Buffer
	env := testkit.Start(t, func(_ *app.Config, o *app.Options) {
		o.Logger = slog.New(slog.NewTextHandler(&buf, nil))
	})
	_, key := env.NewOrg(t, "ООО «Лог»")
	env.Do(t, key, `mutation { upsertEmployees(input: [{externalId: "E-1", lastName: "Иванов", firstName: "Иван", phone: "+79160000001"}]) { created } }`, nil).Must(t, nil)
	var out struct{ SendInvitations []result }
	env.Do(t, key, `mutation { sendInvitations(employeeExternalIds: ["E-1"], channel: SMS) { `+resultFields+` } }`, nil).Must(t, &out)
	if r := out.SendInvitations[0]; r.Status != "INVITED" || r.ActivationCode == nil {
		t.Fatalf("got %+v, want INVITED with a code", r)
	}
	logged := buf.String()
	if !strings.Contains(logged, *out.SendInvitations[0].ActivationCode) || !strings.Contains(logged, "written to the log") {
		t.Errorf("got log %q, want the warning and the invitation with its code", logged)
	}
}
