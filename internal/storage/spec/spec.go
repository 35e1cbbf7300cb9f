// Package spec is the one home of the storage spec grammar: the value of a
// storage directive, of runtime.Storage and runtime.OpenStorage, of
// RESULTGEN_DEFAULT_RESULT_STORAGE, and of the CLI's -storage flag. The
// directive parser (which adds positions), the settings, the runtime, the S3
// store and the CLI all parse with it, so a spec valid in one is valid in
// all, and refused everywhere with the same words.
//
// A storage spec is one of:
//
//	""                   the default storage (RESULTGEN_DEFAULT_RESULT_STORAGE, else local)
//	local                the local storage path (RESULTGEN_LOCAL_STORAGE_PATH)
//	local:PATH           a folder; a relative PATH resolves against the working directory
//	memory               an in-memory store, one per engine
//	s3://BUCKET[/PREFIX] an S3 bucket, optionally below a key prefix
//	TYPE/NAME            a storage block: registered in code, or configured (s3/prod)
//
// BUCKET follows the S3 bucket naming rules. PREFIX is a storage key (see
// storage.ValidateKey: no empty, "." or ".." segment, not below .locks/). A
// block TYPE is lowercase letters and digits, with single hyphens between
// them; a NAME is lowercase letters, digits, '.', '_' and '-', starting with
// a letter or digit. Credentials, queries and fragments never belong in a
// spec: S3 credentials come from the standard AWS variables and files.
package spec

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/resultgen/resultgen/runtime/storage"
)

// Kind is what a spec names.
type Kind uint8

const (
	Default Kind = iota // "": the default storage
	Local               // local or local:PATH
	Memory              // memory
	S3                  // s3://BUCKET/PREFIX
	Block               // TYPE/NAME
)

// Storage is a parsed storage spec.
type Storage struct {
	Kind Kind
	Raw  string
	// Path is local:PATH's PATH ("" for plain local).
	Path string
	// Bucket and Prefix of an S3 spec (Prefix without a trailing "/").
	Bucket, Prefix string
	// BlockType and BlockName of a block slug.
	BlockType, BlockName string
}

// Error is a refused spec: what is wrong, and where (a byte offset in the
// spec, for positions in directives). Its message never repeats
// credentials or a query (storage.Redact).
type Error struct {
	Spec   string
	Offset int
	Msg    string
}

func (e *Error) Error() string {
	return fmt.Sprintf("invalid storage %q: %s", storage.Redact(e.Spec), e.Msg)
}

// Want lists the forms of a storage spec, for messages.
const Want = "want local, local:PATH, memory, s3://BUCKET/PREFIX or a block slug TYPE/NAME such as s3/prod"

const credentialsMsg = "credentials do not belong in a storage spec; S3 credentials come from the standard AWS variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) and files (~/.aws/credentials)"

// Parse parses a storage spec.
func Parse(s string) (Storage, error) {
	fail := func(off int, format string, args ...any) (Storage, error) {
		return Storage{}, &Error{Spec: s, Offset: off, Msg: fmt.Sprintf(format, args...)}
	}
	st := Storage{Raw: s}
	switch {
	case s == "":
		st.Kind = Default
	case s == "local":
		st.Kind = Local
	case strings.HasPrefix(s, "local:"):
		p := s[len("local:"):]
		if msg := checkPath(p); msg != "" {
			return fail(0, "%s", msg)
		}
		st.Kind, st.Path = Local, p
	case s == "memory":
		st.Kind = Memory
	case strings.HasPrefix(s, "s3://"):
		bucket, prefix, err := ParseS3URL(s)
		if err != nil {
			return Storage{}, err
		}
		st.Kind, st.Bucket, st.Prefix = S3, bucket, prefix
	case strings.Contains(s, "://"):
		scheme, _, _ := strings.Cut(s, "://")
		return fail(0, "unknown scheme %q: %s", scheme, Want)
	case strings.HasPrefix(s, "s3:"):
		return fail(0, "write s3://BUCKET/PREFIX")
	case strings.Contains(s, "/"):
		typ, name, err := ParseSlug(s)
		if err != nil {
			return Storage{}, err
		}
		st.Kind, st.BlockType, st.BlockName = Block, typ, name
	default:
		return fail(0, "%s", Want)
	}
	return st, nil
}

func checkPath(p string) string {
	switch {
	case strings.TrimSpace(p) == "":
		return "local: needs a path, as local:PATH (or write local for the default path)"
	case strings.ContainsRune(p, 0):
		return "the path contains a NUL byte"
	}
	return ""
}

var (
	blockTypeRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	blockNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)
	ipv4RE      = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$`)
)

// ParseSlug splits a block slug TYPE/NAME.
func ParseSlug(s string) (typ, name string, err error) {
	typ, name, ok := strings.Cut(s, "/")
	switch {
	case !ok:
		return "", "", &Error{Spec: s, Msg: "a block slug is TYPE/NAME, such as s3/prod"}
	case !blockTypeRE.MatchString(typ):
		return "", "", &Error{Spec: s, Msg: fmt.Sprintf("block type %q must be lowercase letters and digits, with single hyphens between them", typ)}
	case !blockNameRE.MatchString(name):
		return "", "", &Error{Spec: s, Offset: len(typ) + 1, Msg: fmt.Sprintf("block name %q must be lowercase letters, digits, '.', '_' and '-', starting with a letter or digit", name)}
	}
	return typ, name, nil
}

// ParseS3URL splits s3://BUCKET[/PREFIX] into the bucket and the prefix
// (without a trailing "/").
func ParseS3URL(s string) (bucket, prefix string, err error) {
	fail := func(off int, format string, args ...any) (string, string, error) {
		return "", "", &Error{Spec: s, Offset: off, Msg: fmt.Sprintf(format, args...)}
	}
	const n = len("s3://")
	rest, ok := strings.CutPrefix(s, "s3://")
	if !ok {
		return fail(0, "an S3 URL starts with s3://")
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	if at := strings.LastIndex(s, "@"); at >= 0 && at < n+len(bucket) {
		return fail(n, "%s", credentialsMsg)
	}
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		return fail(i, "an S3 URL has no query or fragment")
	}
	if off, msg := checkBucket(bucket); msg != "" {
		return fail(n+off, "%s", msg)
	}
	prefix = strings.TrimSuffix(prefix, "/")
	if prefix != "" {
		if err := storage.ValidateKey(prefix); err != nil {
			return fail(n+len(bucket)+1, "prefix: %v", err)
		}
	}
	return bucket, prefix, nil
}

// checkBucket applies the S3 bucket naming rules. It returns the offset in
// name and a message, or "" when the name is valid.
func checkBucket(name string) (int, string) {
	switch {
	case name == "":
		return 0, "missing bucket name"
	case len(name) < 3 || len(name) > 63:
		return 0, fmt.Sprintf("bucket name %q must be 3 to 63 characters long", name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '-') {
			return i, fmt.Sprintf("bucket name %q may hold only lowercase letters, digits, '.' and '-'", name)
		}
	}
	if !isAlnum(name[0]) || !isAlnum(name[len(name)-1]) {
		return 0, fmt.Sprintf("bucket name %q must start and end with a letter or digit", name)
	}
	for _, bad := range []string{"..", ".-", "-."} {
		if i := strings.Index(name, bad); i >= 0 {
			return i, fmt.Sprintf("bucket name %q must not hold %q", name, bad)
		}
	}
	if ipv4RE.MatchString(name) {
		return 0, fmt.Sprintf("bucket name %q must not look like an IP address", name)
	}
	for _, p := range []string{"xn--", "sthree-"} {
		if strings.HasPrefix(name, p) {
			return 0, fmt.Sprintf("bucket name %q must not start with %q", name, p)
		}
	}
	for _, s := range []string{"-s3alias", "--ol-s3"} {
		if strings.HasSuffix(name, s) {
			return len(name) - len(s), fmt.Sprintf("bucket name %q must not end with %q", name, s)
		}
	}
	return 0, ""
}

func isAlnum(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }
