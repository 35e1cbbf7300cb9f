// Package serializertest is the conformance suite of serializers: the
// built-in ones (msgpack, json, gob, each compressed with zstd, gzip and
// zlib) pass it, and a serializer of your own (runtime.SerializerValue, or
// serializer.Register plus a serializer= directive) should too before
// results are written with it.
//
// # Running it
//
//	func TestConformance(t *testing.T) {
//		serializertest.Run(t, mySerializer{})
//	}
//
// A serializer made for one type only (a CSV of []Row, say) cannot round
// trip the suite's general values: give it its own with Values, and the
// values it must refuse with Refuses:
//
//	serializertest.Run(t, csvRows{},
//		serializertest.Values([]Row{{Name: "a", N: 1}}, []Row{}),
//		serializertest.Refuses("not rows"))
//
// # What it checks
//
// Each check is a subtest (RoundTrip, Deterministic, Concurrent, Refuses,
// Garbage, Spec), so `go test -run TestConformance/Refuses` runs one.
//
//   - RoundTrip: each value encodes and decodes, from a plain reader and
//     from a serializer.Verified input (what the runtime hands Decode when
//     it reads a record), into an equal value. Equal is reflect.DeepEqual,
//     except that two time.Time values are equal when they are the same
//     instant (a serializer may decode another *time.Location); nil and
//     empty slices and maps are not equal. The general values are strings
//     (empty, non-ASCII), integers at 64-bit extremes, floats, bools, a
//     large []byte, a time with a zone offset, nested structs with
//     pointers, an embedded struct, slices, maps and a nil pointer.
//   - Deterministic: encoding a value twice gives the same bytes. The
//     runtime's verify mode (runtime.VerifyHits) compares encodings and
//     only decodes them when the bytes differ, and equal values giving
//     equal bytes keeps records comparable. A serializer that writes maps
//     in Go's random map order (msgpack and gob do) says so with
//     UnorderedMaps: its values holding maps are then left out of this
//     check.
//   - Concurrent: 4 goroutines encode and decode at once (the runtime
//     shares one serializer between concurrent runs); run with -race.
//   - Refuses: Encode returns an error, rather than panicking or writing
//     bytes that decode as something else, for values it cannot represent:
//     by default a func, a channel, and a slice, map and struct holding
//     them.
//   - Garbage: for general-purpose serializers (without Values), bytes
//     that are no encoding fail to decode, and a value decoded into a
//     pointer to another type fails instead of half-filling it.
//   - Spec: s.Spec() survives serializer.ParseSpec(spec.String()) (records
//     keep it as text), and, when serializer.New knows the spec (built in or
//     registered), the serializer it rebuilds decodes s's bytes: that is how
//     `resultgen results show` and other programs read the records later. An
//     unregistered serializer is reported in the log, not failed: its
//     records can be read only by code that passes the same serializer.
package serializertest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/resultgen/resultgen/runtime/serializer"
)

// Option adjusts what Run checks.
type Option func(*config)

type config struct {
	values    []any
	custom    bool // values given with Values
	refuses   []any
	unordered bool
}

// Values replaces the general values RoundTrip, Deterministic and
// Concurrent use with vs, for a serializer made for some types only. Each
// is encoded as it is and decoded into a new value of its own type. It
// also turns off Garbage, whose checks assume a general-purpose
// serializer.
func Values(vs ...any) Option {
	return func(c *config) { c.values, c.custom = vs, true }
}

// Refuses replaces the values Encode must refuse with vs (none: nothing is
// checked).
func Refuses(vs ...any) Option { return func(c *config) { c.refuses = vs } }

// UnorderedMaps says that s writes maps in Go's map iteration order, so
// equal values holding maps of more than one entry may give different
// bytes; Deterministic then checks only the values without maps.
func UnorderedMaps() Option { return func(c *config) { c.unordered = true } }

// Base is embedded in Sample.
type Base struct {
	ID   int64
	Tags []string
}

// Point is a small struct of the general values.
type Point struct {
	Name  string
	At    time.Time
	Score float64
}

// Sample is the general values' nested struct: embedded, pointer, nil
// pointer, slice, map, byte slice, time and nested-slice fields.
type Sample struct {
	Base
	Title  string
	Inner  Point
	Ptr    *Point
	NilPtr *Point
	Items  []Point
	ByName map[string]Point
	Counts map[string]int
	Raw    []byte
	When   time.Time
	Grid   [][]int
	Opt    *int
	Flag   bool
}

// General returns the values Run round trips by default.
func General() []any {
	seven := 7
	at := time.Date(2026, 3, 14, 15, 9, 26, 535897932, time.UTC)
	zoned := time.Date(2025, 12, 31, 23, 59, 59, 1, time.FixedZone("UTC+2", 2*3600))
	return []any{
		"hello, 世界",
		"",
		int64(math.MinInt64),
		int64(math.MaxInt64),
		uint64(math.MaxUint64),
		-1 << 40,
		3.25,
		true,
		[]byte{0, 1, 2, 255},
		bytes.Repeat([]byte("abc"), 100_000),
		zoned,
		[]*Point{{Name: "p", At: at}},
		map[string][]int{"a": {1, 2}, "b": {3}, "c": nil},
		Sample{
			Base:   Base{ID: -42, Tags: []string{"a", "ü", ""}},
			Title:  "résumé <html> & \"quotes\"",
			Inner:  Point{Name: "inner", At: at, Score: 1.5},
			Ptr:    &Point{Name: "ptr", At: zoned, Score: -0.25},
			Items:  []Point{{Name: "x", At: at}, {Name: "y", At: zoned, Score: 3}},
			ByName: map[string]Point{"b": {Name: "b"}, "a": {Name: "a", At: at}},
			Counts: map[string]int{"z": 26, "a": 1, "m": 13},
			Raw:    []byte{0, 1, 2, 255},
			When:   zoned,
			Grid:   [][]int{{1, 2}, {3}},
			Opt:    &seven,
			Flag:   true,
		},
	}
}

// Unrepresentable returns the values Run expects Encode to refuse by
// default.
func Unrepresentable() []any {
	return []any{
		func() {},
		make(chan int),
		[]func(){func() {}},
		map[string]chan int{"c": make(chan int)},
		struct{ C chan int }{make(chan int)},
	}
}

// Run checks s (see the package documentation).
func Run(t *testing.T, s serializer.Serializer, opts ...Option) {
	t.Helper()
	if s == nil {
		t.Fatal("serializertest.Run: nil serializer")
	}
	c := config{values: General(), refuses: Unrepresentable()}
	for _, o := range opts {
		o(&c)
	}
	t.Run("RoundTrip", func(t *testing.T) {
		for i, v := range c.values {
			b, ok := encode(t, s, i, v)
			if !ok {
				continue
			}
			for _, in := range []struct {
				name string
				fn   func() io.Reader
			}{
				{"reader", func() io.Reader { return bytes.NewReader(bytes.Clone(b)) }},
				{"serializer.Verified", func() io.Reader { return serializer.NewVerified(bytes.Clone(b)) }},
			} {
				got, err := decode(s, in.fn(), reflect.TypeOf(v))
				if err != nil {
					t.Errorf("value %d (%T): decode from a %s: %v", i, v, in.name, err)
					continue
				}
				if !Equal(v, got) {
					t.Errorf("value %d (%T): decoded from a %s as\n%s\nwant\n%s", i, v, in.name, show(got), show(v))
				}
			}
		}
	})
	t.Run("Deterministic", func(t *testing.T) {
		checked := 0
		for i, v := range c.values {
			if c.unordered && hasMap(reflect.ValueOf(v)) {
				continue
			}
			a, ok := encode(t, s, i, v)
			if !ok {
				continue
			}
			for range 3 {
				b, ok := encode(t, s, i, v)
				if ok && !bytes.Equal(a, b) {
					t.Errorf("value %d (%T): two encodings differ (%d and %d bytes); a serializer that writes maps in Go's map order says so with serializertest.UnorderedMaps", i, v, len(a), len(b))
					break
				}
			}
			checked++
		}
		if checked == 0 {
			t.Skip("no value to check")
		}
	})
	t.Run("Concurrent", func(t *testing.T) {
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for i, v := range c.values {
					var buf bytes.Buffer
					if err := s.Encode(&buf, v); err != nil {
						t.Errorf("value %d (%T): concurrent encode: %v", i, v, err)
						continue
					}
					got, err := decode(s, &buf, reflect.TypeOf(v))
					if err != nil {
						t.Errorf("value %d (%T): concurrent decode: %v", i, v, err)
						continue
					}
					if !Equal(v, got) {
						t.Errorf("value %d (%T): concurrent round trip gave %s", i, v, show(got))
					}
				}
			})
		}
		wg.Wait()
	})
	t.Run("Refuses", func(t *testing.T) {
		if len(c.refuses) == 0 {
			t.Skip("no values to refuse")
		}
		for i, v := range c.refuses {
			var buf bytes.Buffer
			panicked, err := safely(func() error { return s.Encode(&buf, v) })
			switch {
			case panicked != nil:
				t.Errorf("value %d (%T): Encode panicked (%v); return an error instead", i, v, panicked)
			case err == nil:
				t.Errorf("value %d (%T): Encode wrote %d bytes without error; it must refuse a value it cannot represent", i, v, buf.Len())
			}
		}
	})
	t.Run("Garbage", func(t *testing.T) {
		if c.custom {
			t.Skip("values given with serializertest.Values: a serializer for some types only")
		}
		var v Sample
		panicked, err := safely(func() error { return s.Decode(bytes.NewReader([]byte("\xc1\xff\x00garbage")), &v) })
		if panicked != nil {
			t.Errorf("Decode of garbage panicked (%v); return an error instead", panicked)
		} else if err == nil {
			t.Errorf("garbage decoded without error as %s", show(v))
		}
		var buf bytes.Buffer
		if err := s.Encode(&buf, "a string"); err != nil {
			t.Fatalf("encode a string: %v", err)
		}
		var n int
		panicked, err = safely(func() error { return s.Decode(&buf, &n) })
		if panicked != nil {
			t.Errorf("Decode of a string into *int panicked (%v); return an error instead", panicked)
		} else if err == nil {
			t.Errorf("a string decoded into *int without error, as %d", n)
		}
	})
	t.Run("Spec", func(t *testing.T) {
		spec := s.Spec()
		back, err := serializer.ParseSpec(spec.String())
		if err != nil {
			t.Fatalf("Spec() = %q does not parse back: %v", spec.String(), err)
		}
		if !back.Equal(spec) {
			t.Fatalf("Spec() = %+v parses back as %+v", spec, back)
		}
		rebuilt, err := serializer.New(spec)
		if errors.Is(err, serializer.ErrUnknown) {
			t.Logf("serializer %q is not registered (serializer.Register): its records can be read only by code that passes it (runtime.SerializerValue)", spec.String())
			return
		}
		if err != nil {
			t.Fatalf("serializer.New(%q): %v", spec.String(), err)
		}
		if !rebuilt.Spec().Equal(spec) {
			t.Errorf("serializer.New(%q).Spec() = %q", spec.String(), rebuilt.Spec().String())
		}
		for i, v := range c.values {
			b, ok := encode(t, s, i, v)
			if !ok {
				continue
			}
			got, err := decode(rebuilt, serializer.NewVerified(b), reflect.TypeOf(v))
			if err != nil {
				t.Errorf("value %d (%T): the serializer serializer.New rebuilds from %q cannot decode it: %v", i, v, spec.String(), err)
			} else if !Equal(v, got) {
				t.Errorf("value %d (%T): the serializer serializer.New rebuilds from %q decodes it as %s", i, v, spec.String(), show(got))
			}
		}
	})
}

// encode encodes value i, reporting a failure.
func encode(t *testing.T, s serializer.Serializer, i int, v any) ([]byte, bool) {
	t.Helper()
	var buf bytes.Buffer
	panicked, err := safely(func() error { return s.Encode(&buf, v) })
	switch {
	case panicked != nil:
		t.Errorf("value %d (%T): Encode panicked: %v", i, v, panicked)
		return nil, false
	case err != nil:
		t.Errorf("value %d (%T): Encode: %v", i, v, err)
		return nil, false
	}
	return buf.Bytes(), true
}

// decode decodes from r into a new value of type typ.
func decode(s serializer.Serializer, r io.Reader, typ reflect.Type) (any, error) {
	p := reflect.New(typ)
	panicked, err := safely(func() error { return s.Decode(r, p.Interface()) })
	if panicked != nil {
		return nil, fmt.Errorf("decode panicked: %v", panicked)
	}
	if err != nil {
		return nil, err
	}
	return p.Elem().Interface(), nil
}

// safely calls fn, returning its error or what it panicked with.
func safely(fn func() error) (panicked any, err error) {
	defer func() { panicked = recover() }()
	return nil, fn()
}

func show(v any) string {
	s := fmt.Sprintf("%#v", v)
	if len(s) > 400 {
		s = s[:400] + "..."
	}
	return s
}

// Equal reports whether a and b are equal values as the suite sees them:
// reflect.DeepEqual, except that time.Time values are equal when they are
// the same instant.
func Equal(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return sameValue(reflect.ValueOf(a), reflect.ValueOf(b))
}

var timeType = reflect.TypeFor[time.Time]()

func sameValue(a, b reflect.Value) bool {
	if a.Type() != b.Type() {
		return false
	}
	if a.Type() == timeType {
		return a.Interface().(time.Time).Equal(b.Interface().(time.Time))
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return sameValue(a.Elem(), b.Elem())
	case reflect.Struct:
		for i := range a.NumField() {
			if !sameValue(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Slice, reflect.Array:
		if a.Kind() == reflect.Slice && a.IsNil() != b.IsNil() {
			return false
		}
		if a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			if !sameValue(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Map:
		if a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			return false
		}
		iter := a.MapRange()
		for iter.Next() {
			bv := b.MapIndex(iter.Key())
			if !bv.IsValid() || !sameValue(iter.Value(), bv) {
				return false
			}
		}
		return true
	case reflect.Float32, reflect.Float64:
		x, y := a.Float(), b.Float()
		return x == y || math.IsNaN(x) && math.IsNaN(y)
	case reflect.Func:
		return a.IsNil() && b.IsNil()
	default:
		return a.Equal(b)
	}
}

// hasMap reports whether v holds a map of more than one entry.
func hasMap(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Map:
		if v.Len() > 1 {
			return true
		}
		for iter := v.MapRange(); iter.Next(); {
			if hasMap(iter.Value()) {
				return true
			}
		}
	case reflect.Pointer, reflect.Interface:
		return !v.IsNil() && hasMap(v.Elem())
	case reflect.Struct:
		for i := range v.NumField() {
			if hasMap(v.Field(i)) {
				return true
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if hasMap(v.Index(i)) {
				return true
			}
		}
	}
	return false
}
