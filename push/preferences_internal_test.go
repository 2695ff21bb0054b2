package push

import (
	"testing"

	"github.com/kabinet/kabinet"
)

func TestMutedGone(t *testing.T) {
	for _, tt := range []struct {
		name, kind string
		muted      []string
		want       string
	}{
		{"OK", kabinet.NotifyPayslipReminder, nil, ""},
		{"OtherCategoryOff", kabinet.NotifyPayslipReminder, []string{kabinet.CategoryApprovals}, ""},
		{"Off", kabinet.NotifyPayslipReminder, []string{kabinet.CategoryPayslipReminders}, "the recipient turned off payslip reminders in the app"},
		{"ManagerReminderIsVacation", kabinet.NotifyManagerVacationReminder, []string{kabinet.CategoryVacationReminders}, "the recipient turned off vacation reminders in the app"},
		{"MandatoryStaysOn", kabinet.NotifyNewDevice, []string{kabinet.CategoryNewDevice}, ""},
		{"HRNoticeStaysOn", kabinet.NotifyPayslipBroadcast, []string{kabinet.CategoryHRNotices}, ""},
		{"UnknownKind", "SOMETHING_NEW", []string{kabinet.CategoryPayslipReminders}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := mutedGone(tt.kind, tt.muted); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
