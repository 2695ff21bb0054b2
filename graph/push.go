package graph

import (
	"github.com/kabinet/kabinet/graph/model"
	"github.com/kabinet/kabinet/push"
)

// settingsInput maps the GraphQL input; an omitted list stays nil (keep),
// an empty one is empty (switch off, or back to the built-in texts).
func settingsInput(in model.NotificationSettingsInput) push.SettingsInput {
	out := push.SettingsInput{
		WindowStart: in.WindowStart, WindowEnd: in.WindowEnd, SendDelaySeconds: in.SendDelaySeconds, Timezone: in.Timezone,
		PayslipDays: in.PayslipReminderDays, VacationDays: in.VacationReminderDaysBefore, ManagerDays: in.ManagerVacationReminderDaysBefore,
	}
	if in.Texts != nil {
		out.Texts = values(in.Texts)
	}
	return out
}

func platformPtr(p string) *model.Platform {
	if p == "" {
		return nil
	}
	v := model.Platform(p)
	return &v
}

func nonEmptyPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
