package storage

import "github.com/resultgen/resultgen/internal/rules"

// The key rules of the package doc are part of resultgen's vocabulary,
// which lives in internal/plan so that the generator checks keys by the
// same rules without linking a store; these are their names here.

// Key limits and the key segments the stores keep for themselves.
const (
	// MaxKeyLen is the longest key in bytes.
	MaxKeyLen = rules.MaxKeyLen
	// MaxSegmentLen is the longest key segment (the text between
	// slashes) in bytes: the longest file name of common file systems.
	MaxSegmentLen = rules.MaxSegmentLen
	// IndexDir is the first key segment reserved for the runtime's
	// per-task index objects (see IndexKey).
	IndexDir = rules.IndexDir
	// UploadsDir is the first key segment reserved for the markers of
	// multipart uploads in progress (the S3 backend writes one before each
	// multipart upload and removes it once the upload is completed or
	// aborted).
	UploadsDir = rules.UploadsDir

	tmpPrefix = rules.TmpPrefix
	lockDir   = rules.LockDir
)

// ValidateKey reports whether key follows the key rules of the package doc;
// the error wraps ErrInvalidKey and says which rule the key breaks.
func ValidateKey(key string) error { return rules.ValidateKey(key) }

// ValidatePrefix reports whether prefix is a valid List prefix: "" or a key
// whose last segment may be incomplete or empty.
func ValidatePrefix(prefix string) error { return rules.ValidatePrefix(prefix) }

// ValidateObjectKey is the rule backends apply to Put, Get, Stat and
// Delete: ValidateKey, or an index key (IndexKey) whose name is a valid key.
func ValidateObjectKey(key string) error { return rules.ValidateObjectKey(key) }

// ReservedSegments returns the key segment names the stores keep for
// themselves (".locks", ".index" and ".uploads" as a key's first segment)
// and the prefix of the names they keep in any segment (".tmp-").
// ValidateKey refuses keys that use them; a value substituted into a key
// must be escaped so that it never makes or begins one.
func ReservedSegments() []string { return rules.ReservedSegments() }

// IndexKey is the key of the index object called name (a hex digest):
// ".index/NAME". Backends store it like any object; ValidateKey refuses it
// as a record key, and List does not yield it.
func IndexKey(name string) string { return rules.IndexKey(name) }

// IsIndexKey reports whether key is under IndexDir.
func IsIndexKey(key string) bool { return rules.IsIndexKey(key) }

// Redacted is what Redact shows in place of credentials and query strings.
const Redacted = rules.Redacted

// Redact is the one redaction rule for values that may carry a secret:
// storage specs, block URLs, S3 endpoints, settings values. Every error,
// log line and CLI output that quotes such a value passes it through Redact
// first: "s3://KEY:SECRET@bucket/p" reads "s3://***@bucket/p", and a URL's
// query goes ("https://h/o?***"); local paths are returned unchanged.
func Redact(v string) string { return rules.Redact(v) }

// MaxShownKey is the longest key ShortKey shows whole, in bytes.
const MaxShownKey = rules.MaxShownKey

// ShortKey returns key as messages show it: whole up to MaxShownKey bytes,
// else its first bytes, "...", its length and a hash of the whole key.
func ShortKey(key string) string { return rules.ShortKey(key) }
