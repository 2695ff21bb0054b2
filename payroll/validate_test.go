package payroll

import (
	"strings"
	"testing"
)

func TestPhone(t *testing.T) {
	for in, want := range map[string]string{
		"+7 (916) 123-45-67": "+79161234567",
		"8 916 123 45 67":    "+79161234567",
		"+49 30 1234567":     "+49301234567",
		"":                   "",
	} {
		b := newBatch("x")
		if got := b.phone("phone", in); got != want || b.Len() != 0 {
			t.Errorf("phone(%q) = %q (%d errors), want %q", in, got, b.Len(), want)
		}
	}
	for _, in := range []string{"12", "9161234567", "+7 916 abc", "+0123456789", "++79161234567", "+7916123456789012"} {
		b := newBatch("x")
		if got := b.phone("phone", in); got != "" || b.Len() != 1 {
			t.Errorf("phone(%q) = %q with %d errors, want one error", in, got, b.Len())
		}
	}
}

func TestEmail(t *testing.T) {
	for in, want := range map[string]string{"ivan@Example.COM": "ivan@example.com", " a.b@c.ru ": "a.b@c.ru"} {
		b := newBatch("x")
		if got := b.email("email", in); got != want || b.Len() != 0 {
			t.Errorf("email(%q) = %q, want %q", in, got, want)
		}
	}
	for _, in := range []string{"ivan", "Ivan <ivan@example.com>", "ivan@localhost", "a@@b.ru"} {
		b := newBatch("x")
		if b.email("email", in); b.Len() != 1 {
			t.Errorf("email(%q) accepted", in)
		}
	}
}

func TestText(t *testing.T) {
	for _, tt := range []struct {
		in       string
		required bool
		ok       bool
	}{
		{"Иванов", true, true}, {"", true, false}, {"", false, true}, {"a\x00b", false, false}, {strings.Repeat("я", 201), false, false},
	} {
		_, why := text(tt.in, tt.required, 200)
		if (why == "") != tt.ok {
			t.Errorf("text(%q, %v): reason %q, want ok=%v", tt.in, tt.required, why, tt.ok)
		}
	}
}
