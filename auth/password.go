package auth

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kabinet/kabinet"
)

// Password limits, in characters.
const (
	MinPasswordLength = 8
	MaxPasswordLength = 128
)

// commonPasswords are the obvious choices that guessing lists start with,
// including Russian keyboard walks; compared in lower case.
var commonPasswords = map[string]bool{}

func init() {
	for _, p := range strings.Fields(`
		12345678 123456789 1234567890 0123456789 87654321 11111111 00000000 12341234 11223344 12121212
		password password1 password123 passw0rd qwerty12 qwerty123 qwertyui qwertyuiop 1q2w3e4r 1q2w3e4r5t
		1qaz2wsx zaq12wsx asdfghjk asdfghjkl zxcvbnm1 iloveyou sunshine princess football baseball welcome1
		abcd1234 abc12345 letmein1 admin123 administrator changeme trustno1 superman monkey12 dragon12
		пароль123 пароль12 пароль1234 йцукенгш йцукен123 фывапролд qwerty1234 123qweasd 123qweasdzxc
		gfhjkm123 gfhjkmgfhjkm ktnvtyz1 kabinet1 kabinet123 кабинет1 кабинет123 сотрудник 1234qwer
		q1w2e3r4 q1w2e3r4t5 qazwsxedc 987654321 55555555 77777777 88888888 99999999 123123123 00000000
		11111111 22222222 33333333 44444444 66666666 12344321 147258369 159753456 789456123 qwe123qwe`) {
		commonPasswords[p] = true
	}
}

// CheckPassword applies the password rules: 8 to 128 characters, not one of
// the obvious common passwords, not a single repeated character, and not
// equal to the login. It returns BAD_USER_INPUT saying which rule failed.
// (Activation adds its own: not the activation code.)
func CheckPassword(password, login string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLength:
		return kabinet.Errorf(kabinet.EBADINPUT, "the password is too short: at least %d characters", MinPasswordLength)
	case n > MaxPasswordLength:
		return kabinet.Errorf(kabinet.EBADINPUT, "the password is too long: at most %d characters", MaxPasswordLength)
	case !utf8.ValidString(password):
		return kabinet.Errorf(kabinet.EBADINPUT, "the password is not valid text")
	}
	low := strings.ToLower(password)
	if commonPasswords[low] || strings.Count(low, string([]rune(low)[0])) == n {
		return kabinet.Errorf(kabinet.EBADINPUT, "the password is too common; choose one that is harder to guess")
	}
	if login != "" && strings.EqualFold(password, login) {
		return kabinet.Errorf(kabinet.EBADINPUT, "the password must differ from the login")
	}
	return nil
}

// Limits of a chosen login, in characters.
const (
	MinLoginLength = 3
	MaxLoginLength = 64
)

// LoginRune reports whether a login may hold r.
func LoginRune(r rune) bool {
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
		if !LoginRune(r) {
			return "", kabinet.Errorf(kabinet.EBADINPUT, "the login may hold only letters, digits, '.', '_' and '-' (not %q)", r)
		}
	}
	return login, nil
}

// NormalizeLogin is the form logins are compared in: trimmed, lower case.
func NormalizeLogin(login string) string { return strings.ToLower(strings.TrimSpace(login)) }
