package runtime_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/storage"
)

func TestKeyValue(t *testing.T) {
	tests := []struct{ in, want string }{
		{"world", "world"},
		{"2026-01-02 q1", "2026-01-02 q1"},
		{"a/b", "a%2Fb"},
		{`a\b`, "a%5Cb"},
		{"100%", "100%25"},
		{".", "%2E"},
		{"..", "%2E%2E"},
		{"...", "..."},
		{" .", " %2E"},
		{".. ", "%2E%2E "},
		{"\t.\u00a0", "%09%2E\u00a0"},
		{" .x", " .x"},
		{"a\x00b\n", "a%00b%0A"},
		{"a\xffb", "a%FFb"},    // not UTF-8: escaped, so the key is valid
		{"é\xc3", "é%C3"},      // a cut-off rune
		{"\xe2\x82", "%E2%82"}, // half a euro sign
		{"../x", "..%2Fx"},
		{".locks", "%2Elocks"},
		{".locks-old", "%2Elocks-old"},
		{".tmp-foo", "%2Etmp-foo"},
		{".tmp", "%2Etmp"},
		{".t", "%2Et"},
		{".tmp-a/b", "%2Etmp-a%2Fb"},
		{".env", ".env"},
		{".lockfile", ".lockfile"},
		{"x.tmp-foo", "x.tmp-foo"},
		{".runs", "%2Eruns"},
		{".runs/x", "%2Eruns%2Fx"},
		{".r", "%2Er"},
		{".index", "%2Eindex"},
		{".uploads", "%2Euploads"},
	}
	for _, tt := range tests {
		if got := runtime.KeyValue(tt.in); got != tt.want {
			t.Errorf("KeyValue(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// unescape inverts KeyValue; its existence proves KeyValue injective.
func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			var c byte
			for _, h := range s[i+1 : i+3] {
				c <<= 4
				switch {
				case h >= '0' && h <= '9':
					c |= byte(h - '0')
				default:
					c |= byte(h-'A') + 10
				}
			}
			b.WriteByte(c)
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func FuzzKeyValue(f *testing.F) {
	for _, s := range []string{"", ".", "..", "a/b", `\`, "%", "%2E", "x\x00", "..%2F", "é/ü", ".locks", ".tmp-x", ".l", ".runs", ".index", " .", ".. "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k := runtime.KeyValue(s)
		if strings.ContainsAny(k, "/\\\x00") || k == "." || k == ".." {
			t.Fatalf("KeyValue(%q) = %q: separator, NUL or dot segment", s, k)
		}
		for i := 0; i < len(k); i++ {
			if k[i] < 0x20 || k[i] == 0x7f {
				t.Fatalf("KeyValue(%q) = %q: control byte", s, k)
			}
		}
		// Whatever follows k in a template, a segment starting with k is
		// never one the stores reserve.
		for _, r := range []string{".locks", ".tmp-", ".index", runtime.RunsPrefix} {
			if k != "" && (strings.HasPrefix(k, r) || strings.HasPrefix(r, k)) {
				t.Fatalf("KeyValue(%q) = %q: can start reserved segment %q", s, k, r)
			}
		}
		if !utf8.ValidString(k) {
			t.Fatalf("KeyValue(%q) = %q: not valid UTF-8", s, k)
		}
		if err := storage.ValidateKey("a/" + k + "/b"); k != "" && len(k) <= 255 && err != nil {
			t.Fatalf("KeyValue(%q) = %q: %v", s, k, err)
		}
		if got := unescape(k); got != s {
			t.Fatalf("unescape(KeyValue(%q)) = %q", s, got)
		}
	})
}
