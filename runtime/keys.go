package runtime

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/resultgen/resultgen/internal/rules"
	"github.com/resultgen/resultgen/runtime/storage"
)

// KeyValue escapes one value substituted into a storage-key template so that
// it can never add a path separator, a NUL, a "." / ".." segment or a
// reserved segment: one the stores keep (".locks", ".tmp-*", ".index"; see
// storage.ReservedSegments and storage.ValidateKey), RunsPrefix (".runs")
// or TxnPrefix (".txn").
//
// The rules: '%', '/', '\\', every control byte (0x00-0x1f, 0x7f) and every
// byte that is not part of valid UTF-8 are written as %XX (upper-case hex); a value that is exactly "." or ".." is written as
// "%2E" or "%2E%2E", and one that is "." or ".." between white space
// (" .", ".. ", which S3 servers read as "." and "..") has its dots
// written so too (" %2E"); a value that starts with a reserved name (".tmp-",
// ".locks", ".index", ".runs", ".txn"), or could begin one with what follows it in
// the template (".", ".t", ".loc", ".r", ...),
// has its leading "." written as "%2E", so ".locks" gives "%2Elocks" and
// ".tmp-x" gives "%2Etmp-x". Every other byte is kept, so ordinary values
// ("world", "2026-01-02", "my-flow", ".env") read as themselves. Because '%'
// itself is escaped, the mapping is injective: two different values never
// give the same text.
func KeyValue(s string) string {
	switch s {
	case ".":
		return "%2E"
	case "..":
		return "%2E%2E"
	}
	if t := strings.TrimSpace(s); t != s && (t == "." || t == "..") {
		// White space and dots only: the space escaped as anywhere (a
		// control byte) or kept, the dots written %2E ("-" stands in
		// for them, as s holds none).
		return strings.ReplaceAll(KeyValue(strings.ReplaceAll(s, ".", "-")), "-", "%2E")
	}
	if reservedStart(s) {
		return "%2E" + KeyValue(s[1:])
	}
	clean := utf8.ValidString(s)
	for i := 0; clean && i < len(s); i++ {
		clean = !needsEscape(s[i])
	}
	if clean {
		return s
	}
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		c := s[i]
		if r, size := utf8.DecodeRuneInString(s[i:]); r != utf8.RuneError || size > 1 {
			if !needsEscape(c) {
				b.WriteString(s[i : i+size])
				i += size
				continue
			}
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
		i++
	}
	return b.String()
}

// reservedNames are the segment names (or name prefixes) kept from users'
// keys: the stores' own (lock files, temporary files, the task index) and
// the records of named flow runs (RunsPrefix) and the markers of
// transactions (TxnPrefix).
var reservedNames = append(storage.ReservedSegments(), RunsPrefix, TxnPrefix)

// reservedStart reports whether s, starting a key segment, makes or could
// begin (with text after it) a reserved segment name.
func reservedStart(s string) bool {
	for _, r := range reservedNames {
		if strings.HasPrefix(s, r) || strings.HasPrefix(r, s) && s != "" {
			return true
		}
	}
	return false
}

func needsEscape(c byte) bool {
	return c == '%' || c == '/' || c == '\\' || c < 0x20 || c == 0x7f
}

// parsePolicy parses a Config's cache_policy with the directives' own
// parser; "" is the default policy.
func parsePolicy(s string) (rules.Policy, error) {
	if s == "" {
		return rules.DefaultPolicy(), nil
	}
	p, err := rules.ParsePolicy(s)
	if err != nil {
		return p, fmt.Errorf("cache_policy %q: %w", s, err)
	}
	return p, nil
}
