package graph

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

// stdParams decodes as jsonPOST's general path does.
func stdParams(body []byte) (*graphql.RawParams, error) {
	p := &graphql.RawParams{}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	return p, dec.Decode(p)
}

// checkFastParams fails if the fast decoder accepts body and decodes it
// differently from encoding/json, or accepts what encoding/json refuses.
func checkFastParams(t *testing.T, body []byte) bool {
	fast := &graphql.RawParams{}
	if !decodeParamsFast(body, fast) {
		return false
	}
	std, err := stdParams(body)
	if err != nil {
		t.Fatalf("%q: the fast path accepted what encoding/json refuses (%v)", body, err)
	}
	if !reflect.DeepEqual(fast, std) {
		t.Fatalf("%q: fast %#v, encoding/json %#v", body, fast, std)
	}
	return true
}

// TestDecodeParamsFast: the phones' bodies take the fast path and decode as
// encoding/json does; everything else is left to encoding/json.
func TestDecodeParamsFast(t *testing.T) {
	for _, body := range []string{
		`{"query":"query($c: String, $l: Int) { sync(cursor: $c, limit: $l) { cursor } }","variables":{"c":"AQGk-_x","l":500}}`,
		`{"variables":{"c":null},"extensions":{"persistedQuery":{"version":1,"sha256Hash":"ab12"}}}`,
		` { "query" : "{ a }" , "operationName" : null , "variables" : null } `,
		`{"query":"{ a }","variables":{"n":-0.5e+3,"m":0,"big":12345678901234567890,"a":[1,"x",true,false,null,{"k":[]}],"e":{},"dup":1,"dup":2}}`,
		`{"query":"Зарплата é"}`,
		`{"query":"query {\n\tsync { cursor }\r\n}","variables":{"s":"a\"b\\c\/d\b\f\u00e9\u0416\u20ac x"}}`,
		`{"query":"a\"b\u0001"}`,
		`{}`,
	} {
		if !checkFastParams(t, []byte(body)) {
			t.Errorf("%s: not taken by the fast path", body)
		}
	}
	for _, body := range []string{
		"{\"query\":\"\xff\"}",              // invalid UTF-8 (encoding/json replaces it)
		`{"Query":"{ a }"}`,                 // matched case-insensitively by encoding/json
		`{"headers":{}}`,                    // another field of RawParams
		`{"query":"{ a }","query":"{ b }"}`, // repeated
		`{"variables":{"a":1},"variables":{"b":2}}`,
		`{"query":"{ a }"} trailing`, // encoding/json's Decoder ignores it
		`{"query":1}`, `{"variables":[]}`, `{"variables":{"a":01}}`, `{"variables":{"a":-}}`, `{"variables":{"a":1.}}`,
		`{"variables":{"a":1e}}`, `{"query":"x"`, `{"query" "x"}`, `{,}`, `[]`, ``, `null`,
	} {
		if checkFastParams(t, []byte(body)) {
			t.Errorf("%s: taken by the fast path, want encoding/json", body)
		}
	}
}

// FuzzDecodeParamsFast: whatever the body, the fast path either declines
// or agrees with encoding/json.
func FuzzDecodeParamsFast(f *testing.F) {
	for _, s := range []string{`{"query":"{ a }","variables":{"c":"x","l":500}}`, `{"variables":{"a":[1,{"b":null}],"n":-1.5E-2}}`, `{"query":null}`, `{"query":"é"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkFastParams(t, body) })
}

// BenchmarkDecodeParams compares the fast path with encoding/json on a
// phone's no-change sync body.
func BenchmarkDecodeParams(b *testing.B) {
	body := []byte(`{"query":"query($c: String, $l: Int) { sync(cursor: $c, limit: $l) { payslips { id period viewedAt } deleted { type id } cursor hasMore } }","variables":{"c":"AQEAwLsB3n2mX5Vb0dKqXQ2h3g","l":500}}`)
	b.Run("Fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !decodeParamsFast(body, &graphql.RawParams{}) {
				b.Fatal("declined")
			}
		}
	})
	b.Run("EncodingJSON", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := stdParams(body); err != nil {
				b.Fatal(err)
			}
		}
	})
}
