package activation

import (
	"context"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kabinet/kabinet"
)

// Default invitation texts, in Russian. Placeholders: {name} (first and
// middle name), {code} (the activation code, XXXX-XXXX-XXXX), {android} and
// {ios} (app store links), {expires} (the date the code stops working).
const (
	DefaultEmailSubject  = "Приглашение в приложение «Кабинет сотрудника»"
	DefaultEmailTemplate = `Здравствуйте, {name}!

Для вас создан личный кабинет сотрудника: расчётные листки, остатки и график отпусков — в телефоне.

1. Установите приложение «Кабинет сотрудника»:
   Android: {android}
   iPhone: {ios}
2. Откройте приложение и введите код активации: {code}
3. Придумайте пароль.

Код действует до {expires}. Сохраните это письмо: после переустановки приложения код понадобится снова, вместе с паролем. Никому не сообщайте код.`
	DefaultSMSTemplate = `{name}, ваш код активации «Кабинета сотрудника»: {code}. Приложение: {android} (Android), {ios} (iPhone)`
	DefaultAndroidURL  = "https://play.google.com/store/apps/details?id=ru.kabinet.app"
	DefaultIOSURL      = "https://apps.apple.com/ru/app/kabinet/id6450000000"
	// DefaultCodeTTLDays is how long an unused activation code works.
	DefaultCodeTTLDays = 30
	// DefaultConsentVersion is the version of the personal-data consent
	// recorded when the app does not say which text it showed.
	DefaultConsentVersion = "1"
)

// DefaultSettings are the cabinet settings of an organisation whose HR never
// changed them: nothing automatic, email preferred, Russian texts.
func DefaultSettings() *kabinet.CabinetSettings {
	return &kabinet.CabinetSettings{
		InvitationChannel: kabinet.ChannelEmail,
		EmailSubject:      DefaultEmailSubject,
		EmailTemplate:     DefaultEmailTemplate,
		SMSTemplate:       DefaultSMSTemplate,
		AndroidURL:        DefaultAndroidURL,
		IOSURL:            DefaultIOSURL,
		CodeTTLDays:       DefaultCodeTTLDays,
		ConsentVersion:    DefaultConsentVersion,
	}
}

// SettingsInput changes some settings; nil fields keep their value.
type SettingsInput struct {
	AutoCreateCabinets  *bool
	AutoSendInvitations *bool
	InvitationChannel   *string
	EmailSubject        *string
	EmailTemplate       *string
	SMSTemplate         *string
	AndroidURL          *string
	IOSURL              *string
	CodeTTLDays         *int
	ConsentVersion      *string
}

// Settings returns the organisation's cabinet settings (the defaults if unset).
func (s *Service) Settings(ctx context.Context, orgID string) (*kabinet.CabinetSettings, error) {
	st, err := s.Store.CabinetSettings(ctx, orgID)
	if err != nil || st != nil {
		return st, err
	}
	return DefaultSettings(), nil
}

// UpdateSettings validates and stores a change of the settings:
// BAD_USER_INPUT for a template without {code}, texts that are too long,
// a TTL outside 1–365 days, links that are not http(s) URLs.
func (s *Service) UpdateSettings(ctx context.Context, orgID string, in SettingsInput) (*kabinet.CabinetSettings, error) {
	st, err := s.Settings(ctx, orgID)
	if err != nil {
		return nil, err
	}
	if in.AutoCreateCabinets != nil {
		st.AutoCreateCabinets = *in.AutoCreateCabinets
	}
	if in.AutoSendInvitations != nil {
		st.AutoSendInvitations = *in.AutoSendInvitations
	}
	if in.InvitationChannel != nil {
		if *in.InvitationChannel != kabinet.ChannelEmail && *in.InvitationChannel != kabinet.ChannelSMS {
			return nil, kabinet.Errorf(kabinet.EBADINPUT, "invitationChannel must be EMAIL or SMS")
		}
		st.InvitationChannel = *in.InvitationChannel
	}
	text := func(name string, v *string, dst *string, maxLen int, needCode bool) error {
		if v == nil {
			return nil
		}
		t := strings.TrimSpace(*v)
		switch {
		case t == "":
			return kabinet.Errorf(kabinet.EBADINPUT, "%s must not be empty", name)
		case utf8.RuneCountInString(t) > maxLen:
			return kabinet.Errorf(kabinet.EBADINPUT, "%s is too long: at most %d characters", name, maxLen)
		case needCode && !strings.Contains(t, "{code}"):
			return kabinet.Errorf(kabinet.EBADINPUT, "%s must contain the {code} placeholder", name)
		case !needCode && strings.ContainsAny(t, "\r\n"):
			return kabinet.Errorf(kabinet.EBADINPUT, "%s must be one line", name)
		}
		*dst = t
		return nil
	}
	link := func(name string, v *string, dst *string) error {
		if v == nil {
			return nil
		}
		u, err := url.Parse(*v)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(*v) > 500 {
			return kabinet.Errorf(kabinet.EBADINPUT, "%s must be an http(s) link", name)
		}
		*dst = *v
		return nil
	}
	for _, err := range []error{
		text("emailSubject", in.EmailSubject, &st.EmailSubject, 200, false),
		text("emailTemplate", in.EmailTemplate, &st.EmailTemplate, 5000, true),
		text("smsTemplate", in.SMSTemplate, &st.SMSTemplate, 500, true),
		text("consentVersion", in.ConsentVersion, &st.ConsentVersion, 32, false),
		link("androidUrl", in.AndroidURL, &st.AndroidURL),
		link("iosUrl", in.IOSURL, &st.IOSURL),
	} {
		if err != nil {
			return nil, err
		}
	}
	if in.CodeTTLDays != nil {
		if *in.CodeTTLDays < 1 || *in.CodeTTLDays > 365 {
			return nil, kabinet.Errorf(kabinet.EBADINPUT, "codeTtlDays must be between 1 and 365")
		}
		st.CodeTTLDays = *in.CodeTTLDays
	}
	if err := s.Store.PutCabinetSettings(ctx, orgID, st); err != nil {
		return nil, err
	}
	return st, nil
}

// render fills a template. expires nil renders as "бессрочно" (an active
// cabinet's code only works with the password).
func render(tmpl string, st *kabinet.CabinetSettings, e *kabinet.Employee, code string, expires *time.Time, loc *time.Location) string {
	name := strings.TrimSpace(e.FirstName + " " + e.MiddleName)
	exp := "бессрочно"
	if expires != nil {
		exp = expires.In(loc).Format("02.01.2006")
	}
	return strings.NewReplacer("{name}", name, "{code}", FormatCode(code), "{android}", st.AndroidURL,
		"{ios}", st.IOSURL, "{expires}", exp).Replace(tmpl)
}
