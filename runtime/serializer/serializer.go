// Package serializer turns result values into bytes and back.
//
// Built-in serializers are "msgpack" (the default), "json" and "gob"; any of
// them can be wrapped as "compressed/<name>" with zstd (default), gzip or zlib.
// Users bring their own by implementing Serializer and, so that records can
// be decoded later by name, registering a factory with Register.
//
// Every serializer describes itself with a Spec, and every record stores that
// Spec, so a record written under one set of defaults still decodes after the
// defaults change.
//
// # Choosing a serializer
//
// Parse turns the names used by directives and settings into a Spec; New
// turns a Spec (parsed, or read back from a record) into a Serializer:
//
//	spec, err := serializer.Parse("compressed/json", "gzip")
//	s, err := serializer.New(spec)
//
// Msgpack, JSON and Gob return the uncompressed built-ins directly, and
// Compressed wraps any serializer, built-in or not.
//
// The built-ins behave as follows:
//   - msgpack (github.com/vmihailenco/msgpack/v5): structs are maps keyed by
//     field name (or the `msgpack` tag), so adding or reordering fields keeps
//     old records readable; time.Time keeps its instant to the nanosecond
//     (it decodes in the local time zone, as msgpack timestamps carry no
//     zone). Maps are written in Go's map order, so equal values may give
//     different bytes; only json's output is canonical.
//   - json (encoding/json): map keys sorted, HTML characters not escaped;
//     []byte is base64 as encoding/json always does; time.Time keeps instant
//     and offset.
//   - gob (encoding/gob): Go-only, self-describing; interface values need
//     gob.Register. Empty slices and maps decode as nil, as gob always does.
//
// # Compression
//
// Compressed(s, "zstd"|"gzip"|"zlib") streams s's output through the
// compressor; Encode closes the compressor, so the bytes written to w form a
// complete stream. Encoders and decoders are pooled (zstd ones are expensive
// to create): a pooled zstd round trip allocates a small fraction of an
// unpooled one (see BenchmarkZstdPool).
//
// # Custom serializers
//
// Implement Serializer, make Spec return a Spec whose Type is your name, and
// Register a factory that rebuilds it from that Spec (including Options).
// The registry is process-wide; register from an init function.
//
// # Typed use
//
// Codec[T] wraps a Serializer for one Go type, so callers never pass
// pointers or type-assert:
//
//	c := serializer.NewCodec[[]Row](serializer.Msgpack())
//	err := c.Encode(w, rows)
//	rows, err := c.Decode(r)
package serializer

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/resultgen/resultgen/internal/rules"
)

// Spec is the stored description of a serializer: enough to rebuild it
// (Type, Compression and Options). Its String form ("compressed/json+gzip",
// "mytype?level=3") is what records, logs and `resultgen results` show, and
// ParseSpec reads it back.
type Spec = rules.SerializerSpec

// ErrUnknown is wrapped by the errors of Parse, New and ParseSpec for a
// serializer or compression name that is neither built in nor registered.
var ErrUnknown = rules.ErrUnknownSerializer

// ParseSpec parses the output of Spec.String. It checks the syntax and the
// compression name, not whether the type is registered (New does).
func ParseSpec(str string) (Spec, error) { return rules.ParseSerializerSpec(str) }

// Serializer encodes and decodes values. Implementations must be safe for
// concurrent use.
type Serializer interface {
	// Spec describes this serializer for the record it writes.
	Spec() Spec
	// Encode writes v to w.
	Encode(w io.Writer, v any) error
	// Decode reads one value from r into the non-nil pointer v.
	Decode(r io.Reader, v any) error
}

// Names of the built-in serializers and compressions.
const (
	MsgpackName = rules.Msgpack
	JSONName    = rules.JSON
	GobName     = rules.Gob

	// Default is the serializer used when none is chosen.
	Default = rules.DefaultSerializer

	// CompressedPrefix introduces a compressed serializer name:
	// "compressed/json".
	CompressedPrefix = rules.CompressedPrefix

	Zstd = rules.Zstd
	Gzip = rules.Gzip
	Zlib = rules.Zlib

	// DefaultCompression is used by "compressed/<x>" without a compression.
	DefaultCompression = rules.DefaultCompression
)

var (
	builtinNames     = rules.Serializers()
	compressionNames = rules.Compressions()
)

// Parse turns a serializer name and a compression, as written in a
// directive or a setting, into a Spec.
//
// name is "msgpack", "json", "gob", a registered name, or
// "compressed/<one of those>"; "" means Default. compression applies only to
// compressed names: "" (meaning DefaultCompression), "zstd", "gzip" or
// "zlib". Unknown names give an error wrapping ErrUnknown that lists the
// valid ones.
func Parse(name, compression string) (Spec, error) {
	if name == "" {
		name = Default
	}
	inner, compressed := strings.CutPrefix(name, CompressedPrefix)
	if !known(inner) {
		return Spec{}, fmt.Errorf("%w %q (valid: %s)", ErrUnknown, name, strings.Join(validNames(), ", "))
	}
	if !compressed {
		if compression != "" {
			return Spec{}, fmt.Errorf("serializer %q: compression %q applies only to compressed serializers (did you mean %q?)", name, compression, CompressedPrefix+name)
		}
		return Spec{Type: inner}, nil
	}
	if compression == "" {
		compression = DefaultCompression
	}
	if !slices.Contains(compressionNames, compression) {
		return Spec{}, fmt.Errorf("serializer %q: %w compression %q (valid: %s)", name, ErrUnknown, compression, strings.Join(compressionNames, ", "))
	}
	return Spec{Type: inner, Compression: compression}, nil
}

// New builds the serializer a Spec describes: a built-in or a registered
// one, wrapped in its compression. Built-ins take no options; an option they
// do not know is an error rather than being ignored, so that a record written
// by a newer version is never decoded the wrong way.
func New(spec Spec) (Serializer, error) {
	if spec.Compression != "" {
		base := spec
		base.Compression = ""
		inner, err := New(base)
		if err != nil {
			return nil, err
		}
		return Compressed(inner, spec.Compression)
	}
	switch spec.Type {
	case MsgpackName, JSONName, GobName:
		if len(spec.Options) > 0 {
			return nil, fmt.Errorf("serializer %q takes no options, got %v", spec.Type, spec.Options)
		}
		return builtin(spec.Type), nil
	}
	registry.RLock()
	factory := registry.m[spec.Type]
	registry.RUnlock()
	if factory == nil {
		return nil, fmt.Errorf("%w %q (valid: %s)", ErrUnknown, spec.Type, strings.Join(validNames(), ", "))
	}
	s, err := factory(spec)
	if err != nil {
		return nil, fmt.Errorf("serializer %q: %w", spec.String(), err)
	}
	if s == nil {
		return nil, fmt.Errorf("serializer %q: factory returned nil", spec.String())
	}
	return s, nil
}

// registry holds the user serializers added by Register. It is the only
// process-wide mutable state of the package.
var registry = struct {
	sync.RWMutex
	m map[string]func(Spec) (Serializer, error)
}{m: map[string]func(Spec) (Serializer, error){}}

func checkTypeName(typ string) error { return rules.CheckSerializerType(typ) }

// Register adds a user serializer under typ, process-wide, so that Parse
// accepts typ and "compressed/"+typ and New rebuilds it from a stored Spec
// (factory receives the Spec without its Compression; New adds that). Call it
// from an init function. typ must be lowercase letters, digits, '.', '_' or
// '-'; a built-in name or an already registered name is refused.
func Register(typ string, factory func(Spec) (Serializer, error)) error {
	if err := checkTypeName(typ); err != nil {
		return err
	}
	if factory == nil {
		return fmt.Errorf("serializer %q: nil factory", typ)
	}
	if slices.Contains(builtinNames, typ) {
		return fmt.Errorf("serializer %q is built in and cannot be replaced", typ)
	}
	registry.Lock()
	defer registry.Unlock()
	if _, dup := registry.m[typ]; dup {
		return fmt.Errorf("serializer %q is already registered", typ)
	}
	registry.m[typ] = factory
	return nil
}

func known(typ string) bool {
	if slices.Contains(builtinNames, typ) {
		return true
	}
	registry.RLock()
	defer registry.RUnlock()
	_, ok := registry.m[typ]
	return ok
}

func validNames() []string {
	names := slices.Clone(builtinNames)
	registry.RLock()
	custom := slices.Sorted(maps.Keys(registry.m))
	registry.RUnlock()
	names = append(names, custom...)
	n := len(names)
	for _, name := range names[:n] {
		names = append(names, CompressedPrefix+name)
	}
	return names
}
