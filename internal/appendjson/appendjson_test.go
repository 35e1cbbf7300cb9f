package appendjson

import (
	"encoding/json"
	"strings"
	"testing"
)

// escapes holds what encoding/json escapes or replaces in a string
// (quotes, backslashes, control characters, HTML's < > &, U+2028 and
// U+2029, invalid UTF-8) and what it does not (DEL, multi-byte runes, a
// rune outside the BMP).
const escapes = "a\"b\\c\x00\x01\x1f\b\f\n\r\t<x>&y\u2028z\u2029\x7f\x80\xc3\xc0\xaf\xed\xa0\x80\xff日本🙂é"

func checkString(t *testing.T, s string) {
	t.Helper()
	want, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if got := String([]byte("prefix"), s); string(got) != "prefix"+string(want) {
		t.Fatalf("String(%q) = %q, want %q", s, got[len("prefix"):], want)
	}
}

// TestStringAsEncodingJSON checks String against json.Marshal for each
// byte that needs escaping at each offset of a 16-byte string (String
// tests 8 bytes at a time), and for every byte value alone.
func TestStringAsEncodingJSON(t *testing.T) {
	checkString(t, "")
	checkString(t, escapes)
	for c := range 256 {
		checkString(t, string([]byte{byte(c)}))
		for at := range 16 {
			b := []byte("abcdefghijklmnop")
			b[at] = byte(c)
			checkString(t, string(b))
		}
	}
}

// TestMapAsEncodingJSON checks Map against json.Marshal: keys sorted by
// their bytes before escaping, keys and values escaped, more keys than
// Map's first buffer holds.
func TestMapAsEncodingJSON(t *testing.T) {
	many := map[string]string{}
	for _, k := range strings.Split("zeta,alpha,Beta,_x,ä,a,aa,a b,9,~,\x7f,\xff,é,e,<,&", ",") {
		many[k] = k + "-value"
	}
	for _, m := range []map[string]string{
		{},
		{"k": ""},
		{escapes: escapes, "&": "\u2028", "\xff": "\xfe"},
		many,
	} {
		want, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if got := Map(nil, m); string(got) != string(want) {
			t.Fatalf("Map(%q) = %q, want %q", m, got, want)
		}
	}
}

func FuzzString(f *testing.F) {
	f.Add(escapes)
	f.Add("plain ascii, long enough for the 8-byte steps")
	f.Fuzz(func(t *testing.T, s string) { checkString(t, s) })
}
