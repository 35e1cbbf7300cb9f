package settings

import (
	"regexp"
	"slices"
	"strings"

	"github.com/resultgen/resultgen/internal/rules"
)

// Block types.
const (
	BlockS3    = "s3"
	BlockLocal = "local"
)

var regionName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// ParseSlug splits a block slug "TYPE/NAME", where TYPE is s3 or local and
// NAME matches [a-z0-9][a-z0-9._-]*. Errors are *Error values wrapping
// ErrInvalidSlug.
func ParseSlug(slug string) (typ, name string, err error) {
	typ, name, err = splitSlug(slug)
	if err != nil {
		return "", "", &Error{Name: slug, Err: err, Fix: slugFix}
	}
	return typ, name, nil
}

const slugFix = "a block slug is TYPE/NAME with TYPE s3 or local and NAME of a-z, 0-9, '.', '_', '-', such as s3/prod"

// splitSlug is ParseSlug with a plain error: the slug grammar of package
// spec, and a type a configured block can have (s3 or local; blocks
// registered in code may have others).
func splitSlug(slug string) (typ, name string, err error) {
	typ, name, err = rules.ParseSlug(slug)
	switch {
	case err != nil:
		return "", "", invalid(ErrInvalidSlug, "%s", err.(*rules.StorageError).Msg)
	case typ != BlockS3 && typ != BlockLocal:
		return "", "", invalid(ErrInvalidSlug, "type %q is not s3 or local", typ)
	}
	return typ, name, nil
}

// Type returns the block's type, "s3" or "local" ("" when the slug is bad).
func (b Block) Type() string {
	t, _, err := ParseSlug(b.Slug)
	if err != nil {
		return ""
	}
	return t
}

// Name returns the NAME part of the slug ("" when the slug is bad).
func (b Block) Name() string {
	_, n, err := ParseSlug(b.Slug)
	if err != nil {
		return ""
	}
	return n
}

// Validate checks a block: a valid slug; for s3 an s3:// URL, an optional
// endpoint (see CheckEndpoint) and region; for local a path in URL and no
// S3 fields. Errors are *Error values naming the field at fault.
func (b Block) Validate() error {
	typ, _, err := ParseSlug(b.Slug)
	if err != nil {
		return err
	}
	field := func(f, v string, err error, fix string) error {
		return &Error{Name: `blocks."` + b.Slug + `".` + f, Value: v, HasValue: true, Err: err, Fix: fix}
	}
	switch typ {
	case BlockS3:
		if err := CheckS3URL(b.URL); err != nil {
			return field("url", b.URL, err, "give the bucket and prefix as s3://BUCKET/PREFIX")
		}
		if err := b.CheckEndpoint(false); err != nil {
			return err
		}
		if b.Region != "" && !regionName.MatchString(b.Region) {
			return field("region", b.Region, invalid(ErrInvalidValue, "not a region name"), "give a region such as us-east-1")
		}
		if err := CheckSSE(b.SSE); err != nil {
			return field("sse", b.SSE, err, sseFix)
		}
	case BlockLocal:
		if err := checkPath(b.URL); err != nil {
			return field("path", b.URL, err, "give the block's folder")
		}
		if b.Endpoint != "" || b.Region != "" || b.Insecure || b.SSE != "" {
			return &Error{Name: `blocks."` + b.Slug + `"`, Err: invalid(ErrInvalidValue, "endpoint, region, insecure and sse apply to s3 blocks only"), Fix: "remove them"}
		}
	}
	return nil
}

// endpointFix tells how to write a block's endpoint.
const endpointFix = "give HOST:PORT, http://HOST:PORT (plain HTTP) or https://HOST:PORT (TLS), such as http://minio.internal:9000, or leave it out to use AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL or AWS itself"

// CheckEndpoint checks the endpoint of an s3 block together with its
// insecure setting (see the package function CheckEndpoint); insecureSet
// tells an insecure = false written out (in config.toml, or as
// -insecure=false) from one left out, which Block cannot. A block without
// an endpoint passes. The error is an *Error naming the endpoint field, its
// value shown with any credentials redacted.
func (b Block) CheckEndpoint(insecureSet bool) error {
	if b.Endpoint == "" {
		return nil
	}
	if err := CheckEndpoint(b.Endpoint, b.Insecure, insecureSet); err != nil {
		return &Error{Name: `blocks."` + b.Slug + `".endpoint`, Value: rules.Redact(b.Endpoint), HasValue: true, Err: err, Fix: endpointFix}
	}
	return nil
}

// PlainHTTP reports whether an s3 block's own endpoint is reached over
// plain HTTP: an http:// endpoint, or a bare one with Insecure. It is
// Insecure for a block without a valid endpoint.
func (b Block) PlainHTTP() bool {
	ep, err := rules.ParseEndpoint(b.Endpoint)
	if err != nil {
		return b.Insecure
	}
	plain, _ := ep.PlainHTTP(b.Insecure, b.Insecure)
	return plain
}

// unknownBlock is the error for a slug that names no block in known.
func unknownBlock(slug string, known []string) error {
	fix := "no blocks are configured; create one with: resultgen block create " + slug + " ..."
	if len(known) > 0 {
		slices.Sort(known)
		fix = "known blocks: " + strings.Join(known, ", ")
	}
	return &Error{Name: slug, Err: ErrUnknownBlock, Fix: fix}
}

// sseFix tells how to write a block's sse.
const sseFix = `write "s3" (SSE-S3), "kms" (SSE-KMS with the server's default key), "kms:KEYID" or "c" (SSE-C, the key in RESULTGEN_SSE_C_KEY or RESULTGEN_SSE_C_KEY_FILE)`

// CheckSSE checks an s3 block's sse: "", "s3", "kms", "kms:KEYID" (a key
// id of printable ASCII without spaces) or "c" (SSE-C, whose customer key
// comes from the environment only: see s3.ParseSSE).
func CheckSSE(sse string) error {
	switch id, isKMS := strings.CutPrefix(sse, "kms:"); {
	case sse == "", sse == "s3", sse == "kms", sse == "c":
		return nil
	case isKMS && id != "" && !strings.ContainsFunc(id, func(r rune) bool { return r <= ' ' || r > '~' }):
		return nil
	}
	return invalid(ErrInvalidValue, "not a server-side encryption")
}
