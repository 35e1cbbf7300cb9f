package findings

import (
	"strings"
	"testing"
	"unicode"
)

func TestSecretLooking(t *testing.T) {
	cases := map[string]bool{
		"apiKey": true, "api_key": true, "APIKey": true, "apikey": true, "dbPassword": true,
		"passwd": true, "API_TOKEN": true, "clientSecret": true, "key": true, "cacheKey": true,
		"keyboard": false, "monkey": false, "user": false, "tokens": false, "year": false, "": false,
	}
	for name, want := range cases {
		if got := secretLooking(name); got != want {
			t.Errorf("secretLooking(%q) = %v, want %v (words %q)", name, got, want, splitWords(name))
		}
	}
}

// FuzzSplitWords checks that splitting loses no letter and keeps no
// separator.
func FuzzSplitWords(f *testing.F) {
	for _, s := range []string{"apiKey", "HTTPServerToken", "db_password2", "ÄpfelKey", "", "_", "aB9c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		words := splitWords(s)
		var want strings.Builder
		for _, r := range s {
			if r != '_' && !unicode.IsDigit(r) {
				want.WriteString(strings.ToLower(string(r)))
			}
		}
		if got := strings.Join(words, ""); got != want.String() {
			t.Fatalf("splitWords(%q) = %q: letters %q, want %q", s, words, got, want.String())
		}
		for _, w := range words {
			if w == "" {
				t.Fatalf("splitWords(%q) has an empty word: %q", s, words)
			}
		}
	})
}
