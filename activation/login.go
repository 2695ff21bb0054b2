package activation

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kabinet/kabinet"
)

// Limits of a chosen login, in characters.
const (
	MinLoginLength = 3
	MaxLoginLength = 64
)

// LoginBase makes the generated login of an employee: the surname followed
// by the initials of the first and middle names, "Иванов Иван Иванович" →
// "ИвановИИ". Characters a login may not hold are dropped. Uniqueness in
// the organisation (ИвановИИ2, …) is the store's job.
func LoginBase(e *kabinet.Employee) string {
	var b strings.Builder
	upper := true // at the start and after a space or hyphen: Римский-Корсаков, ДеГолль
	for _, r := range e.LastName {
		if !loginRune(r) {
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
		if utf8.RuneCountInString(b.String()) >= MaxLoginLength-2 {
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

func loginRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '_' || r == '-'
}

// CheckLogin validates a login the employee chose: 3 to 64 letters (any
// alphabet, Cyrillic included), digits, '.', '_' and '-'. It returns the
// login trimmed, or BAD_USER_INPUT.
func CheckLogin(login string) (string, error) {
	login = strings.TrimSpace(login)
	n := utf8.RuneCountInString(login)
	if n < MinLoginLength || n > MaxLoginLength {
		return "", kabinet.Errorf(kabinet.EBADINPUT, "the login must have %d to %d characters", MinLoginLength, MaxLoginLength)
	}
	for _, r := range login {
		if !loginRune(r) {
			return "", kabinet.Errorf(kabinet.EBADINPUT, "the login may hold only letters, digits, '.', '_' and '-' (not %q)", r)
		}
	}
	return login, nil
}

// NormalizeLogin is the form logins are compared in: trimmed, lower case.
func NormalizeLogin(login string) string { return strings.ToLower(strings.TrimSpace(login)) }
