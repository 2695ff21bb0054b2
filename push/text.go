package push

import (
	"fmt"
	"strings"
	"time"

	"github.com/kabinet/kabinet"
)

// NormalizeLocale maps a client's locale ("en", "en-US", "EN_gb", "ru-RU",
// "") to a locale with texts: LocaleEN for any English, else LocaleRU.
func NormalizeLocale(locale string) string {
	l := strings.ToLower(strings.TrimSpace(locale))
	if l == "en" || strings.HasPrefix(l, "en-") || strings.HasPrefix(l, "en_") {
		return LocaleEN
	}
	return LocaleRU
}

// DefaultText returns the localized default title and body of a kind,
// filled from params. It is total: missing or malformed params give a text
// without them, an unknown kind gives a generic text, an unknown locale
// gives Russian.
func DefaultText(kind, locale string, params map[string]string) (title, body string) {
	en := NormalizeLocale(locale) == LocaleEN
	p := func(k string) string { return strings.TrimSpace(params[k]) }
	switch kind {
	case kabinet.NotifyPayslipReminder:
		period := formatPeriod(p("period"), en)
		if en {
			if period == "" {
				return "Your payslip", "You have a payslip you have not opened yet. Tap to view it."
			}
			return "Your payslip", fmt.Sprintf("Your payslip for %s is waiting for you. Tap to view it.", period)
		}
		if period == "" {
			return "Расчётный листок", "У вас есть непросмотренный расчётный листок. Нажмите, чтобы открыть."
		}
		return "Расчётный листок", fmt.Sprintf("Ваш расчётный листок за %s ждёт вас. Нажмите, чтобы открыть.", period)

	case kabinet.NotifyPayslipBroadcast:
		period := formatPeriod(p("period"), en)
		if en {
			if period == "" {
				return "Reminder from HR", "Please open your payslips in Kabinet."
			}
			return "Reminder from HR", fmt.Sprintf("Please open your payslip for %s in Kabinet.", period)
		}
		if period == "" {
			return "Напоминание от отдела кадров", "Пожалуйста, откройте свои расчётные листки в Кабинете."
		}
		return "Напоминание от отдела кадров", fmt.Sprintf("Пожалуйста, откройте расчётный листок за %s в Кабинете.", period)

	case kabinet.NotifyVacationReminder:
		date := formatDate(p("startsOn"), en)
		if en {
			if date == "" {
				return "Your vacation", "Your vacation is coming up. Tap to see the details."
			}
			return "Your vacation", fmt.Sprintf("Your vacation starts on %s.", date)
		}
		if date == "" {
			return "Ваш отпуск", "Скоро ваш отпуск. Нажмите, чтобы посмотреть подробности."
		}
		return "Ваш отпуск", fmt.Sprintf("Ваш отпуск начинается %s.", date)

	case kabinet.NotifyManagerVacationReminder:
		date, name := formatDate(p("startsOn"), en), p("name")
		if en {
			switch {
			case name == "" && date == "":
				return "Team vacation", "A member of your team is going on vacation soon."
			case name == "":
				return "Team vacation", fmt.Sprintf("A member of your team goes on vacation on %s.", date)
			case date == "":
				return "Team vacation", fmt.Sprintf("%s is going on vacation soon.", name)
			}
			return "Team vacation", fmt.Sprintf("%s goes on vacation on %s.", name, date)
		}
		switch {
		case name == "" && date == "":
			return "Отпуск сотрудника", "Скоро отпуск у сотрудника вашей команды."
		case name == "":
			return "Отпуск сотрудника", fmt.Sprintf("Сотрудник вашей команды уходит в отпуск %s.", date)
		case date == "":
			return "Отпуск сотрудника", fmt.Sprintf("%s скоро уходит в отпуск.", name)
		}
		return "Отпуск сотрудника", fmt.Sprintf("%s уходит в отпуск %s.", name, date)

	case kabinet.NotifyNewDevice:
		model := p("model")
		if en {
			if model == "" {
				return "New sign-in", "Someone signed in to your Kabinet on a new device. If it was not you, contact HR."
			}
			return "New sign-in", fmt.Sprintf("Someone signed in to your Kabinet on %s. If it was not you, contact HR.", model)
		}
		if model == "" {
			return "Вход с нового устройства", "В ваш Кабинет вошли с нового устройства. Если это были не вы, обратитесь в отдел кадров."
		}
		return "Вход с нового устройства", fmt.Sprintf("В ваш Кабинет вошли с устройства %s. Если это были не вы, обратитесь в отдел кадров.", model)

	case kabinet.NotifyCertificateReady:
		title, paper := p("title"), p("onPaper") == "true"
		if en {
			switch {
			case paper && title != "":
				return "Certificate ready", fmt.Sprintf("Your certificate \"%s\" is ready: collect it from HR.", title)
			case paper:
				return "Certificate ready", "Your certificate is ready: collect it from HR."
			case title != "":
				return "Certificate ready", fmt.Sprintf("Your certificate \"%s\" is ready. Tap to download it.", title)
			}
			return "Certificate ready", "Your certificate is ready. Tap to download it."
		}
		switch {
		case paper && title != "":
			return "Справка готова", fmt.Sprintf("Справка «%s» готова: заберите её в отделе кадров.", title)
		case paper:
			return "Справка готова", "Ваша справка готова: заберите её в отделе кадров."
		case title != "":
			return "Справка готова", fmt.Sprintf("Справка «%s» готова. Нажмите, чтобы скачать.", title)
		}
		return "Справка готова", "Ваша справка готова. Нажмите, чтобы скачать."
	case kabinet.NotifyLeaveApproval, kabinet.NotifyLeaveApprovalReminder:
		return leaveApprovalText(kind == kabinet.NotifyLeaveApprovalReminder, p("name"), formatDate(p("startsOn"), en), formatDate(p("endsOn"), en), en)

	case kabinet.NotifyLeaveDecision:
		return leaveDecisionText(p("status"), formatDate(p("startsOn"), en), en)
	}
	if en {
		return "Kabinet", "You have a new notification."
	}
	return "Кабинет", "У вас новое уведомление."
}

// leaveApprovalText is the approver's notice of a new leave request, or
// their reminder of one still waiting.
func leaveApprovalText(reminder bool, name, from, to string, en bool) (title, body string) {
	if en {
		title = "Leave request"
		if reminder {
			title = "Leave request waiting"
		}
		if name == "" {
			name = "A member of your team"
		}
		if from == "" || to == "" {
			return title, name + " asks for leave. Tap to decide."
		}
		return title, fmt.Sprintf("%s asks for leave from %s to %s. Tap to decide.", name, from, to)
	}
	title = "Заявление на отпуск"
	if reminder {
		title = "Заявление ждёт решения"
	}
	if name == "" {
		name = "Сотрудник вашей команды"
	}
	if from == "" || to == "" {
		return title, name + " просит отпуск. Нажмите, чтобы решить."
	}
	return title, fmt.Sprintf("%s просит отпуск с %s по %s. Нажмите, чтобы решить.", name, from, to)
}

// leaveDecisionText tells the employee what became of their request.
func leaveDecisionText(status, from string, en bool) (title, body string) {
	if en {
		what := map[string]string{kabinet.LeaveApproved: "approved", kabinet.LeaveRejected: "rejected", kabinet.LeaveCancelled: "cancelled by HR"}[status]
		if what == "" {
			what = "updated"
		}
		if from == "" {
			return "Your leave request", "Your leave request was " + what + "."
		}
		return "Your leave request", fmt.Sprintf("Your leave request from %s was %s.", from, what)
	}
	what := map[string]string{kabinet.LeaveApproved: "одобрено", kabinet.LeaveRejected: "отклонено", kabinet.LeaveCancelled: "отменено отделом кадров"}[status]
	if what == "" {
		what = "изменено"
	}
	if from == "" {
		return "Ваше заявление на отпуск", "Ваше заявление на отпуск " + what + "."
	}
	return "Ваше заявление на отпуск", fmt.Sprintf("Ваше заявление на отпуск с %s %s.", from, what)
}

var (
	monthsEN      = [...]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	monthsRU      = [...]string{"январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь"}
	monthsRUGenit = [...]string{"января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря"}
)

// formatPeriod turns "2026-10" into "October 2026" / "октябрь 2026" (the
// form that follows "за"); anything else into "".
func formatPeriod(period string, en bool) string {
	t, err := time.Parse("2006-01", period)
	if err != nil {
		return ""
	}
	if en {
		return fmt.Sprintf("%s %d", monthsEN[t.Month()-1], t.Year())
	}
	return fmt.Sprintf("%s %d", monthsRU[t.Month()-1], t.Year())
}

// formatDate turns "2026-12-01" into "1 December 2026" / "1 декабря 2026";
// anything else into "".
func formatDate(date string, en bool) string {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return ""
	}
	if en {
		return fmt.Sprintf("%d %s %d", t.Day(), monthsEN[t.Month()-1], t.Year())
	}
	return fmt.Sprintf("%d %s %d", t.Day(), monthsRUGenit[t.Month()-1], t.Year())
}
