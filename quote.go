package kabinet

import (
	"strconv"
	"unicode/utf8"
)

// QuoteLimit is how many bytes of a client's value, once quoted, an error
// message shows: enough to recognise the value, never a whole payload
// echoed back.
const QuoteLimit = 40

// Quote returns s quoted (as strconv.Quote does) for an error message, cut
// after QuoteLimit bytes of quoted text with "…" when longer.
func Quote(s string) string {
	b := []byte{'"'}
	for i := 0; i < len(s); {
		_, size := utf8.DecodeRuneInString(s[i:])
		q := strconv.Quote(s[i : i+size])
		if len(b)-1+len(q)-2 > QuoteLimit {
			return string(append(b, `…"`...))
		}
		b = append(b, q[1:len(q)-1]...)
		i += size
	}
	return string(append(b, '"'))
}

// Clip cuts a message to at most max bytes (on a character boundary), ending
// it with "…" when it was longer.
func Clip(msg string, max int) string {
	if len(msg) <= max {
		return msg
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	return msg[:cut] + "…"
}
