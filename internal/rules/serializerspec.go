package rules

// A serializer's stored description (runtime/serializer re-exports it as
// serializer.Spec).

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// ErrUnknownSerializer is wrapped by the errors for a serializer or
// compression name that is neither built in nor registered
// (serializer.ErrUnknown).
var ErrUnknownSerializer = errors.New("unknown serializer")

// SerializerSpec is the stored description of a serializer: enough to rebuild it.
type SerializerSpec struct {
	// Type is the serializer's name: "msgpack", "json", "gob" or a registered
	// custom name.
	Type string `json:"type"`
	// Compression is "" (none), "zstd", "gzip" or "zlib".
	Compression string `json:"compression,omitempty"`
	// Options are serializer-specific settings.
	Options map[string]string `json:"options,omitempty"`
}

// String renders the spec in one line, the form used in logs, object
// metadata and `resultgen results`:
//
//	msgpack
//	compressed/json+gzip
//	mytype?level=3&mode=fast
//
// An uncompressed spec is its Type; a compressed one is
// "compressed/<type>+<compression>"; options follow "?" as a URL query with
// sorted keys. ParseSerializerSpec is the inverse.
func (s SerializerSpec) String() string {
	var b strings.Builder
	if s.Compression != "" {
		b.WriteString(CompressedPrefix)
		b.WriteString(s.Type)
		b.WriteByte('+')
		b.WriteString(s.Compression)
	} else {
		b.WriteString(s.Type)
	}
	if len(s.Options) > 0 {
		q := url.Values{}
		for k, v := range s.Options {
			q.Set(k, v)
		}
		b.WriteByte('?')
		b.WriteString(q.Encode()) // Encode sorts by key
	}
	return b.String()
}

// Equal reports whether two specs describe the same serializer. A nil and an
// empty Options map are equal.
func (s SerializerSpec) Equal(o SerializerSpec) bool {
	return s.Type == o.Type && s.Compression == o.Compression && maps.Equal(s.Options, o.Options)
}

// ParseSerializerSpec parses the output of Spec.String. It checks the syntax and the
// compression name, not whether the type is registered (New does).
func ParseSerializerSpec(str string) (SerializerSpec, error) {
	var spec SerializerSpec
	body, query, hasQuery := strings.Cut(str, "?")
	if hasQuery {
		q, err := url.ParseQuery(query)
		if err != nil {
			return SerializerSpec{}, fmt.Errorf("serializer spec %q: options: %w", str, err)
		}
		spec.Options = make(map[string]string, len(q))
		for k, v := range q {
			if len(v) != 1 {
				return SerializerSpec{}, fmt.Errorf("serializer spec %q: option %q given %d times", str, k, len(v))
			}
			spec.Options[k] = v[0]
		}
	}
	if rest, ok := strings.CutPrefix(body, CompressedPrefix); ok {
		typ, comp, ok := strings.Cut(rest, "+")
		if !ok {
			return SerializerSpec{}, fmt.Errorf("serializer spec %q: want compressed/<type>+<compression>", str)
		}
		if !slices.Contains(Compressions(), comp) {
			return SerializerSpec{}, fmt.Errorf("serializer spec %q: %w compression %q (valid: %s)", str, ErrUnknownSerializer, comp, strings.Join(Compressions(), ", "))
		}
		spec.Type, spec.Compression = typ, comp
	} else {
		spec.Type = body
	}
	if err := CheckSerializerType(spec.Type); err != nil {
		return SerializerSpec{}, fmt.Errorf("serializer spec %q: %w", str, err)
	}
	return spec, nil
}

// typeNameRE is the grammar of a serializer type name.
var typeNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// CheckSerializerType reports whether typ may name a serializer: lowercase
// letters, digits, '.', '_' or '-', and not "compressed".
func CheckSerializerType(typ string) error {
	if !typeNameRE.MatchString(typ) || typ == "compressed" {
		return fmt.Errorf("invalid serializer type %q: want lowercase letters, digits, '.', '_' or '-', not \"compressed\"", typ)
	}
	return nil
}
