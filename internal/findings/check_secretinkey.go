package findings

import (
	"go/token"
	"strings"
	"unicode"

	"github.com/resultgen/resultgen/review/report"
)

// checkSecretInKey finds, in a task's storage-key template, a parameter
// or field whose name looks secret (check secret-in-key, a warning at the
// name in the template): keys are stored in plain text in object names.
// See secretLooking for the words.
func (e *engine) checkSecretInKey(f *fn) {
	d, u := f.d, f.u
	if d.StorageKey == nil || !f.isTask() || f.obj == nil {
		return
	}
	for _, part := range d.StorageKey.Parts {
		ref := part.Ref
		if ref == nil || ref.Root != "parameters" {
			continue
		}
		words := []string{ref.Name}
		words = append(words, ref.Fields...)
		for i, w := range words {
			if !secretLooking(w) {
				continue
			}
			pos := ref.NamePos
			if i > 0 && i-1 < len(ref.FieldPos) {
				pos = ref.FieldPos[i-1]
			}
			if pos == token.NoPos {
				pos = d.StorageKey.Pos
			}
			e.report(u, pos, report.Warning, report.CheckSecretInKey, f,
				"hash it in a cache_key_fn, or key on a non-secret parameter",
				"%s: storage_key uses {%s}: %q looks secret, and keys are stored in plain text in object names", f.label(), ref.String(), w)
		}
	}
}

var secretWords = map[string]bool{"password": true, "passwd": true, "token": true, "secret": true, "apikey": true, "key": true}

// secretLooking reports whether an identifier has a secret-looking word:
// password, passwd, token, secret, apikey, api_key or key as a whole word
// part (apiKey, dbPassword, API_TOKEN; not keyboard or monkey).
func secretLooking(name string) bool {
	words := splitWords(name)
	for i, w := range words {
		if secretWords[w] || i > 0 && words[i-1]+w == "apikey" {
			return true
		}
	}
	return false
}

// splitWords splits an identifier at underscores, digits and case changes,
// lowering each part: dbPassword -> db password, APIKey -> api key.
func splitWords(s string) []string {
	var words []string
	rs := []rune(s)
	start := 0
	flush := func(end int) {
		if end > start {
			words = append(words, strings.ToLower(string(rs[start:end])))
		}
		start = end
	}
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == '_' || unicode.IsDigit(r):
			flush(i)
			start = i + 1
		case unicode.IsUpper(r) && i > start:
			prevLower := unicode.IsLower(rs[i-1])
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if prevLower || (unicode.IsUpper(rs[i-1]) && nextLower) {
				flush(i)
			}
		}
	}
	flush(len(rs))
	return words
}
