package rules

// The storage spec grammar: see the package doc, "Storage specs".

import (
	"fmt"
	"regexp"
	"strings"
)

// Kind is what a spec names.
type StorageKind uint8

const (
	StorageDefault StorageKind = iota // "": the default storage
	StorageLocal                      // local or local:PATH
	StorageMemory                     // memory
	StorageS3                         // s3://BUCKET/PREFIX
	StorageBlock                      // TYPE/NAME
)

// StorageSpec is a parsed storage spec.
type StorageSpec struct {
	Kind StorageKind
	Raw  string
	// Path is local:PATH's PATH ("" for plain local).
	Path string
	// Bucket and Prefix of an S3 spec (Prefix without a trailing "/").
	Bucket, Prefix string
	// BlockType and BlockName of a block slug.
	BlockType, BlockName string
}

// StorageError is a refused spec: what is wrong, and where (a byte offset in the
// spec, for positions in directives). Its message never repeats
// credentials or a query (Redact).
type StorageError struct {
	Spec   string
	Offset int
	Msg    string
}

func (e *StorageError) Error() string {
	return fmt.Sprintf("invalid storage %q: %s", Redact(e.Spec), e.Msg)
}

// StorageWant lists the forms of a storage spec, for messages.
const StorageWant = "want local, local:PATH, memory, s3://BUCKET/PREFIX or a block slug TYPE/NAME such as s3/prod"

const credentialsMsg = "credentials do not belong in a storage spec; S3 credentials come from the standard AWS variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) and files (~/.aws/credentials)"

// ParseStorage parses a storage spec.
func ParseStorage(s string) (StorageSpec, error) {
	fail := func(off int, format string, args ...any) (StorageSpec, error) {
		return StorageSpec{}, &StorageError{Spec: s, Offset: off, Msg: fmt.Sprintf(format, args...)}
	}
	st := StorageSpec{Raw: s}
	switch {
	case s == "":
		st.Kind = StorageDefault
	case s == "local":
		st.Kind = StorageLocal
	case strings.HasPrefix(s, "local:"):
		p := s[len("local:"):]
		if msg := checkLocalPath(p); msg != "" {
			return fail(0, "%s", msg)
		}
		st.Kind, st.Path = StorageLocal, p
	case s == "memory":
		st.Kind = StorageMemory
	case strings.HasPrefix(s, "s3://"):
		bucket, prefix, err := ParseS3URL(s)
		if err != nil {
			return StorageSpec{}, err
		}
		st.Kind, st.Bucket, st.Prefix = StorageS3, bucket, prefix
	case strings.Contains(s, "://"):
		scheme, _, _ := strings.Cut(s, "://")
		return fail(0, "unknown scheme %q: %s", scheme, StorageWant)
	case strings.HasPrefix(s, "s3:"):
		return fail(0, "write s3://BUCKET/PREFIX")
	case strings.Contains(s, "/"):
		typ, name, err := ParseSlug(s)
		if err != nil {
			return StorageSpec{}, err
		}
		st.Kind, st.BlockType, st.BlockName = StorageBlock, typ, name
	default:
		return fail(0, "%s", StorageWant)
	}
	return st, nil
}

func checkLocalPath(p string) string {
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
		return "", "", &StorageError{Spec: s, Msg: "a block slug is TYPE/NAME, such as s3/prod"}
	case !blockTypeRE.MatchString(typ):
		return "", "", &StorageError{Spec: s, Msg: fmt.Sprintf("block type %q must be lowercase letters and digits, with single hyphens between them", typ)}
	case !blockNameRE.MatchString(name):
		return "", "", &StorageError{Spec: s, Offset: len(typ) + 1, Msg: fmt.Sprintf("block name %q must be lowercase letters, digits, '.', '_' and '-', starting with a letter or digit", name)}
	}
	return typ, name, nil
}

// ParseS3URL splits s3://BUCKET[/PREFIX] into the bucket and the prefix
// (without a trailing "/").
func ParseS3URL(s string) (bucket, prefix string, err error) {
	fail := func(off int, format string, args ...any) (string, string, error) {
		return "", "", &StorageError{Spec: s, Offset: off, Msg: fmt.Sprintf(format, args...)}
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
		if err := ValidateKey(prefix); err != nil {
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
