package push

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/kabinet/kabinet"
)

func TestFanOut(t *testing.T) {
	phone := kabinet.FanOutDevice{ID: "phone", Platform: kabinet.PlatformAndroid, Provider: kabinet.ProviderFCM}
	tablet := kabinet.FanOutDevice{ID: "tablet", Platform: kabinet.PlatformIOS, Provider: kabinet.ProviderAPNs}
	noToken := kabinet.FanOutDevice{ID: "no-token", Platform: kabinet.PlatformAndroid}
	revoked := kabinet.FanOutDevice{ID: "old", Platform: kabinet.PlatformAndroid, Provider: kabinet.ProviderFCM, Revoked: true}
	reminder := func(id string, stage int) kabinet.FanOutNotification {
		return kabinet.FanOutNotification{ID: id, OrgID: "org", Kind: kabinet.NotifyPayslipReminder, SubjectID: "ps", Stage: stage, RecipientID: "e1"}
	}
	of := func(n kabinet.FanOutNotification, kind, subject string) kabinet.FanOutNotification {
		n.Kind, n.SubjectID = kind, subject
		return n
	}
	for _, tt := range []struct {
		name  string
		facts kabinet.FanOutFacts
		want  []string // "delivery n1 phone ANDROID FCM", "cancel dl1 why", "settle n1 STATUS note"
	}{
		{"EveryActiveDeviceWithToken", kabinet.FanOutFacts{
			Notifications: []kabinet.FanOutNotification{reminder("n1", 5)},
			Devices:       map[string][]kabinet.FanOutDevice{"e1": {phone, noToken, revoked, tablet}},
		}, []string{"delivery n1 phone ANDROID FCM", "delivery n1 tablet IOS APNS", "settle n1 DISPATCHED "}},
		{"NoDevice", kabinet.FanOutFacts{
			Notifications: []kabinet.FanOutNotification{reminder("n1", 5)},
		}, []string{"settle n1 NO_DEVICE no device with a push token"}},
		{"OnlyRevokedOrTokenless", kabinet.FanOutFacts{
			Notifications: []kabinet.FanOutNotification{reminder("n1", 5)},
			Devices:       map[string][]kabinet.FanOutDevice{"e1": {noToken, revoked}},
		}, []string{"settle n1 NO_DEVICE no device with a push token"}},
		{"OtherRecipientsDevices", kabinet.FanOutFacts{
			Notifications: []kabinet.FanOutNotification{reminder("n1", 5)},
			Devices:       map[string][]kabinet.FanOutDevice{"e2": {phone}},
		}, []string{"settle n1 NO_DEVICE no device with a push token"}},
		{"NewDeviceNotToItself", kabinet.FanOutFacts{
			Notifications: []kabinet.FanOutNotification{of(reminder("n1", 0), kabinet.NotifyNewDevice, "tablet")},
			Devices:       map[string][]kabinet.FanOutDevice{"e1": {phone, tablet}},
		}, []string{"delivery n1 phone ANDROID FCM", "settle n1 DISPATCHED "}},
		{"NewDeviceAlone", kabinet.FanOutFacts{
			Notifications: []kabinet.FanOutNotification{of(reminder("n1", 0), kabinet.NotifyNewDevice, "tablet")},
			Devices:       map[string][]kabinet.FanOutDevice{"e1": {tablet}},
		}, []string{"settle n1 NO_DEVICE no device with a push token"}},
		{"OtherKindsToTheSubjectDevice", kabinet.FanOutFacts{
			Notifications: []kabinet.FanOutNotification{of(reminder("n1", 5), kabinet.NotifyPayslipReminder, "tablet")},
			Devices:       map[string][]kabinet.FanOutDevice{"e1": {tablet}},
		}, []string{"delivery n1 tablet IOS APNS", "settle n1 DISPATCHED "}},
		{"PayslipStageSupersedes", kabinet.FanOutFacts{
			Notifications: []kabinet.FanOutNotification{reminder("n8", 8)},
			Devices:       map[string][]kabinet.FanOutDevice{"e1": {phone}},
			Waiting:       []kabinet.WaitingDelivery{{ID: "dl5", NotificationID: "n8"}, {ID: "dl3", NotificationID: "n8"}},
		}, []string{"cancel dl3 superseded by a later stage", "cancel dl5 superseded by a later stage", "delivery n8 phone ANDROID FCM", "settle n8 DISPATCHED "}},
		{"SupersedesEvenWithoutDevice", kabinet.FanOutFacts{
			Notifications: []kabinet.FanOutNotification{reminder("n8", 8)},
			Waiting:       []kabinet.WaitingDelivery{{ID: "dl5", NotificationID: "n8"}},
		}, []string{"cancel dl5 superseded by a later stage", "settle n8 NO_DEVICE no device with a push token"}},
		{"CancelledOnce", kabinet.FanOutFacts{
			Notifications: []kabinet.FanOutNotification{reminder("n8", 8), reminder("n10", 10)},
			Waiting:       []kabinet.WaitingDelivery{{ID: "dl5", NotificationID: "n8"}, {ID: "dl5", NotificationID: "n10"}},
		}, []string{"cancel dl5 superseded by a later stage", "settle n10 NO_DEVICE no device with a push token", "settle n8 NO_DEVICE no device with a push token"}},
		{"VacationStagesDoNotSupersede", kabinet.FanOutFacts{
			Notifications: []kabinet.FanOutNotification{of(reminder("n1", 1), kabinet.NotifyVacationReminder, "vac")},
			Devices:       map[string][]kabinet.FanOutDevice{"e1": {phone}},
			Waiting:       []kabinet.WaitingDelivery{{ID: "dl7", NotificationID: "n1"}},
		}, []string{"delivery n1 phone ANDROID FCM", "settle n1 DISPATCHED "}},
		{"BroadcastDoesNotSupersede", kabinet.FanOutFacts{
			Notifications: []kabinet.FanOutNotification{of(reminder("n2", 2), kabinet.NotifyPayslipBroadcast, "ps")},
			Waiting:       []kabinet.WaitingDelivery{{ID: "dl1", NotificationID: "n2"}},
		}, []string{"settle n2 NO_DEVICE no device with a push token"}},
		{"Nothing", kabinet.FanOutFacts{}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := fanOut(&tt.facts)
			var got []string
			for _, d := range out.Deliveries {
				got = append(got, fmt.Sprintf("delivery %s %s %s %s", d.NotificationID, d.DeviceID, d.Platform, d.Provider))
				for _, n := range tt.facts.Notifications {
					if n.ID == d.NotificationID && d.OrgID != n.OrgID {
						t.Errorf("got delivery of %s in org %q, want %q", n.ID, d.OrgID, n.OrgID)
					}
				}
			}
			for _, c := range out.Cancel {
				got = append(got, fmt.Sprintf("cancel %s %s", c.ID, c.Error))
			}
			for _, s := range out.Settled {
				got = append(got, fmt.Sprintf("settle %s %s %s", s.ID, s.Status, s.Note))
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestReachable(t *testing.T) {
	phone := kabinet.FanOutDevice{ID: "phone", Platform: kabinet.PlatformAndroid, Provider: kabinet.ProviderFCM}
	noToken := kabinet.FanOutDevice{ID: "no-token", Platform: kabinet.PlatformAndroid}
	revoked := kabinet.FanOutDevice{ID: "old", Platform: kabinet.PlatformAndroid, Provider: kabinet.ProviderFCM, Revoked: true}
	for _, tt := range []struct {
		name string
		r    kabinet.Reach
		want bool
	}{
		{"ActiveWithToken", kabinet.Reach{CabinetStatus: kabinet.CabinetActive, Devices: []kabinet.FanOutDevice{noToken, phone}}, true},
		{"NoDevice", kabinet.Reach{CabinetStatus: kabinet.CabinetActive}, false},
		{"OnlyRevokedOrTokenless", kabinet.Reach{CabinetStatus: kabinet.CabinetActive, Devices: []kabinet.FanOutDevice{noToken, revoked}}, false},
		{"Blocked", kabinet.Reach{CabinetStatus: kabinet.CabinetBlocked, Devices: []kabinet.FanOutDevice{phone}}, false},
		{"NoCabinet", kabinet.Reach{Devices: []kabinet.FanOutDevice{phone}}, false},
	} {
		if got := reachable(tt.r); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}
