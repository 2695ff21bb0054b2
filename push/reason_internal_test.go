package push

import (
	"testing"
	"time"

	"github.com/kabinet/kabinet"
)

func TestReasonGone(t *testing.T) {
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	payslip := kabinet.ReasonFacts{EmployeeID: "e1", PayslipFound: true, PayslipEmployeeID: "e1"}
	vacation := kabinet.ReasonFacts{EmployeeID: "e1", SubjectKey: "2026-12-01", VacationFound: true, VacationStartsOn: "2026-12-01", VacationEmployeeID: "e1"}
	leave := func(status, key string) kabinet.ReasonFacts {
		return kabinet.ReasonFacts{LeaveFound: true, LeaveStatus: status, SubjectKey: key}
	}
	with := func(f kabinet.ReasonFacts, change func(*kabinet.ReasonFacts)) kabinet.ReasonFacts {
		change(&f)
		return f
	}
	for _, tt := range []struct {
		name, kind string
		facts      kabinet.ReasonFacts
		want       string
	}{
		{"PayslipHolds", kabinet.NotifyPayslipReminder, payslip, ""},
		{"PayslipGone", kabinet.NotifyPayslipReminder, with(payslip, func(f *kabinet.ReasonFacts) { f.PayslipFound = false }), "payslip gone"},
		{"Withdrawn", kabinet.NotifyPayslipBroadcast, with(payslip, func(f *kabinet.ReasonFacts) { f.PayslipRetracted = true }), "payslip withdrawn"},
		{"Viewed", kabinet.NotifyPayslipReminder, with(payslip, func(f *kabinet.ReasonFacts) { f.PayslipViewed = true }), "payslip viewed"},
		{"Moved", kabinet.NotifyPayslipReminder, with(payslip, func(f *kabinet.ReasonFacts) { f.PayslipEmployeeID = "e2" }), "payslip moved to another employee"},
		{"Superseded", kabinet.NotifyPayslipReminder, with(payslip, func(f *kabinet.ReasonFacts) { f.LaterStageDue = true }), "superseded by a later stage"},
		{"BroadcastNotSuperseded", kabinet.NotifyPayslipBroadcast, with(payslip, func(f *kabinet.ReasonFacts) { f.LaterStageDue = true }), ""},
		{"DismissedToday", kabinet.NotifyPayslipReminder, with(payslip, func(f *kabinet.ReasonFacts) { f.DismissedOn = "2026-11-20" }), ""},
		{"DismissedBefore", kabinet.NotifyPayslipReminder, with(payslip, func(f *kabinet.ReasonFacts) { f.DismissedOn = "2026-11-19" }), "recipient dismissed"},
		{"VacationHolds", kabinet.NotifyManagerVacationReminder, vacation, ""},
		{"VacationGone", kabinet.NotifyVacationReminder, with(vacation, func(f *kabinet.ReasonFacts) { f.VacationFound = false }), "vacation gone"},
		{"VacationCancelled", kabinet.NotifyVacationReminder, with(vacation, func(f *kabinet.ReasonFacts) { f.VacationCancelled = true }), "vacation cancelled"},
		{"VacationMovedDate", kabinet.NotifyVacationReminder, with(vacation, func(f *kabinet.ReasonFacts) { f.VacationStartsOn = "2026-12-08" }), "vacation moved"},
		{"VacationMovedEmployee", kabinet.NotifyManagerVacationReminder, with(vacation, func(f *kabinet.ReasonFacts) { f.VacationEmployeeID = "e2" }), "vacation moved"},
		{"NewDeviceHolds", kabinet.NotifyNewDevice, kabinet.ReasonFacts{}, ""},
		{"LeaveApprovalHolds", kabinet.NotifyLeaveApproval, leave(kabinet.LeavePending, ""), ""},
		{"LeaveApprovalDecided", kabinet.NotifyLeaveApprovalReminder, leave(kabinet.LeaveApproved, ""), "request approved"},
		{"LeaveApprovalWithdrawn", kabinet.NotifyLeaveApproval, leave(kabinet.LeaveWithdrawn, ""), "request withdrawn"},
		{"LeaveApprovalGone", kabinet.NotifyLeaveApproval, kabinet.ReasonFacts{}, "request gone"},
		{"LeaveApprovedHolds", kabinet.NotifyLeaveDecision, leave(kabinet.LeaveApproved, kabinet.LeaveApproved), ""},
		{"LeaveApprovedThenRegistered", kabinet.NotifyLeaveDecision, leave(kabinet.LeaveRegistered, kabinet.LeaveApproved), ""},
		{"LeaveApprovedThenCancelled", kabinet.NotifyLeaveDecision, leave(kabinet.LeaveCancelled, kabinet.LeaveApproved), "request cancelled"},
		{"LeaveCancelledHolds", kabinet.NotifyLeaveDecision, leave(kabinet.LeaveCancelled, kabinet.LeaveCancelled), ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := reasonGone(tt.kind, &tt.facts, now); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDeliveryZone(t *testing.T) {
	for _, tt := range []struct {
		f    kabinet.ReasonFacts
		want string
	}{
		{kabinet.ReasonFacts{EmployeeZone: "Asia/Vladivostok", DeviceZone: "Europe/Berlin", SettingsZone: "Asia/Omsk", OrgZone: "Europe/Moscow"}, "Asia/Vladivostok"},
		{kabinet.ReasonFacts{DeviceZone: "Europe/Berlin", SettingsZone: "Asia/Omsk", OrgZone: "Europe/Moscow"}, "Europe/Berlin"},
		{kabinet.ReasonFacts{SettingsZone: "Asia/Omsk", OrgZone: "Europe/Moscow"}, "Asia/Omsk"},
		{kabinet.ReasonFacts{OrgZone: "Europe/Moscow"}, "Europe/Moscow"},
	} {
		if got := deliveryZone(&tt.f); got != tt.want {
			t.Errorf("zone of %+v: got %q, want %q", tt.f, got, tt.want)
		}
	}
}
