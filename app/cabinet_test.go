package app_test

import (
	"testing"

	"github.com/kabinet/kabinet/internal/testkit"
)

// TestFailedSecondChannelKeepsInvited: an email invitation went out; an SMS
// to the same employee cannot (no phone). The emailed code still works, so
// the cabinet stays INVITED, with the SMS error shown.
func TestFailedSecondChannelKeepsInvited(t *testing.T) {
	env := testkit.Start(t)
	_, key := env.NewOrg(t, "Org")
	env.Do(t, key, `mutation { upsertEmployees(input: [{externalId: "E-1", lastName: "Орлова", firstName: "Вера", email: "vera@example.com"}]) { created } }`, nil).Must(t, nil)
	env.Do(t, key, `mutation { createCabinets(employeeExternalIds: ["E-1"]) { status } }`, nil).Must(t, nil)
	type result struct {
		Status    string
		LastError *string
	}
	var email struct{ SendInvitations []result }
	env.Do(t, key, `mutation { sendInvitations(employeeExternalIds: ["E-1"], channel: EMAIL) { status lastError } }`, nil).Must(t, &email)
	if email.SendInvitations[0].Status != "INVITED" {
		t.Fatalf("got %+v after the email, want INVITED", email.SendInvitations[0])
	}
	var sms struct{ SendInvitations []result }
	env.Do(t, key, `mutation { sendInvitations(employeeExternalIds: ["E-1"], channel: SMS) { status lastError } }`, nil).Must(t, &sms)
	if r := sms.SendInvitations[0]; r.Status != "INVITED" || r.LastError == nil {
		t.Fatalf("got %+v after an SMS to nobody, want INVITED with the error shown", r)
	}
}
