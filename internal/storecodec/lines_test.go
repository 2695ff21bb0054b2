package storecodec_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/storecodec"
)

// TestDecodeLines checks that the stored lines decode exactly as
// encoding/json decodes them, for what json.Marshal writes and for text it
// does not write (which must take the slow path, not a wrong fast one).
func TestDecodeLines(t *testing.T) {
	texts := []string{
		`null`, `[]`, ` [ ] `, `[{}]`,
		`[{"s":"accrual","t":"Оклад","a":1234567}]`,
		`[{"s":"accrual","c":"010","t":"Оклад","a":-5,"d":2100,"h":16800,"p":"2026-09"},{"s":"deduction","t":"НДФЛ","a":0}]`,
		` [ { "s" : "accrual" , "t" : "x" , "a" : 1 } ] `,
		`[{"s":"accrual","t":"a \"quoted\" \u003ctitle\u003e\n","a":1}]`, // escapes
		"[{\"s\":\"accrual\",\"t\":\"bad \xff utf8\",\"a\":1}]",          // repaired by encoding/json
		`[{"S":"accrual","T":"upper-case keys","A":1}]`,                  // keys match case-insensitively
		`[{"s":"accrual","t":"unknown key","a":1,"x":[1,{"y":2}]}]`,
		`[{"s":"accrual","t":"null days","a":1,"d":null,"h":null}]`,
		`[{"s":"accrual","t":"dup","a":1,"a":2,"d":3,"d":null}]`,
		// Not valid for the Go types: both must fail.
		`[{"s":"accrual","t":"fraction","a":1.5}]`,
		`[{"s":"accrual","t":"exponent","a":1e2}]`,
		`[{"s":"accrual","t":"leading zero","a":01}]`,
		`[{"s":"accrual","t":"overflow","a":99999999999999999999}]`,
		`[{"s":1,"t":"number for string","a":1}]`,
		`[{"s":"accrual","t":"control ` + "\x01" + `","a":1}]`,
		`[{"s":"accrual","t":"unterminated`, `[{"s":"accrual"`, `[{"s":"accrual"}`, `[`, `nul`, `null x`, `[] x`, ``,
		`[{"s":"accrual","t":"x","a":1},]`, `[{"s":"accrual",}]`,
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		text := randomLines(t, rnd)
		// What json.Marshal writes without escapes is the fast path's job.
		if _, ok := storecodec.ParseLines(text); !ok && !strings.Contains(text, `\`) {
			t.Errorf("parse %q: got the slow path, want the fast one", text)
		}
		texts = append(texts, text)
	}
	for _, text := range texts {
		got, gotErr := storecodec.DecodeLines(text)
		var want []kabinet.PayslipLine
		wantErr := json.Unmarshal([]byte(text), &want)
		if (gotErr != nil) != (wantErr != nil) {
			t.Errorf("decode %q: got error %v, want %v", text, gotErr, wantErr)
			continue
		}
		if wantErr == nil && !reflect.DeepEqual(got, want) {
			t.Errorf("decode %q:\ngot  %#v\nwant %#v", text, got, want)
		}
	}
}

// randomLines is what json.Marshal writes for random lines.
func randomLines(t *testing.T, rnd *rand.Rand) string {
	words := []string{"Оклад", "НДФЛ", "Премия 10%", "A&B <x>", "tab\there", `q"uote`, "back\\slash", "😀", ""}
	var lines []kabinet.PayslipLine
	for range rnd.IntN(5) {
		l := kabinet.PayslipLine{Section: kabinet.SectionAccrual, Title: words[rnd.IntN(len(words))],
			Amount: kabinet.Decimal(rnd.Int64N(1e12) - 5e11)}
		if rnd.IntN(2) == 0 {
			l.Code = fmt.Sprint(rnd.IntN(1000))
		}
		if rnd.IntN(2) == 0 {
			d := kabinet.Decimal(rnd.Int64N(10000))
			l.Days = &d
		}
		if rnd.IntN(3) == 0 {
			h := kabinet.Decimal(-rnd.Int64N(10000))
			l.Hours = &h
		}
		if rnd.IntN(3) == 0 {
			l.Period = "2026-0" + fmt.Sprint(1+rnd.IntN(9))
		}
		lines = append(lines, l)
	}
	b, err := json.Marshal(lines)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// BenchmarkDecodeLines decodes the lines of one payslip of 30 lines.
func BenchmarkDecodeLines(b *testing.B) {
	var lines []kabinet.PayslipLine
	for i := range 30 {
		lines = append(lines, kabinet.PayslipLine{Section: kabinet.SectionAccrual, Title: fmt.Sprintf("Начисление %d", i),
			Amount: kabinet.Decimal(100000 + i)})
	}
	text, _ := json.Marshal(lines)
	b.ReportAllocs()
	for range b.N {
		if _, err := storecodec.DecodeLines(string(text)); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzDecodeLines: for any stored text, the decoder and encoding/json agree
// (both fail, or both give the same lines), and the fast path never accepts
// what encoding/json refuses.
func FuzzDecodeLines(f *testing.F) {
	for _, s := range []string{`null`, `[]`, `[{"s":"accrual","c":"010","t":"Оклад","a":-5,"d":2100,"h":16800,"p":"2026-09"}]`,
		`[{"s":"accrual","t":"a \"q\" \u003c","a":1,"d":null}]`, `[{"S":"x","a":1.5}]`, `[{"s":"accrual","t":"dup","a":1,"a":2}]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		got, gotErr := storecodec.DecodeLines(text)
		var want []kabinet.PayslipLine
		wantErr := json.Unmarshal([]byte(text), &want)
		if (gotErr != nil) != (wantErr != nil) {
			t.Fatalf("decode %q: got error %v, want %v", text, gotErr, wantErr)
		}
		if wantErr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("decode %q:\ngot  %#v\nwant %#v", text, got, want)
		}
	})
}
