package activation_test

import (
	"strings"
	"testing"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/activation"
)

func TestNewCode(t *testing.T) {
	seen := map[string]bool{}
	counts := map[rune]int{}
	for i := 0; i < 2000; i++ {
		c := activation.NewCode()
		if len(c) != activation.CodeLength {
			t.Fatalf("got code %q of length %d, want %d", c, len(c), activation.CodeLength)
		}
		for _, r := range c {
			if !strings.ContainsRune(activation.CodeAlphabet, r) {
				t.Fatalf("got %q in code %q, want only %s", r, c, activation.CodeAlphabet)
			}
			counts[r]++
		}
		if seen[c] {
			t.Fatalf("got code %q twice", c)
		}
		seen[c] = true
	}
	// 24,000 symbols over 31 letters: about 774 each; a biased generator
	// (modulo without rejection) or a missing letter shows up here.
	for _, r := range activation.CodeAlphabet {
		if n := counts[r]; n < 600 || n > 950 {
			t.Errorf("got %d occurrences of %q, want about 774", n, r)
		}
	}
	for _, bad := range "0O1IL" {
		if strings.ContainsRune(activation.CodeAlphabet, bad) {
			t.Errorf("alphabet holds the ambiguous %q", bad)
		}
	}
}

func TestNormalizeCode(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		ok       bool
	}{
		{"ABCD-EFGH-JKMN", "ABCDEFGHJKMN", true},
		{"abcd-efgh-jkmn", "ABCDEFGHJKMN", true},
		{"abcdefghjkmn", "ABCDEFGHJKMN", true},
		{" abcd efgh jkmn ", "ABCDEFGHJKMN", true},
		{"ABCD–EFGH–JKMN", "ABCDEFGHJKMN", true}, // en dash from a phone keyboard
		{"АВСD-ЕFGН-JКМN", "ABCDEFGHJKMN", true}, // Cyrillic look-alikes
		{"ABCD-EFGH-JKM", "", false},             // too short
		{"ABCD-EFGH-JKMNP", "", false},           // too long
		{"ABCD-EFGH-JKM0", "", false},            // 0 is not in the alphabet
		{"ABCD-EFGH-JKMO", "", false},            // nor O
		{"ABCD-EFGH-JKM1", "", false},            // nor 1
		{"ABCD-EFGH-JKMI", "", false},            // nor I
		{"ABCD-EFGH-JKML", "", false},            // nor L
		{"ABCD-EFGH-JKM!", "", false},
		{"", "", false},
		{strings.Repeat("A", 100), "", false},
	} {
		got, ok := activation.NormalizeCode(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NormalizeCode(%q): got %q, %v, want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	if got := activation.FormatCode("ABCDEFGHJKMN"); got != "ABCD-EFGH-JKMN" {
		t.Errorf("FormatCode: got %q, want ABCD-EFGH-JKMN", got)
	}
}

func TestLoginBase(t *testing.T) {
	for _, tt := range []struct {
		last, first, middle, want string
	}{
		{"Иванов", "Иван", "Иванович", "ИвановИИ"},
		{"ПЕТРОВА", "анна", "", "ПетроваА"},
		{"Римский-Корсаков", "Николай", "Андреевич", "Римский-КорсаковНА"},
		{"де Голль", "Шарль", "", "ДеГолльШ"},
		{"Smith", "John", "Paul", "SmithJP"},
		{"", "", "", "user"},
	} {
		got := activation.LoginBase(&kabinet.Employee{LastName: tt.last, FirstName: tt.first, MiddleName: tt.middle})
		if got != tt.want {
			t.Errorf("LoginBase(%s %s %s): got %q, want %q", tt.last, tt.first, tt.middle, got, tt.want)
		}
	}
}

// FuzzNormalizeCode: whatever a person types, NormalizeCode does not panic;
// what it accepts is CodeLength symbols of the alphabet, in normal form
// (normalising it again, or its formatted form, gives it back).
func FuzzNormalizeCode(f *testing.F) {
	for _, s := range []string{"ABCD-EFGH-JKMN", "abcd efgh jkmn", "АВСD-ЕFGH-JKMN", "2345\u00a06789–ABCD", "", "O0I1L", strings.Repeat("A", 65)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, typed string) {
		code, ok := activation.NormalizeCode(typed)
		if !ok {
			if code != "" {
				t.Fatalf("NormalizeCode(%q) = %q, false: want no code", typed, code)
			}
			return
		}
		if len(code) != activation.CodeLength || strings.Trim(code, activation.CodeAlphabet) != "" {
			t.Fatalf("NormalizeCode(%q) = %q: not %d symbols of the alphabet", typed, code, activation.CodeLength)
		}
		for _, again := range []string{code, activation.FormatCode(code), strings.ToLower(code)} {
			if got, ok := activation.NormalizeCode(again); !ok || got != code {
				t.Fatalf("NormalizeCode(%q) = %q, %v: want %q", again, got, ok, code)
			}
		}
	})
}
