package record

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/resultgen/resultgen/runtime/serializer"
	"github.com/resultgen/resultgen/runtime/storage"
)

// parseHeaderFast is parseHeaderFastString over a copy of b.
func parseHeaderFast(b []byte) (h header, ok bool) {
	return parseHeaderFastString(string(b))
}

// fastAgrees checks that the fast header path, when it accepts b, decodes
// exactly what encoding/json decodes.
func fastAgrees(t *testing.T, b []byte) bool {
	t.Helper()
	fast, ok := parseHeaderFast(b)
	if !ok {
		return false
	}
	var slow header
	if err := json.Unmarshal(b, &slow); err != nil {
		t.Fatalf("fast path accepted what encoding/json refuses (%v): %s", err, b)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("fast path and encoding/json differ on %s:\nfast %#v\njson %#v", b, fast, slow)
	}
	return true
}

func sampleMetas() []Meta {
	created := time.Date(2026, 12, 1, 16, 0, 0, 123456789, time.UTC)
	lit := "true"
	return []Meta{
		{Key: "k", Created: created, Serializer: &serializer.Spec{Type: "msgpack"}},
		{Key: "a/b/c", Task: "t", Func: "example.com/app.F", GoType: "[]example.com/app.Row", TypeHash: "sha256:00ff",
			TypeDesc: "struct{A int; B []string}", Created: created, Expires: created.Add(time.Hour),
			Serializer: &serializer.Spec{Type: "json", Compression: "zstd", Options: map[string]string{"level": "3"}},
			Labels:     map[string]string{"flow_run_id": "f", "task_run_name": "t-1", "": ""},
			Manifest: &Manifest{KeyFrom: "cache_policy", Policy: "inputs+task_source", Inputs: "sha256:ab",
				Params: []ParamSum{{Name: "x", Hash: "0123"}, {Name: "y", Excluded: true}},
				Source: "sha256:cd", Units: []string{"func F 3fa9 app.go:1", "module golang.org/x/text@v0.43.0"},
				RunID: "r", FlowParameters: "fp"}},
		{Key: "lit", Created: created, Literal: &lit},
		{Key: "ünïcödé/日本", Task: "naïve", Created: created, Serializer: &serializer.Spec{Type: "gob"}},
		// escapes: encoding/json's path
		{Key: "q", Task: `a "quoted" <task> & \ tab` + "\t", Created: created, Serializer: &serializer.Spec{Type: "msgpack"}},
	}
}

func TestParseHeaderFastAgreesWithJSON(t *testing.T) {
	for i, m := range sampleMetas() {
		js, err := headerJSON(m)
		if err != nil {
			t.Fatal(err)
		}
		took := fastAgrees(t, js)
		escaped := strings.Contains(string(js), `\`)
		if took == escaped {
			t.Errorf("meta %d: fast path taken=%v for a header with escapes=%v: %s", i, took, escaped, js)
		}
	}
	// Input encoding/json reads differently or refuses: white space,
	// repeated, unknown or differently cased keys, nulls, invalid UTF-8,
	// trailing bytes. The fast path must agree or stay out of the way.
	for _, s := range []string{
		`{"key":"k","created":"2026-12-01T16:00:00Z","serializer":{"type":"msgpack"}}`,
		`{ "key":"k"}`, `{"key":"k","key":"j"}`, `{"Key":"k"}`, `{"keyx":"k"}`, `{"labels":null}`,
		`{"labels":{"a":"1","a":"2"}}`, "{\"key\":\"\xff\"}", `{"key":"k"} `, `{"key":"k"}x`, `{}`,
		`{"created":"2026-13-01T00:00:00Z"}`, `{"created":"yesterday"}`, `{"manifest":{"params":[{"name":"a","excluded":true}]}}`,
		`{"manifest":{"params":[{"name":"a","excluded":1}]}}`, `{"manifest":{"units":[]}}`, `{"manifest":{"units":["a",]}}`,
		`{"serializer":{"type":"x","options":{}}}`, `{"literal":"false"}`, `{"key":"k",}`, `{"key":"k"`, `[`, ``,
	} {
		fastAgrees(t, []byte(s))
	}
}

// FuzzParseHeaderFast: on any input the fast path accepts, it decodes what
// encoding/json decodes.
func FuzzParseHeaderFast(f *testing.F) {
	for _, m := range sampleMetas() {
		js, _ := headerJSON(m)
		f.Add(js)
	}
	// The headers of records as stored: of format versions 1 and 2 (the
	// fixtures' binary-framed ones) and of this version's writer.
	fixtures, _ := filepath.Glob(filepath.Join("testdata", "v*", "*.rec"))
	for _, name := range fixtures {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		if len(b) > prefixSize && string(b[:len(magic)]) == magic {
			hlen := int(binary.BigEndian.Uint32(b[10:14]))
			f.Add(b[prefixSize : prefixSize+hlen])
		}
	}
	st := storage.NewMemory()
	if _, err := Write(context.Background(), st, "k", sampleMetas()[1], nil, "v", storage.PutOptions{}); err != nil {
		f.Fatal(err)
	}
	b, _, _ := st.GetBytes(context.Background(), "k")
	f.Add(b[prefixSize : prefixSize+int(binary.BigEndian.Uint32(b[10:14]))])
	f.Fuzz(func(t *testing.T, b []byte) { fastAgrees(t, b) })
}

func BenchmarkParseHeader(b *testing.B) {
	js, _ := headerJSON(sampleMetas()[1])
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := parseHeader(js); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var h header
			if err := json.Unmarshal(js, &h); err != nil {
				b.Fatal(err)
			}
		}
	})
}
