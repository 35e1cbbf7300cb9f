package rules

// The key rules: see the package doc, "Keys". Package runtime/storage
// re-exports them for backends and users (storage.ValidateKey, ...).

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ErrInvalidKey: the key breaks the key rules (storage.ErrInvalidKey).
var ErrInvalidKey = errors.New("invalid key")

// TmpPrefix starts the names of the local store's temporary files, in any
// key segment; LockDir is the first key segment of its lock files.
const (
	TmpPrefix = ".tmp-"
	LockDir   = ".locks"
)

// MaxKeyLen is the longest key in bytes.
const MaxKeyLen = 1024

// MaxSegmentLen is the longest key segment (the text between slashes) in
// bytes: the longest file name of common file systems.
const MaxSegmentLen = 255

// IndexDir is the first key segment reserved for the runtime's per-task
// index objects (see IndexKey).
const IndexDir = ".index"

// UploadsDir is the first key segment reserved for the markers of
// multipart uploads in progress (the S3 backend writes one before each
// multipart upload and removes it once the upload is completed or aborted).
const UploadsDir = ".uploads"

// reservedSegments are the key segments the stores keep for themselves:
// checkPath refuses them, ReservedSegments lists them.
var reservedSegments = [...]struct {
	name     string
	prefix   bool // any segment starting with name
	anywhere bool // in any segment, not only the first
	why      string
}{
	{TmpPrefix, true, true, "segment starts with \".tmp-\", reserved for temporary files"},
	{LockDir, false, false, "\".locks\" is reserved for lock files"},
	{IndexDir, false, false, "\".index\" is reserved for the runtime's task index"},
	{UploadsDir, false, false, "\".uploads\" is reserved for the markers of uploads in progress"},
}

// ReservedSegments returns the key segment names the stores keep for
// themselves (".locks", ".index" and ".uploads" as a key's first segment) and the
// prefix of the names they keep in any segment (".tmp-"). ValidateKey
// refuses keys that use them; a value substituted into a key must be
// escaped so that it never makes or begins one.
func ReservedSegments() []string {
	names := make([]string, len(reservedSegments))
	for i, r := range &reservedSegments {
		names[i] = r.name
	}
	return names
}

// IndexKey is the key of the index object called name (a hex digest):
// ".index/NAME". Backends store it like any object; ValidateKey refuses it
// as a record key, and List does not yield it.
func IndexKey(name string) string { return IndexDir + "/" + name }

// IsIndexKey reports whether key is under IndexDir.
func IsIndexKey(key string) bool { return strings.HasPrefix(key, IndexDir+"/") }

// ValidateObjectKey is the rule backends apply to Put, Get, Stat and
// Delete: ValidateKey, or an index key (IndexKey) whose name is a valid key.
func ValidateObjectKey(key string) error {
	if IsIndexKey(key) {
		if err := ValidateKey(strings.TrimPrefix(key, IndexDir+"/")); err != nil {
			return &keyError{key, "bad index name"}
		}
		return nil
	}
	return ValidateKey(key)
}

// ValidateKey reports whether key follows the key rules of the package doc;
// the error wraps ErrInvalidKey and says which rule the key breaks.
func ValidateKey(key string) error {
	if plainKey(key) {
		return nil
	}
	if key == "" {
		return &keyError{key, "empty key"}
	}
	return checkPath(key, false)
}

// plainKey reports whether key is 1 to MaxSegmentLen lowercase letters and
// digits, as the runtime's cache-policy keys (64 hex digits) are: one
// segment, no dot, no control character, nothing reserved, so valid by
// every rule checkPath applies. Serves P3's local hit, whose read checks
// its key: checkPath was 3% of BenchmarkWrapperHit1KiB/local.
func plainKey(key string) bool {
	if len(key) == 0 || len(key) > MaxSegmentLen {
		return false
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; (c < '0' || c > '9') && (c < 'a' || c > 'z') {
			return false
		}
	}
	return true
}

// ValidatePrefix reports whether prefix is a valid List prefix: "" or a key
// whose last segment may be incomplete or empty.
func ValidatePrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	return checkPath(prefix, true)
}

func checkPath(key string, prefix bool) error {
	if len(key) > MaxKeyLen {
		return &keyError{key, fmt.Sprintf("longer than %d bytes (%d bytes); use shorter values in the key, or a cache_key_fn that hashes long ones", MaxKeyLen, len(key))}
	}
	if !utf8.ValidString(key) {
		return &keyError{key, "not valid UTF-8"}
	}
	for i := 0; i < len(key); i++ {
		switch c := key[i]; {
		case c == 0:
			return &keyError{key, "contains a NUL byte"}
		case c == '\\':
			return &keyError{key, "contains a backslash (use / to separate segments)"}
		case c < 0x20 || c == 0x7f:
			return &keyError{key, fmt.Sprintf("contains control character %#x", c)}
		}
	}
	if strings.HasPrefix(key, "/") {
		return &keyError{key, "absolute path: keys are relative to the store"}
	}
	// Segment by segment, without splitting: keys are checked on every
	// read and write.
	rest := key
	for i := 0; ; i++ {
		seg, after, more := strings.Cut(rest, "/")
		last := !more
		if last && prefix {
			// An incomplete last segment matches any key that starts with
			// it; only the characters above are checked.
			break
		}
		switch {
		case len(seg) > MaxSegmentLen:
			return &keyError{key, fmt.Sprintf("segment %d is longer than %d bytes (%d bytes), the longest file name local storage allows, and a key must be valid in every store; use shorter values in the key, or a cache_key_fn that hashes long ones", i+1, MaxSegmentLen, len(seg))}
		case seg == "" && last:
			return &keyError{key, "ends with a slash"}
		case seg == "":
			return &keyError{key, "empty segment (\"//\")"}
		case seg == ".":
			return &keyError{key, "\".\" segment"}
		case seg == "..":
			return &keyError{key, "\"..\" segment: keys cannot climb out of the store"}
		case dotsInSpace(seg):
			return &keyError{key, fmt.Sprintf("segment %d is %q: \".\" or \"..\" between spaces, which S3 servers (MinIO) read as \".\" or \"..\" and refuse", i+1, seg)}
		}
		for _, r := range &reservedSegments {
			if (i == 0 || r.anywhere) && (seg == r.name || r.prefix && strings.HasPrefix(seg, r.name)) {
				return &keyError{key, r.why}
			}
		}
		if last {
			break
		}
		rest = after
	}
	return nil
}

// dotsInSpace reports whether seg is "." or ".." with white space
// (unicode.IsSpace, as strings.TrimSpace trims) around it: " .", ".. ",
// "\u00a0.". MinIO trims a segment so before it refuses "." and "..".
func dotsInSpace(seg string) bool {
	if len(seg) < 2 || !strings.Contains(seg, ".") {
		return false
	}
	t := strings.TrimSpace(seg)
	return t != seg && (t == "." || t == "..")
}

type keyError struct{ key, why string }

func (e *keyError) Error() string {
	return fmt.Sprintf("storage: invalid key %q: %s", ShortKey(e.key), e.why)
}

func (e *keyError) Unwrap() error { return ErrInvalidKey }

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
