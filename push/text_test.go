package push_test

import (
	"strings"
	"testing"

	"github.com/kabinet/kabinet/push"

	"github.com/kabinet/kabinet"
)

func TestDefaultText(t *testing.T) {
	tests := []struct {
		name, kind, locale string
		params             map[string]string
		title, body        string
	}{
		{"PayslipRU", kabinet.NotifyPayslipReminder, "", map[string]string{"period": "2026-10"},
			"Расчётный листок", "Ваш расчётный листок за октябрь 2026 ждёт вас. Нажмите, чтобы открыть."},
		{"PayslipRUExplicit", kabinet.NotifyPayslipReminder, "ru-RU", map[string]string{"period": "2026-01"},
			"Расчётный листок", "Ваш расчётный листок за январь 2026 ждёт вас. Нажмите, чтобы открыть."},
		{"PayslipEN", kabinet.NotifyPayslipReminder, "en", map[string]string{"period": "2026-10"},
			"Your payslip", "Your payslip for October 2026 is waiting for you. Tap to view it."},
		{"PayslipENRegion", kabinet.NotifyPayslipReminder, "EN_gb", map[string]string{"period": "2026-12"},
			"Your payslip", "Your payslip for December 2026 is waiting for you. Tap to view it."},
		{"PayslipNoPeriod", kabinet.NotifyPayslipReminder, "ru", nil,
			"Расчётный листок", "У вас есть непросмотренный расчётный листок. Нажмите, чтобы открыть."},
		{"PayslipBadPeriod", kabinet.NotifyPayslipReminder, "en", map[string]string{"period": "October"},
			"Your payslip", "You have a payslip you have not opened yet. Tap to view it."},
		{"BroadcastRU", kabinet.NotifyPayslipBroadcast, "ru", map[string]string{"period": "2026-03"},
			"Напоминание от отдела кадров", "Пожалуйста, откройте расчётный листок за март 2026 в Кабинете."},
		{"BroadcastEN", kabinet.NotifyPayslipBroadcast, "en", nil,
			"Reminder from HR", "Please open your payslips in Kabinet."},
		{"VacationRU", kabinet.NotifyVacationReminder, "ru", map[string]string{"startsOn": "2026-12-01"},
			"Ваш отпуск", "Ваш отпуск начинается 1 декабря 2026."},
		{"VacationEN", kabinet.NotifyVacationReminder, "en", map[string]string{"startsOn": "2026-05-09"},
			"Your vacation", "Your vacation starts on 9 May 2026."},
		{"VacationBadDate", kabinet.NotifyVacationReminder, "ru", map[string]string{"startsOn": "2026-13-01"},
			"Ваш отпуск", "Скоро ваш отпуск. Нажмите, чтобы посмотреть подробности."},
		{"ManagerRU", kabinet.NotifyManagerVacationReminder, "ru", map[string]string{"name": "Иван", "startsOn": "2026-08-03"},
			"Отпуск сотрудника", "Иван уходит в отпуск 3 августа 2026."},
		{"ManagerRUNoName", kabinet.NotifyManagerVacationReminder, "", map[string]string{"startsOn": "2026-08-03"},
			"Отпуск сотрудника", "Сотрудник вашей команды уходит в отпуск 3 августа 2026."},
		{"ManagerRUNoDate", kabinet.NotifyManagerVacationReminder, "", map[string]string{"name": "Иван"},
			"Отпуск сотрудника", "Иван скоро уходит в отпуск."},
		{"ManagerEN", kabinet.NotifyManagerVacationReminder, "en", map[string]string{"name": "Ivan", "startsOn": "2026-08-03"},
			"Team vacation", "Ivan goes on vacation on 3 August 2026."},
		{"ManagerENNothing", kabinet.NotifyManagerVacationReminder, "en", nil,
			"Team vacation", "A member of your team is going on vacation soon."},
		{"NewDeviceRU", kabinet.NotifyNewDevice, "ru", map[string]string{"model": "iPhone 15"},
			"Вход с нового устройства", "В ваш Кабинет вошли с устройства iPhone 15. Если это были не вы, обратитесь в отдел кадров."},
		{"NewDeviceEN", kabinet.NotifyNewDevice, "en", map[string]string{"model": "Pixel 9"},
			"New sign-in", "Someone signed in to your Kabinet on Pixel 9. If it was not you, contact HR."},
		{"UnknownKindRU", "SOMETHING", "fr", nil, "Кабинет", "У вас новое уведомление."},
		{"UnknownKindEN", "", "en-US", nil, "Kabinet", "You have a new notification."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			title, body := push.DefaultText(tt.kind, tt.locale, tt.params)
			if title != tt.title || body != tt.body {
				t.Errorf("got (%q, %q), want (%q, %q)", title, body, tt.title, tt.body)
			}
		})
	}
}

// Every kind has its own text in both locales: a copy-paste slip that gives
// two kinds the same text fails here.
func TestDefaultTextDistinct(t *testing.T) {
	kinds := []string{kabinet.NotifyPayslipReminder, kabinet.NotifyPayslipBroadcast, kabinet.NotifyVacationReminder, kabinet.NotifyManagerVacationReminder, kabinet.NotifyNewDevice}
	params := map[string]string{"period": "2026-10", "startsOn": "2026-12-01", "name": "Ivan", "model": "iPhone 15"}
	for _, loc := range []string{"ru", "en"} {
		seen := map[string]string{}
		for _, k := range kinds {
			title, body := push.DefaultText(k, loc, params)
			if title == "" || body == "" {
				t.Errorf("%s/%s: got empty text (%q, %q)", k, loc, title, body)
			}
			if other, ok := seen[body]; ok {
				t.Errorf("%s/%s: got the same body as %s: %q", k, loc, other, body)
			}
			seen[body] = k
			if loc == "en" && strings.ContainsAny(body, "абвгдеёжзийклмнопрстуфхцчшщъыьэюя") {
				t.Errorf("%s/en: got Cyrillic in English body %q", k, body)
			}
		}
	}
}

func TestNotificationText(t *testing.T) {
	n := &push.Notification{Kind: kabinet.NotifyPayslipReminder, Locale: "en", Params: map[string]string{"period": "2026-10"}, Title: "Custom"}
	title, body := n.Text()
	if title != "Custom" || body != "Your payslip for October 2026 is waiting for you. Tap to view it." {
		t.Errorf("got (%q, %q), want the custom title and the default body", title, body)
	}
	n = &push.Notification{Kind: kabinet.NotifyPayslipReminder, Body: "Только тело"}
	if title, body = n.Text(); title != "Расчётный листок" || body != "Только тело" {
		t.Errorf("got (%q, %q), want the default title and the custom body", title, body)
	}
}

func TestNormalizeLocale(t *testing.T) {
	for in, want := range map[string]string{"": "ru", "ru": "ru", "RU-ru": "ru", "en": "en", "EN": "en", "en-US": "en", "en_GB": "en", "eng": "ru", "de": "ru", " en ": "en"} {
		if got := push.NormalizeLocale(in); got != want {
			t.Errorf("NormalizeLocale(%q): got %q, want %q", in, got, want)
		}
	}
}

func TestTokenPrefix(t *testing.T) {
	for in, want := range map[string]string{"": "…", "short": "…", "12345678": "…", "123456789abcdef": "12345678…"} {
		if got := push.TokenPrefix(in); got != want {
			t.Errorf("TokenPrefix(%q): got %q, want %q", in, got, want)
		}
	}
}
