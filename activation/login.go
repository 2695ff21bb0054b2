package activation

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/auth"
)

// LoginBase makes the generated login of an employee: the surname followed
// by the initials of the first and middle names, "Иванов Иван Иванович" →
// "ИвановИИ". Characters a login may not hold are dropped. Uniqueness in
// the organisation (ИвановИИ2, …) is the store's job.
func LoginBase(e *kabinet.Employee) string {
	var b strings.Builder
	upper := true // at the start and after a space or hyphen: Римский-Корсаков, ДеГолль
	for _, r := range e.LastName {
		if !auth.LoginRune(r) {
			upper = true
			continue
		}
		if upper {
			r = unicode.ToUpper(r)
		} else {
			r = unicode.ToLower(r)
		}
		upper = r == '-'
		b.WriteRune(r)
		if utf8.RuneCountInString(b.String()) >= auth.MaxLoginLength-2 {
			break
		}
	}
	for _, name := range []string{e.FirstName, e.MiddleName} {
		for _, r := range name {
			if unicode.IsLetter(r) {
				b.WriteRune(unicode.ToUpper(r))
				break
			}
		}
	}
	if b.Len() == 0 {
		return "user"
	}
	return b.String()
}
