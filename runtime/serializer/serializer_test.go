package serializer_test

import (
	"bytes"
	"errors"
	"io"
	"maps"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/resultgen/resultgen/internal/sweep"
	"github.com/resultgen/resultgen/runtime/serializer"
	"github.com/resultgen/resultgen/runtime/serializer/serializertest"
)

// all returns every built-in serializer: msgpack, json and gob, plain and
// compressed with each compression.
func all(t *testing.T) []serializer.Serializer {
	t.Helper()
	var out []serializer.Serializer
	for _, name := range []string{"msgpack", "json", "gob"} {
		for _, comp := range []string{"", "zstd", "gzip", "zlib"} {
			full := name
			if comp != "" {
				full = "compressed/" + name
			}
			spec, err := serializer.Parse(full, comp)
			if err != nil {
				t.Fatal(err)
			}
			s, err := serializer.New(spec)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
	}
	return out
}

// TestSweepConformance runs the conformance suite users run on their own
// serializers against every built-in one, plain and compressed (each of
// the nine pairs). msgpack and gob write maps in Go's map order, so their
// encodings of values with maps are not compared (json sorts map keys:
// equal values give equal bytes). A sweep (see internal/sweep): one
// goroutine, which -race slowed twentyfold (9 s for four of the pairs);
// TestConcurrentUse runs the serializers' shared pools under -race.
func TestSweepConformance(t *testing.T) {
	sweep.Skip(t)
	for _, s := range all(t) {
		t.Run(s.Spec().String(), func(t *testing.T) {
			var opts []serializertest.Option
			if s.Spec().Type != serializer.JSONName {
				opts = append(opts, serializertest.UnorderedMaps())
			}
			serializertest.Run(t, s, opts...)
		})
	}
}

// TestConcurrentUse: goroutines sharing one serializer (and so its pools
// of encoders, decoders and compressors) each get their own value back.
func TestConcurrentUse(t *testing.T) {
	type value struct {
		N    int
		Name string
		Tags map[string]int
		Data []byte
	}
	for _, s := range all(t) {
		t.Run(s.Spec().String(), func(t *testing.T) {
			t.Parallel()
			var wg sync.WaitGroup
			for g := range 4 {
				wg.Go(func() {
					for i := range 8 {
						in := value{N: g*100 + i, Name: strings.Repeat("x", g+i), Tags: map[string]int{"g": g, "i": i}, Data: bytes.Repeat([]byte{byte(g)}, 100*i)}
						var b bytes.Buffer
						if err := s.Encode(&b, in); err != nil {
							t.Errorf("goroutine %d: encode: %v", g, err)
							return
						}
						var out value
						if err := s.Decode(&b, &out); err != nil {
							t.Errorf("goroutine %d: decode: %v", g, err)
							return
						}
						if out.N != in.N || out.Name != in.Name || !maps.Equal(out.Tags, in.Tags) || !bytes.Equal(out.Data, in.Data) {
							t.Errorf("goroutine %d: got %+v back, want %+v", g, out, in)
						}
					}
				})
			}
			wg.Wait()
		})
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name, comp string
		want       serializer.Spec
		str        string
		err        string
	}{
		{name: "", want: serializer.Spec{Type: "msgpack"}, str: "msgpack"},
		{name: "msgpack", want: serializer.Spec{Type: "msgpack"}, str: "msgpack"},
		{name: "json", want: serializer.Spec{Type: "json"}, str: "json"},
		{name: "gob", want: serializer.Spec{Type: "gob"}, str: "gob"},
		{name: "compressed/json", want: serializer.Spec{Type: "json", Compression: "zstd"}, str: "compressed/json+zstd"},
		{name: "compressed/gob", comp: "gzip", want: serializer.Spec{Type: "gob", Compression: "gzip"}, str: "compressed/gob+gzip"},
		{name: "compressed/msgpack", comp: "zlib", want: serializer.Spec{Type: "msgpack", Compression: "zlib"}, str: "compressed/msgpack+zlib"},
		{name: "pickle", err: `unknown serializer "pickle" (valid: msgpack, json, gob`},
		{name: "compressed/pickle", err: `unknown serializer "compressed/pickle"`},
		{name: "compressed/compressed/json", err: "unknown serializer"},
		{name: "compressed/json", comp: "lz4", err: `unknown serializer compression "lz4" (valid: zstd, gzip, zlib)`},
		{name: "json", comp: "gzip", err: `compression "gzip" applies only to compressed serializers`},
	}
	for _, tt := range tests {
		t.Run(tt.name+"+"+tt.comp, func(t *testing.T) {
			got, err := serializer.Parse(tt.name, tt.comp)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.err)
				}
				if strings.Contains(tt.err, "unknown") && !errors.Is(err, serializer.ErrUnknown) {
					t.Errorf("err does not wrap ErrUnknown: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			if got.String() != tt.str {
				t.Errorf("String() = %q, want %q", got.String(), tt.str)
			}
			back, err := serializer.ParseSpec(got.String())
			if err != nil || !back.Equal(got) {
				t.Errorf("ParseSpec(%q) = %+v, %v", got.String(), back, err)
			}
			s, err := serializer.New(got)
			if err != nil {
				t.Fatal(err)
			}
			if !s.Spec().Equal(got) {
				t.Errorf("New(%v).Spec() = %v", got, s.Spec())
			}
		})
	}
}

func TestSpecStringOptions(t *testing.T) {
	spec := serializer.Spec{Type: "csv", Compression: "gzip", Options: map[string]string{"sep": ";", "header": "yes & no"}}
	str := spec.String()
	if str != "compressed/csv+gzip?header=yes+%26+no&sep=%3B" {
		t.Errorf("String() = %q", str)
	}
	back, err := serializer.ParseSpec(str)
	if err != nil || !back.Equal(spec) {
		t.Errorf("ParseSpec(%q) = %+v, %v", str, back, err)
	}
	for _, bad := range []string{"", "compressed/json", "compressed/json+lz4", "Upper", "a/b", "x?a=1&a=2", "compressed"} {
		if _, err := serializer.ParseSpec(bad); err == nil {
			t.Errorf("ParseSpec(%q) succeeded", bad)
		}
	}
}

func TestNewRefusesUnknown(t *testing.T) {
	if _, err := serializer.New(serializer.Spec{Type: "nope"}); !errors.Is(err, serializer.ErrUnknown) {
		t.Errorf("New(nope) = %v, want ErrUnknown", err)
	}
	if _, err := serializer.New(serializer.Spec{Type: "json", Options: map[string]string{"indent": "2"}}); err == nil {
		t.Error("New accepted an option json does not know")
	}
	if _, err := serializer.New(serializer.Spec{Type: "json", Compression: "brotli"}); !errors.Is(err, serializer.ErrUnknown) {
		t.Errorf("New(json+brotli) = %v, want ErrUnknown", err)
	}
	c, err := serializer.Compressed(serializer.JSON(), "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Spec().Compression != "zstd" {
		t.Errorf("default compression = %q", c.Spec().Compression)
	}
	if _, err := serializer.Compressed(c, "gzip"); err == nil {
		t.Error("compressing twice succeeded")
	}
}

// upper is a custom serializer: strings, upper-cased on the wire, with an
// option that sets a prefix.
type upper struct{ prefix string }

func (u upper) Spec() serializer.Spec {
	return serializer.Spec{Type: "test-upper", Options: map[string]string{"prefix": u.prefix}}
}

func (u upper) Encode(w io.Writer, v any) error {
	_, err := io.WriteString(w, u.prefix+strings.ToUpper(v.(string)))
	return err
}

func (u upper) Decode(r io.Reader, v any) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s, ok := strings.CutPrefix(string(b), u.prefix)
	if !ok {
		return errors.New("missing prefix")
	}
	*v.(*string) = s
	return nil
}

func TestRegister(t *testing.T) {
	err := serializer.Register("test-upper", func(s serializer.Spec) (serializer.Serializer, error) {
		return upper{prefix: s.Options["prefix"]}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { serializer.Unregister("test-upper") }) // the registry is process-wide
	for _, bad := range []string{"test-upper", "msgpack", "json", "gob", "compressed", "Has Space", "a/b", ""} {
		if err := serializer.Register(bad, func(serializer.Spec) (serializer.Serializer, error) { return upper{}, nil }); err == nil {
			t.Errorf("Register(%q) succeeded", bad)
		}
	}

	spec, err := serializer.Parse("compressed/test-upper", "gzip")
	if err != nil {
		t.Fatal(err)
	}
	spec.Options = map[string]string{"prefix": ">"}
	s, err := serializer.New(spec)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Spec().Equal(spec) {
		t.Errorf("Spec() = %v, want %v", s.Spec(), spec)
	}
	var buf bytes.Buffer
	if err := s.Encode(&buf, "hi"); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := s.Decode(&buf, &got); err != nil || got != "HI" {
		t.Errorf("decoded %q, %v", got, err)
	}
	if _, err := serializer.Parse("pickle", ""); err == nil || !strings.Contains(err.Error(), "compressed/test-upper") {
		t.Errorf("unknown-name error does not list registered names: %v", err)
	}
}

func TestCodecDecodeErrorReturnsZero(t *testing.T) {
	c := serializer.NewCodec[serializertest.Sample](nil)
	if c.Spec().Type != "msgpack" {
		t.Errorf("default codec is %v", c.Spec())
	}
	got, err := c.Decode(strings.NewReader("\x81\xa5Title\x01")) // Title: 1, wrong type
	if err == nil {
		t.Fatal("no error")
	}
	if !reflect.ValueOf(got).IsZero() {
		t.Errorf("got partial value %+v", got)
	}
}

// A []byte read back from a verified payload equals what msgpack decodes
// from the same bytes, whatever its size (bin 8, 16 and 32 lengths, nil,
// empty), and it holds the payload's bytes without a copy.
func TestMsgpackBytesFromVerified(t *testing.T) {
	ser := serializer.Msgpack()
	for _, v := range [][]byte{nil, {}, []byte("abc"), bytes.Repeat([]byte{7}, 300), bytes.Repeat([]byte{9}, 70000)} {
		var buf bytes.Buffer
		if err := ser.Encode(&buf, v); err != nil {
			t.Fatal(err)
		}
		payload := buf.Bytes()
		var want, got []byte
		if err := ser.Decode(bytes.NewReader(payload), &want); err != nil {
			t.Fatal(err)
		}
		vr := serializer.NewVerified(payload)
		if err := ser.Decode(vr, &got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) || (got == nil) != (want == nil) || vr.Len() != 0 {
			t.Fatalf("%d bytes: got %d bytes (nil %v), want %d (nil %v); %d left unread", len(v), len(got), got == nil, len(want), want == nil, vr.Len())
		}
		if len(got) > 0 && &got[0] != &payload[len(payload)-len(got)] {
			t.Errorf("%d bytes: decoded as a copy", len(v))
		}
		if cap(got) != len(got) {
			t.Errorf("%d bytes: capacity %d reaches past the value", len(v), cap(got))
		}
	}
	// a cut-short payload is still an error, not a short slice
	var got []byte
	if err := ser.Decode(serializer.NewVerified([]byte{0xc4, 5, 1, 2}), &got); err == nil {
		t.Errorf("cut-short bin decoded as %v", got)
	}
}
