package settings

import (
	"regexp"
	"slices"
	"strings"
)

// Block types.
const (
	BlockS3    = "s3"
	BlockLocal = "local"
)

var blockName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

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

// splitSlug is ParseSlug with a plain error.
func splitSlug(slug string) (typ, name string, err error) {
	typ, name, ok := strings.Cut(slug, "/")
	switch {
	case !ok:
		return "", "", invalid(ErrInvalidSlug, "no '/' between TYPE and NAME")
	case typ != BlockS3 && typ != BlockLocal:
		return "", "", invalid(ErrInvalidSlug, "type %q is not s3 or local", typ)
	case !blockName.MatchString(name):
		return "", "", invalid(ErrInvalidSlug, "name %q is not [a-z0-9][a-z0-9._-]*", name)
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

// Validate checks a block: a valid slug; for s3 an s3:// URL and optional
// endpoint HOST[:PORT] and region; for local a path in URL and no S3 fields.
// Errors are *Error values naming the field at fault.
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
		if b.Endpoint != "" {
			if err := checkEndpoint(b.Endpoint); err != nil {
				return field("endpoint", b.Endpoint, err, "give HOST:PORT such as minio.internal:9000, or leave it out to use AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL or AWS itself")
			}
		}
		if b.Region != "" && !regionName.MatchString(b.Region) {
			return field("region", b.Region, invalid(ErrInvalidValue, "not a region name"), "give a region such as us-east-1")
		}
	case BlockLocal:
		if err := checkPath(b.URL); err != nil {
			return field("path", b.URL, err, "give the block's folder")
		}
		if b.Endpoint != "" || b.Region != "" || b.Insecure {
			return &Error{Name: `blocks."` + b.Slug + `"`, Err: invalid(ErrInvalidValue, "endpoint, region and insecure apply to s3 blocks only"), Fix: "remove them"}
		}
	}
	return nil
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
