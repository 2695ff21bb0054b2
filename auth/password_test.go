package auth_test

import (
	"strings"
	"testing"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/auth"
)

func TestCheckPassword(t *testing.T) {
	for _, tt := range []struct {
		password, login string
		ok              bool
	}{
		{"correct horse battery", "ИвановИИ", true},
		{"Сложный-пароль-7", "ИвановИИ", true},
		{"short7!", "", false},
		{"12345678", "", false},
		{"Password1", "", false},
		{"QWERTY123", "", false},
		{"йцукенгш", "", false},
		{"aaaaaaaaaaaa", "", false},
		{"ИвановИИ12", "ИвановИИ12", false},
		{"ивановии12", "ИвановИИ12", false},
		{strings.Repeat("x", 129) + "y", "", false},
	} {
		err := auth.CheckPassword(tt.password, tt.login)
		if (err == nil) != tt.ok {
			t.Errorf("CheckPassword(%q, %q): got %v, want ok=%v", tt.password, tt.login, err, tt.ok)
		}
		if err != nil && kabinet.ErrorCode(err) != kabinet.EBADINPUT {
			t.Errorf("CheckPassword(%q): got code %s, want BAD_USER_INPUT", tt.password, kabinet.ErrorCode(err))
		}
	}
}

func TestCheckLogin(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		ok       bool
	}{
		{"ivan.petrov", "ivan.petrov", true},
		{"  Иван_Петров-2 ", "Иван_Петров-2", true},
		{"abc", "abc", true},
		{"ab", "", false},
		{strings.Repeat("я", 65), "", false},
		{"ivan petrov", "", false},
		{"ivan@petrov", "", false},
		{"ivan'; drop", "", false},
	} {
		got, err := auth.CheckLogin(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("CheckLogin(%q): got %q, %v, want %q, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
	if got := auth.NormalizeLogin(" ИвановИИ2 "); got != "ивановии2" {
		t.Errorf("NormalizeLogin: got %q, want ивановии2", got)
	}
}
