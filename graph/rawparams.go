package graph

import (
	"encoding/json"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
)

// decodeParamsFast decodes the body of a GraphQL POST into p as
// encoding/json (with UseNumber) would, for the bodies phones send: an
// object of query, operationName, variables and extensions. It reports
// false, leaving p unusable, for anything else (a surrogate escape, invalid
// UTF-8, an unknown or repeated key, trailing bytes, deep nesting, invalid
// JSON), and the caller decodes with encoding/json: the fast path
// never decides an outcome, it only skips the general decoder's reflection
// and second pass over the bytes, which were a tenth of a no-change sync.
func decodeParamsFast(body []byte, p *graphql.RawParams) bool {
	d := fastDecoder{b: body}
	d.space()
	if !d.eat('{') {
		return false
	}
	var seen [4]bool
	d.space()
	if !d.eat('}') {
		for {
			d.space()
			key, ok := d.str()
			if !ok {
				return false
			}
			d.space()
			if !d.eat(':') {
				return false
			}
			d.space()
			var slot int
			switch key {
			case "query":
				slot = 0
			case "operationName":
				slot = 1
			case "variables":
				slot = 2
			case "extensions":
				slot = 3
			default:
				return false // "headers", another case of a name: encoding/json's rules
			}
			if seen[slot] {
				return false
			}
			seen[slot] = true
			switch slot {
			case 0, 1:
				s, isNull, ok := d.strOrNull()
				if !ok {
					return false
				}
				if !isNull {
					if slot == 0 {
						p.Query = s
					} else {
						p.OperationName = s
					}
				}
			case 2, 3:
				m, ok := d.objOrNull(0)
				if !ok {
					return false
				}
				if slot == 2 {
					p.Variables = m
				} else {
					p.Extensions = m
				}
			}
			d.space()
			if d.eat('}') {
				break
			}
			if !d.eat(',') {
				return false
			}
		}
	}
	d.space()
	return d.i == len(d.b)
}

// fastDecoder reads JSON from b at i.
type fastDecoder struct {
	b []byte
	i int
}

// maxFastDepth bounds the nesting the fast path follows; deeper values go
// to encoding/json.
const maxFastDepth = 32

func (d *fastDecoder) space() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *fastDecoder) eat(c byte) bool {
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	return false
}

func (d *fastDecoder) lit(s string) bool {
	if len(d.b)-d.i >= len(s) && string(d.b[d.i:d.i+len(s)]) == s {
		d.i += len(s)
		return true
	}
	return false
}

// str reads a string of valid UTF-8 without control characters (encoding/json
// would replace or refuse those); of escapes, it decodes the short ones and
// \u escapes other than surrogates.
func (d *fastDecoder) str() (string, bool) {
	if !d.eat('"') {
		return "", false
	}
	start := d.i
	ascii := true
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			s := d.b[start:d.i]
			d.i++
			if !ascii && !utf8.Valid(s) {
				return "", false
			}
			return string(s), true
		case c == '\\':
			if !ascii && !utf8.Valid(d.b[start:d.i]) {
				return "", false
			}
			return d.unescape(start)
		case c < 0x20:
			return "", false
		case c >= 0x80:
			ascii = false
		}
		d.i++
	}
	return "", false
}

// unescape finishes a string with escapes; b[start:i] is its plain head.
func (d *fastDecoder) unescape(start int) (string, bool) {
	out := make([]byte, 0, d.i-start+16)
	out = append(out, d.b[start:d.i]...)
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			d.i++
			if !utf8.Valid(out) {
				return "", false
			}
			return string(out), true
		case c < 0x20:
			return "", false
		case c != '\\':
			out = append(out, c)
			d.i++
			continue
		}
		if d.i+1 >= len(d.b) {
			return "", false
		}
		e := d.b[d.i+1]
		d.i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'n':
			out = append(out, '\n')
		case 't':
			out = append(out, '\t')
		case 'r':
			out = append(out, '\r')
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'u':
			if d.i+4 > len(d.b) {
				return "", false
			}
			r, err := strconv.ParseUint(string(d.b[d.i:d.i+4]), 16, 32)
			if err != nil || utf16.IsSurrogate(rune(r)) {
				return "", false // pairs and lone halves: encoding/json's rules
			}
			out = utf8.AppendRune(out, rune(r))
			d.i += 4
		default:
			return "", false
		}
	}
	return "", false
}

func (d *fastDecoder) strOrNull() (s string, isNull, ok bool) {
	if d.lit("null") {
		return "", true, true
	}
	s, ok = d.str()
	return s, false, ok
}

func (d *fastDecoder) objOrNull(depth int) (map[string]any, bool) {
	if d.lit("null") {
		return nil, true
	}
	return d.obj(depth)
}

// obj reads an object; a repeated key keeps the last value, as
// encoding/json does.
func (d *fastDecoder) obj(depth int) (map[string]any, bool) {
	if depth > maxFastDepth || !d.eat('{') {
		return nil, false
	}
	m := map[string]any{}
	d.space()
	if d.eat('}') {
		return m, true
	}
	for {
		d.space()
		k, ok := d.str()
		if !ok {
			return nil, false
		}
		d.space()
		if !d.eat(':') {
			return nil, false
		}
		d.space()
		v, ok := d.value(depth + 1)
		if !ok {
			return nil, false
		}
		m[k] = v
		d.space()
		if d.eat('}') {
			return m, true
		}
		if !d.eat(',') {
			return nil, false
		}
	}
}

func (d *fastDecoder) value(depth int) (any, bool) {
	if d.i >= len(d.b) {
		return nil, false
	}
	switch c := d.b[d.i]; {
	case c == '"':
		return d.str()
	case c == '{':
		return d.obj(depth)
	case c == '[':
		return d.arr(depth)
	case c == 't' && d.lit("true"):
		return true, true
	case c == 'f' && d.lit("false"):
		return false, true
	case c == 'n' && d.lit("null"):
		return nil, true
	case c == '-' || c >= '0' && c <= '9':
		return d.num()
	}
	return nil, false
}

func (d *fastDecoder) arr(depth int) ([]any, bool) {
	if depth > maxFastDepth || !d.eat('[') {
		return nil, false
	}
	a := []any{}
	d.space()
	if d.eat(']') {
		return a, true
	}
	for {
		d.space()
		v, ok := d.value(depth + 1)
		if !ok {
			return nil, false
		}
		a = append(a, v)
		d.space()
		if d.eat(']') {
			return a, true
		}
		if !d.eat(',') {
			return nil, false
		}
	}
}

// num reads a number in JSON's grammar as a json.Number (UseNumber).
func (d *fastDecoder) num() (json.Number, bool) {
	start := d.i
	d.eat('-')
	digits := func() int {
		n := 0
		for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
			d.i++
			n++
		}
		return n
	}
	if d.eat('0') {
		// no more integer digits after a leading zero
	} else if digits() == 0 {
		return "", false
	}
	if d.eat('.') && digits() == 0 {
		return "", false
	}
	if d.eat('e') || d.eat('E') {
		if !d.eat('+') {
			d.eat('-')
		}
		if digits() == 0 {
			return "", false
		}
	}
	return json.Number(d.b[start:d.i]), true
}
