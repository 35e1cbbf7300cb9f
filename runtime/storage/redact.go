package storage

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Redacted is what Redact shows in place of credentials and query strings.
const Redacted = "***"

// Redact is the one redaction rule for values that may carry a secret:
// storage specs, block URLs, S3 endpoints, settings values. Every error, log
// line and CLI output that quotes such a value passes it through Redact
// first.
//
//   - Userinfo goes: "s3://KEY:SECRET@bucket/p" reads "s3://***@bucket/p",
//     "http://user:pass@host:9000" reads "http://***@host:9000", and a bare
//     "KEY:SECRET@host:9000" reads "***@host:9000". Everything between the
//     scheme and the last "@" goes, since a password may itself hold "/",
//     "?" or "#".
//   - The query (and any fragment after it) of a URL goes:
//     "https://h/o?X-Amz-Signature=abc" reads "https://h/o?***".
//
// Values that are neither, such as local paths ("/data/a@b", "local:x@y"),
// are returned unchanged.
func Redact(v string) string {
	scheme := strings.Index(v, "://")
	if at := strings.LastIndex(v, "@"); at >= 0 && (scheme >= 0 || looksLikeUserinfo(v[:at])) {
		prefix := ""
		if scheme >= 0 && scheme < at {
			prefix = v[:scheme+3]
		}
		v = prefix + Redacted + v[at:]
		scheme = strings.Index(v, "://")
	}
	if scheme >= 0 {
		if q := strings.Index(v[scheme+3:], "?"); q >= 0 {
			v = v[:scheme+3+q+1] + Redacted
		}
	}
	return v
}

// looksLikeUserinfo reports whether s, the text before the last "@" of a
// value without a scheme, is credentials ("KEY:SECRET") rather than part of
// a path or a local storage spec.
func looksLikeUserinfo(s string) bool {
	return s != "" && !strings.ContainsAny(s, `/\`) && !strings.HasPrefix(s, "local:")
}

// MaxShownKey is the longest key ShortKey shows whole, in bytes.
const MaxShownKey = 200

// ShortKey returns key as messages show it: whole up to MaxShownKey bytes,
// else its first bytes, "...", its length and a hash of the whole key, so a
// 5,000-byte key does not fill a log line while two long keys still tell
// apart: "report-xxxx...(5012 bytes, sha256:1f2e3d4c5b6a)".
func ShortKey(key string) string {
	if len(key) <= MaxShownKey {
		return key
	}
	cut := MaxShownKey - 40
	for cut > 0 && !utf8.RuneStart(key[cut]) {
		cut--
	}
	sum := sha256.Sum256([]byte(key))
	return fmt.Sprintf("%s...(%d bytes, sha256:%s)", key[:cut], len(key), hex.EncodeToString(sum[:6]))
}
