// Package storecodec holds what both stores (sqlite/, postgres/) must do the
// same way with column values: payslip lines stored as JSON and decoded on
// the first-sync path, and the fingerprint that decides whether a republished
// record changed. One copy, so that a deployment moved from one store to the
// other (kabinet migrate-store) compares and decodes exactly as before.
package storecodec

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kabinet/kabinet"
)

// Payslip lines are stored as the JSON that encoding/json writes for
// []kabinet.PayslipLine (short keys, see the struct tags). Decoding them is
// most of the time of a first sync (60 payslips of 30 lines), so
// DecodeLines reads the shape json.Marshal writes itself and hands
// anything else - an escaped string, an unknown key, a fraction - to
// encoding/json. Both give the same lines for the same text.

// DecodeLines parses a payslip's stored lines. Strings of the result share
// the memory of text.
func DecodeLines(text string) ([]kabinet.PayslipLine, error) {
	if lines, ok := parseLines(text); ok {
		return lines, nil
	}
	var lines []kabinet.PayslipLine
	if err := json.Unmarshal([]byte(text), &lines); err != nil {
		return nil, err
	}
	return lines, nil
}

// parseLines is the fast path of DecodeLines: ok is false for any text it
// does not fully understand, which encoding/json then decides on.
func parseLines(text string) (lines []kabinet.PayslipLine, ok bool) {
	p := lineParser{s: text}
	p.space()
	if p.literal("null") {
		p.space()
		return nil, p.i == len(p.s)
	}
	if !p.byte('[') {
		return nil, false
	}
	lines = make([]kabinet.PayslipLine, 0, strings.Count(text, "{"))
	p.space()
	if p.byte(']') {
		p.space()
		return lines, p.i == len(p.s)
	}
	for {
		var l kabinet.PayslipLine
		if !p.line(&l) {
			return nil, false
		}
		lines = append(lines, l)
		p.space()
		if p.byte(']') {
			break
		}
		if !p.byte(',') {
			return nil, false
		}
		p.space()
	}
	p.space()
	return lines, p.i == len(p.s)
}

// lineParser reads JSON from s at position i.
type lineParser struct {
	s string
	i int
}

// line reads one {"s":…,"t":…,"a":…} object into l.
func (p *lineParser) line(l *kabinet.PayslipLine) bool {
	if !p.byte('{') {
		return false
	}
	p.space()
	if p.byte('}') {
		return true
	}
	for {
		key, ok := p.str()
		if !ok {
			return false
		}
		p.space()
		if !p.byte(':') {
			return false
		}
		p.space()
		switch key {
		case "s":
			l.Section, ok = p.str()
		case "c":
			l.Code, ok = p.str()
		case "t":
			l.Title, ok = p.str()
		case "p":
			l.Period, ok = p.str()
		case "a":
			l.Amount, ok = p.decimal()
		case "d":
			l.Days, ok = p.optDecimal()
		case "h":
			l.Hours, ok = p.optDecimal()
		default:
			return false
		}
		if !ok {
			return false
		}
		p.space()
		if p.byte('}') {
			return true
		}
		if !p.byte(',') {
			return false
		}
		p.space()
	}
}

// str reads a string without escapes, control characters or invalid UTF-8
// (encoding/json would unescape or repair those).
func (p *lineParser) str() (string, bool) {
	if !p.byte('"') {
		return "", false
	}
	start, ascii := p.i, true
	for ; p.i < len(p.s); p.i++ {
		switch c := p.s[p.i]; {
		case c == '"':
			v := p.s[start:p.i]
			p.i++
			return v, ascii || utf8.ValidString(v)
		case c == '\\' || c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", false
}

// decimal reads an integer number of hundredths, as json.Marshal writes a
// kabinet.Decimal.
func (p *lineParser) decimal() (kabinet.Decimal, bool) {
	start := p.i
	if p.i < len(p.s) && p.s[p.i] == '-' {
		p.i++
	}
	digits := p.i
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
	}
	n := p.i - digits
	if n == 0 || (n > 1 && p.s[digits] == '0') {
		return 0, false
	}
	if p.i < len(p.s) {
		if c := p.s[p.i]; c == '.' || c == 'e' || c == 'E' {
			return 0, false
		}
	}
	v, err := strconv.ParseInt(p.s[start:p.i], 10, 64)
	return kabinet.Decimal(v), err == nil
}

// optDecimal reads a decimal or null.
func (p *lineParser) optDecimal() (*kabinet.Decimal, bool) {
	if p.literal("null") {
		return nil, true
	}
	d, ok := p.decimal()
	if !ok {
		return nil, false
	}
	return &d, true
}

func (p *lineParser) byte(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *lineParser) literal(lit string) bool {
	if strings.HasPrefix(p.s[p.i:], lit) {
		p.i += len(lit)
		return true
	}
	return false
}

func (p *lineParser) space() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}
