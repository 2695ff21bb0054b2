package push_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sideshow/apns2"

	"github.com/kabinet/kabinet/push"

	"github.com/kabinet/kabinet"
)

// jsonEqual compares JSON documents by value.
func jsonEqual(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("got invalid JSON %s: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want is invalid JSON %s: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func intp(i int) *int { return &i }

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestFCMMessage(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		n    push.Notification
		want string
	}{
		{"PayslipReminder", push.Notification{
			ID: "dl_1", Kind: kabinet.NotifyPayslipReminder, Provider: kabinet.ProviderFCM, Token: "tok-1",
			Params: map[string]string{"period": "2026-10"}, DeepLink: "kabinet://payslips/ps_abc",
			CollapseKey: "payslip:ps_abc", Badge: intp(3), Expiry: now.Add(72*time.Hour + 1500*time.Millisecond),
		}, `{
			"token": "tok-1",
			"notification": {"title": "Расчётный листок", "body": "Ваш расчётный листок за октябрь 2026 ждёт вас. Нажмите, чтобы открыть."},
			"android": {"collapse_key": "payslip:ps_abc", "priority": "normal", "ttl": "259201s", "notification": {"tag": "payslip:ps_abc"}},
			"data": {"kind": "PAYSLIP_REMINDER", "deepLink": "kabinet://payslips/ps_abc", "id": "dl_1", "badge": "3"}
		}`},
		{"HighPriorityEnglishCustomText", push.Notification{
			Kind: kabinet.NotifyNewDevice, Token: "tok-2", Locale: "en", Title: "Hello", Priority: push.PriorityHigh,
			Params: map[string]string{"model": "Pixel 9"},
		}, `{
			"token": "tok-2",
			"notification": {"title": "Hello", "body": "Someone signed in to your Kabinet on Pixel 9. If it was not you, contact HR."},
			"android": {"priority": "high"},
			"data": {"kind": "NEW_DEVICE"}
		}`},
		{"ExpiredIsZeroTTL", push.Notification{Kind: kabinet.NotifyVacationReminder, Token: "t", Expiry: now.Add(-time.Hour), Priority: "bogus"},
			`{"token": "t", "notification": {"title": "Ваш отпуск", "body": "Скоро ваш отпуск. Нажмите, чтобы посмотреть подробности."},
			  "android": {"priority": "normal", "ttl": "0s"}, "data": {"kind": "VACATION_REMINDER"}}`},
		{"TTLClampedTo28Days", push.Notification{Kind: kabinet.NotifyPayslipBroadcast, Token: "t", Expiry: now.Add(60 * 24 * time.Hour)},
			`{"token": "t", "notification": {"title": "Напоминание от отдела кадров", "body": "Пожалуйста, откройте свои расчётные листки в Кабинете."},
			  "android": {"priority": "normal", "ttl": "2419200s"}, "data": {"kind": "PAYSLIP_BROADCAST"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := push.FCMMessageAt(&tt.n, now)
			b, err := json.Marshal(m)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			jsonEqual(t, b, tt.want)
		})
	}
}

func TestAPNsNotification(t *testing.T) {
	expiry := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	long := "payslip:" + strings.Repeat("x", 60)
	tests := []struct {
		name        string
		n           push.Notification
		wantHeaders apns2.Notification // every field but Payload
		wantPayload string
	}{
		{"PayslipReminder", push.Notification{
			ID: "123E4567-E89B-12D3-A456-426655440000", Kind: kabinet.NotifyPayslipReminder, Provider: kabinet.ProviderAPNs, Token: "abc123",
			Params: map[string]string{"period": "2026-10"}, DeepLink: "kabinet://payslips/ps_abc",
			CollapseKey: "payslip:ps_abc", Badge: intp(2), Expiry: expiry,
		}, apns2.Notification{
			ApnsID: "123e4567-e89b-12d3-a456-426655440000", CollapseID: "payslip:ps_abc", DeviceToken: "abc123",
			Topic: "ru.kabinet.app", Expiration: expiry, Priority: 5, PushType: apns2.PushTypeAlert,
		}, `{"aps": {"alert": {"title": "Расчётный листок", "body": "Ваш расчётный листок за октябрь 2026 ждёт вас. Нажмите, чтобы открыть."},
		            "badge": 2, "thread-id": "PAYSLIP_REMINDER"},
		    "kind": "PAYSLIP_REMINDER", "deepLink": "kabinet://payslips/ps_abc", "id": "123E4567-E89B-12D3-A456-426655440000"}`},
		{"NonUUIDIDHighZeroBadgeLongCollapse", push.Notification{
			ID: "dl_42", Kind: kabinet.NotifyNewDevice, Token: "def", Locale: "en", Priority: push.PriorityHigh,
			Badge: intp(0), CollapseKey: long, Title: "T", Body: "B",
		}, apns2.Notification{
			CollapseID: sha256Hex(long), DeviceToken: "def",
			Topic: "ru.kabinet.app", Priority: 10, PushType: apns2.PushTypeAlert,
		}, `{"aps": {"alert": {"title": "T", "body": "B"}, "badge": 0, "thread-id": "NEW_DEVICE"}, "kind": "NEW_DEVICE", "id": "dl_42"}`},
		{"NoBadgeNegativeIgnored", push.Notification{Kind: kabinet.NotifyVacationReminder, Token: "t", Locale: "en", Params: map[string]string{"startsOn": "2026-12-01"}},
			apns2.Notification{DeviceToken: "t", Topic: "ru.kabinet.app", Priority: 5, PushType: apns2.PushTypeAlert},
			`{"aps": {"alert": {"title": "Your vacation", "body": "Your vacation starts on 1 December 2026."}, "thread-id": "VACATION_REMINDER"}, "kind": "VACATION_REMINDER"}`},
		{"NegativeBadgeIsZero", push.Notification{Kind: kabinet.NotifyPayslipReminder, Token: "t", Badge: intp(-4), Title: "a", Body: "b"},
			apns2.Notification{DeviceToken: "t", Topic: "ru.kabinet.app", Priority: 5, PushType: apns2.PushTypeAlert},
			`{"aps": {"alert": {"title": "a", "body": "b"}, "badge": 0, "thread-id": "PAYSLIP_REMINDER"}, "kind": "PAYSLIP_REMINDER"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := push.APNsNotification(&tt.n, "ru.kabinet.app")
			b, err := json.Marshal(got)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			jsonEqual(t, b, tt.wantPayload)
			headers := *got
			headers.Payload = nil
			if !reflect.DeepEqual(headers, tt.wantHeaders) {
				t.Errorf("got headers %+v, want %+v", headers, tt.wantHeaders)
			}
		})
	}
}

func TestAPNsCollapseID(t *testing.T) {
	exact := strings.Repeat("k", 64)
	if got := push.APNsCollapseID(exact); got != exact {
		t.Errorf("64-byte key: got %q, want it unchanged", got)
	}
	a, b := push.APNsCollapseID(exact+"a"), push.APNsCollapseID(exact+"b")
	if len(a) != 64 || len(b) != 64 || a == b {
		t.Errorf("65-byte keys: got %q and %q, want two distinct 64-byte hashes", a, b)
	}
	// Multi-byte runes count in bytes: 33 Cyrillic letters are 66 bytes.
	if got := push.APNsCollapseID(strings.Repeat("ж", 33)); len(got) != 64 || strings.Contains(got, "ж") {
		t.Errorf("66-byte Cyrillic key: got %q, want a hash", got)
	}
	if got := push.APNsCollapseID(""); got != "" {
		t.Errorf("empty key: got %q, want empty", got)
	}
}

func TestFCMMessageNowIsUsedOnlyForTTL(t *testing.T) {
	n := &push.Notification{Kind: kabinet.NotifyPayslipReminder, Token: "t"}
	a, _ := json.Marshal(push.FCMMessage(n))
	b, _ := json.Marshal(push.FCMMessageAt(n, time.Unix(0, 0)))
	if string(a) != string(b) {
		t.Errorf("without Expiry the message depends on the time: got %s and %s", a, b)
	}
}
