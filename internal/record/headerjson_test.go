package record

import (
	"bytes"
	"encoding"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/resultgen/resultgen/runtime/serializer"
)

// escapes holds what encoding/json escapes, or replaces, in a string:
// quotes, backslashes, control characters (named and not), HTML's < > &,
// U+2028 and U+2029, and invalid UTF-8 (a lone continuation byte, a cut
// sequence, an overlong one, a surrogate, 0xff); and what it does not:
// DEL, multi-byte runes, a rune outside the BMP.
const escapes = "a\"b\\c\x00\x01\x1f\b\f\n\r\t<x>&y\u2028z\u2029\x7f\x80\xc3\xc0\xaf\xed\xa0\x80\xff日本🙂é"

// headerCases are headers that exercise every field, empty and full.
func headerCases() map[string]Meta {
	created := time.Date(2026, 12, 1, 16, 0, 0, 123456789, time.UTC)
	lit, emptyLit := "true", ""
	full := Meta{
		Writer: "v1.4.0", Serializer: &serializer.Spec{Type: "json", Compression: "zstd", Options: map[string]string{"level": "3", "mode": "fast"}},
		GoType: "[]example.com/app.Row", Task: "report", Func: "example.com/app.Report", TypeHash: "sha256:00ff",
		TypeDesc: "struct{A int; B []string}", Key: "report/2026.msgpack", Created: created, Expires: created.Add(time.Hour),
		Literal: &lit,
		Labels:  map[string]string{"flow_run_id": "f", "task_run_name": "t-1", "": "", "code_version": "sha256:cd"},
		Manifest: &Manifest{KeyFrom: "cache_policy", StorageKey: "report/{day}.msgpack", Policy: "inputs+task_source",
			Params: []ParamSum{{Name: "x", Hash: "0123456789abcdef"}, {Name: "y", Excluded: true}, {}},
			Inputs: "sha256:ab", Keyed: true, Source: "sha256:cd",
			Units: []string{"func F 3fa9 app.go:1", "module golang.org/x/text@v0.43.0", ""},
			RunID: "r", FlowParameters: "fp"},
		Encryption: &Encryption{Cipher: CipherChunked, KeyID: "k1", Wrap: CipherWrap,
			WrappedKey: bytes.Repeat([]byte{0xfb, 0xff, 0x00}, 14), NoncePrefix: []byte{1, 2, 3, 4, 5, 6, 7}},
	}
	manyLabels := map[string]string{}
	for _, k := range strings.Split("zeta,alpha,Beta,_x,ä,a,aa,a b,9,~,\x7f,\xff,é,e", ",") {
		manyLabels[k] = k + "-value"
	}
	// Each escaped byte at each offset of a 16-byte string (appendjson.String
	// tests 8 bytes at a time).
	offsets := map[string]string{}
	for _, c := range []byte("\x00\x1f \"\\<>&\x7f\x80\xe2\xff") {
		for at := range 16 {
			b := []byte("abcdefghijklmnop")
			b[at] = c
			offsets[string(b)] = string(b[:at+1])
		}
	}
	return map[string]Meta{
		"zero":                    {},
		"escapes at every offset": {Key: "k", Created: created, Labels: offsets},
		"minimal":                 {Key: "k", Created: created, Serializer: &serializer.Spec{Type: "msgpack"}},
		"full":                    full,
		"task record": {Writer: "devel", Serializer: &serializer.Spec{Type: "msgpack"}, GoType: "string", Task: "persist",
			Func: "github.com/resultgen/resultgen/internal/benchtable/tasks.Persist", TypeHash: "sha256:" + strings.Repeat("0a", 32),
			TypeDesc: "string", Key: "persist/" + strings.Repeat("5e", 32) + ".msgpack", Created: time.Date(2026, 12, 7, 22, 33, 3, 915004127, time.UTC),
			Labels: map[string]string{"code_version": "sha256:" + strings.Repeat("c1", 32), "task_run_id": "0193f3c2-7b1e-7c9a-8e55-1f2a3b4c5d6e"},
			Manifest: &Manifest{KeyFrom: "cache_policy", Policy: "inputs+task_source+run_id", Params: []ParamSum{{Name: "i", Hash: "4b227777d4dd1fc6"}},
				Inputs: "sha256:" + strings.Repeat("1d", 32), Source: "sha256:" + strings.Repeat("c1", 32),
				Units: []string{"func Persist 52b4e4f0fb7b internal/benchtable/tasks/tasks.go"}, RunID: "0193f3c2-7b1e-7c9a-8e55-1f2a3b4c5d6e"}},
		"literal":       {Key: "lit", Created: created, Literal: &lit},
		"empty literal": {Key: "lit", Created: created, Literal: &emptyLit},
		"escapes everywhere": {Writer: escapes, GoType: escapes, Task: escapes, Func: escapes, TypeHash: escapes, TypeDesc: escapes, Key: escapes,
			Created: created, Literal: new(escapes),
			Serializer: &serializer.Spec{Type: escapes, Compression: escapes, Options: map[string]string{escapes: escapes, "<": ">"}},
			Labels:     map[string]string{escapes: escapes, "&": "\u2028", "\xff": "\xfe", "\u2029": "<script>"},
			Manifest: &Manifest{KeyFrom: escapes, StorageKey: escapes, Policy: escapes, Params: []ParamSum{{Name: escapes, Hash: escapes}},
				Inputs: escapes, Source: escapes, Units: []string{escapes, "\xed\xbf\xbf"}, RunID: escapes, FlowParameters: escapes},
			Encryption: &Encryption{Cipher: escapes, KeyID: escapes, Wrap: escapes}},
		"many labels": {Key: "k", Created: created, Labels: manyLabels},
		"empty non-nil maps and slices": {Key: "k", Created: created, Labels: map[string]string{},
			Serializer: &serializer.Spec{Type: "gob", Options: map[string]string{}},
			Manifest:   &Manifest{Params: []ParamSum{}, Units: []string{}},
			Encryption: &Encryption{WrappedKey: []byte{}, NoncePrefix: []byte{}}},
		"empty structs":              {Serializer: &serializer.Spec{}, Manifest: &Manifest{}, Encryption: &Encryption{}},
		"created zero, expires set":  {Key: "k", Expires: created},
		"no nanoseconds":             {Key: "k", Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		"nanoseconds trailing zeros": {Key: "k", Created: time.Date(2026, 1, 2, 3, 4, 5, 100_000_000, time.UTC), Expires: time.Date(2026, 1, 2, 3, 4, 5, 120, time.UTC)},
		"one nanosecond":             {Key: "k", Created: time.Date(2026, 1, 2, 3, 4, 5, 1, time.UTC)},
		"east of UTC":                {Key: "k", Created: time.Date(2026, 6, 30, 23, 59, 59, 999999999, time.FixedZone("IST", 5*3600+1800))},
		"west of UTC":                {Key: "k", Created: time.Date(2026, 6, 30, 23, 59, 59, 5000, time.FixedZone("PST", -8*3600)), Expires: time.Date(2027, 1, 1, 0, 0, 0, 0, time.FixedZone("", -9*3600-1800))},
		"zone named, offset 0":       {Key: "k", Created: time.Date(2026, 6, 30, 12, 0, 0, 0, time.FixedZone("GMT", 0))},
		"offset with seconds":        {Key: "k", Created: time.Date(1850, 6, 30, 12, 0, 0, 0, time.FixedZone("LMT", 1050)), Expires: time.Date(1850, 6, 30, 12, 0, 0, 0, time.FixedZone("LMT", -1050))},
		"offset of 23:59":            {Key: "k", Created: time.Date(2026, 6, 30, 12, 0, 0, 0, time.FixedZone("", 24*3600-60))},
		"local time":                 {Key: "k", Created: time.Date(2026, 6, 30, 12, 0, 0, 7, time.Local)},
		"monotonic clock reading":    {Key: "k", Created: time.Now()},
		"year 0":                     {Key: "k", Created: time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)},
		"year 9999":                  {Key: "k", Created: time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)},
		// json.Marshal refuses these: headerJSON must return its error.
		"year 10000":         {Key: "k", Created: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		"year -1":            {Key: "k", Created: time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)},
		"expires year 10000": {Key: "k", Created: created, Expires: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		"offset of 24h":      {Key: "k", Created: time.Date(2026, 6, 30, 12, 0, 0, 0, time.FixedZone("", 24*3600))},
		"offset of -25h":     {Key: "k", Created: created, Expires: time.Date(2026, 6, 30, 12, 0, 0, 0, time.FixedZone("", -25*3600))},
		"offset of 100h":     {Key: "k", Created: time.Date(2026, 6, 30, 12, 0, 0, 0, time.FixedZone("", 100*3600))},
	}
}

// checkHeaderJSON checks that appendHeaderJSON writes m's header exactly
// as json.Marshal does, declining only what json.Marshal refuses, and that
// headerJSON then returns json.Marshal's error.
func checkHeaderJSON(t *testing.T, m Meta) {
	t.Helper()
	want, wantErr := json.Marshal(headerOf(m))
	got, ok := appendHeaderJSON([]byte("prefix"), m)
	if ok != (wantErr == nil) {
		t.Fatalf("appendHeaderJSON ok=%v, json.Marshal error %v, for %#v", ok, wantErr, m)
	}
	if ok && !bytes.Equal(got[len("prefix"):], want) {
		t.Fatalf("appendHeaderJSON differs from json.Marshal:\n got %q\nwant %q", got[len("prefix"):], want)
	}
	js, err := headerJSON(m)
	switch {
	case wantErr != nil && (err == nil || err.Error() != wantErr.Error()):
		t.Fatalf("headerJSON: error %v, json.Marshal's %v", err, wantErr)
	case wantErr == nil && (err != nil || !bytes.Equal(js, want)):
		t.Fatalf("headerJSON: %q, %v; want %q", js, err, want)
	}
}

func TestHeaderJSONMatchesEncodingJSON(t *testing.T) {
	for name, m := range headerCases() {
		t.Run(name, func(t *testing.T) { checkHeaderJSON(t, m) })
	}
}

// TestEncodeHeaderBytes: a record's bytes up to the payload are what they
// were when the header came from json.Marshal, in both framings.
func TestEncodeHeaderBytes(t *testing.T) {
	for name, m := range headerCases() {
		js, err := json.Marshal(headerOf(m))
		if err != nil {
			continue
		}
		want := []byte(magic)
		want = binary.BigEndian.AppendUint16(want, uint16(writtenVersion(m)))
		want = binary.BigEndian.AppendUint32(want, uint32(len(js)))
		want = append(want, js...)
		want = binary.BigEndian.AppendUint32(want, crc32.Checksum(want[len(magic):], castagnoli))
		got, err := encodeHeader(m, framingBinary)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: binary framing: %q, %v; want %q", name, got, err, want)
		}
		got, err = encodeHeader(m, framingJSON)
		if want := encodeJSONHeader(js); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: JSON framing: %q, %v; want %q", name, got, err, want)
		}
	}
}

// TestHeaderJSONStoredFixtures: the headers of the stored records of
// format versions 1 and 2, decoded, encode to the same bytes.
func TestHeaderJSONStoredFixtures(t *testing.T) {
	fixtures, _ := filepath.Glob(filepath.Join("testdata", "v*", "*.rec"))
	if len(fixtures) == 0 {
		t.Fatal("no fixtures")
	}
	for _, name := range fixtures {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if string(b[:len(magic)]) != magic {
			continue
		}
		hb := b[prefixSize : prefixSize+int(binary.BigEndian.Uint32(b[10:14]))]
		m, err := parseHeader(hb)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if js, err := headerJSON(m); err != nil || !bytes.Equal(js, hb) {
			t.Errorf("%s: header re-encodes as %q, %v; stored %q", name, js, err, hb)
		}
	}
}

// TestHeaderTypesHaveNoMarshalers: appendHeaderJSON writes every field
// by its type's default JSON form; a type that gains a MarshalJSON or
// MarshalText method (time.Time's is written as it writes) needs the
// appender changed with it.
func TestHeaderTypesHaveNoMarshalers(t *testing.T) {
	marshalers := []reflect.Type{reflect.TypeFor[json.Marshaler](), reflect.TypeFor[encoding.TextMarshaler]()}
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(typ reflect.Type) {
		if seen[typ] || typ == reflect.TypeFor[time.Time]() || typ == reflect.TypeFor[*time.Time]() {
			return
		}
		seen[typ] = true
		for _, m := range marshalers {
			if typ.Implements(m) || reflect.PointerTo(typ).Implements(m) {
				t.Errorf("%v implements %v", typ, m)
			}
		}
		switch typ.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array:
			walk(typ.Elem())
		case reflect.Map:
			walk(typ.Key())
			walk(typ.Elem())
		case reflect.Struct:
			for i := range typ.NumField() {
				walk(typ.Field(i).Type)
			}
		}
	}
	walk(reflect.TypeFor[header]())
	if len(seen) < 10 {
		t.Fatalf("walked %d types", len(seen))
	}
}

// FuzzHeaderJSON: for any header built from the fuzzer's input,
// appendHeaderJSON writes json.Marshal's bytes, or declines where
// json.Marshal fails.
func FuzzHeaderJSON(f *testing.F) {
	for _, m := range headerCases() {
		flags, fields, labels, lists, created, expires, cns, ens, offsets, blob := fuzzArgs(m)
		f.Add(flags, fields, labels, lists, created, expires, cns, ens, offsets, blob)
	}
	f.Fuzz(func(t *testing.T, flags uint64, fields, labels, lists string, created, expires int64, cns, ens, offsets uint32, blob []byte) {
		checkHeaderJSON(t, fuzzMeta(flags, fields, labels, lists, created, expires, cns, ens, offsets, blob))
	})
}

// The fuzz input's separators: between the strings of a list, and between
// the lists of lists.
const (
	fuzzSep     = "\x1e"
	fuzzListSep = "\x1d"
)

// Flags of the fuzz input: which pointer fields are there, and bools.
const (
	fzSerializer = 1 << iota
	fzLiteral
	fzManifest
	fzEncryption
	fzExpires
	fzKeyed
	fzLabelsMap // labels: an empty map rather than nil when there are none
	fzExcluded  // and up: Params[i].Excluded in bit fzExcluded<<i
)

// fuzzMeta builds a Meta from the fuzzer's input: fields holds the string
// fields (fuzzFields order), labels key and value pairs, lists the
// serializer's options (pairs), the manifest's params (name and hash
// pairs) and units. created and expires are Unix seconds, cns and ens
// their nanoseconds (modulo 1e9), offsets their zones' offsets in seconds
// (the low and high 16 bits, as int16 times 3: up to 27 hours; 0 is UTC).
// blob is split into the wrapped key and the nonce prefix.
func fuzzMeta(flags uint64, fields, labels, lists string, created, expires int64, cns, ens, offsets uint32, blob []byte) Meta {
	var m Meta
	f := strings.Split(fields, fuzzSep)
	s := func(i int) string {
		if i < len(f) {
			return f[i]
		}
		return ""
	}
	m.Writer, m.GoType, m.Task, m.Func, m.TypeHash, m.TypeDesc, m.Key = s(0), s(1), s(2), s(3), s(4), s(5), s(6)
	at := func(sec int64, ns, off uint32) time.Time {
		t := time.Unix(sec, int64(ns%1_000_000_000))
		if o := int(int16(off)) * 3; o != 0 {
			return t.In(time.FixedZone("", o))
		}
		return t.UTC()
	}
	m.Created = at(created, cns, offsets&0xffff)
	if flags&fzExpires != 0 {
		m.Expires = at(expires, ens, offsets>>16)
	}
	if flags&fzLiteral != 0 {
		m.Literal = new(s(7))
	}
	pairs := func(s string) map[string]string {
		if s == "" {
			return nil
		}
		p := strings.Split(s, fuzzSep)
		m := map[string]string{}
		for i := 0; i < len(p); i += 2 {
			m[p[i]] = ""
			if i+1 < len(p) {
				m[p[i]] = p[i+1]
			}
		}
		return m
	}
	m.Labels = pairs(labels)
	if m.Labels == nil && flags&fzLabelsMap != 0 {
		m.Labels = map[string]string{}
	}
	l := strings.Split(lists, fuzzListSep)
	list := func(i int) []string {
		if i < len(l) && l[i] != "" {
			return strings.Split(l[i], fuzzSep)
		}
		return nil
	}
	if flags&fzSerializer != 0 {
		m.Serializer = &serializer.Spec{Type: s(8), Compression: s(9), Options: pairs(strings.Join(list(0), fuzzSep))}
	}
	if flags&fzManifest != 0 {
		x := &Manifest{KeyFrom: s(10), StorageKey: s(11), Policy: s(12), Inputs: s(13), Keyed: flags&fzKeyed != 0,
			Source: s(14), Units: list(2), RunID: s(15), FlowParameters: s(16)}
		p := list(1)
		for i := 0; i < len(p); i += 2 {
			ps := ParamSum{Name: p[i], Excluded: i/2 < 64-8 && flags&(fzExcluded<<(i/2)) != 0}
			if i+1 < len(p) {
				ps.Hash = p[i+1]
			}
			x.Params = append(x.Params, ps)
		}
		m.Manifest = x
	}
	if flags&fzEncryption != 0 {
		e := &Encryption{Cipher: s(17), KeyID: s(18), Wrap: s(19)}
		if len(blob) > 0 {
			e.WrappedKey, e.NoncePrefix = blob[:len(blob)/2], blob[len(blob)/2:]
		}
		m.Encryption = e
	}
	return m
}

// fuzzArgs is the inverse of fuzzMeta, as far as it goes: the fuzz input
// of a header case (zones by their offsets, to 3 seconds; at most 56 params
// excluded).
func fuzzArgs(m Meta) (flags uint64, fields, labels, lists string, created, expires int64, cns, ens, offsets uint32, blob []byte) {
	f := make([]string, 20)
	f[0], f[1], f[2], f[3], f[4], f[5], f[6] = m.Writer, m.GoType, m.Task, m.Func, m.TypeHash, m.TypeDesc, m.Key
	pairs := func(m map[string]string) string {
		var p []string
		for k, v := range m {
			p = append(p, k, v)
		}
		return strings.Join(p, fuzzSep)
	}
	zone := func(t time.Time) (sec int64, ns, off uint32) {
		_, o := t.Zone()
		return t.Unix(), uint32(t.Nanosecond()), uint32(uint16(int16(o / 3)))
	}
	var co, eo uint32
	created, cns, co = zone(m.Created)
	if !m.Expires.IsZero() {
		flags |= fzExpires
		expires, ens, eo = zone(m.Expires)
	}
	offsets = co | eo<<16
	if m.Literal != nil {
		flags |= fzLiteral
		f[7] = *m.Literal
	}
	labels = pairs(m.Labels)
	if m.Labels != nil && len(m.Labels) == 0 {
		flags |= fzLabelsMap
	}
	l := make([]string, 3)
	if s := m.Serializer; s != nil {
		flags |= fzSerializer
		f[8], f[9], l[0] = s.Type, s.Compression, pairs(s.Options)
	}
	if x := m.Manifest; x != nil {
		flags |= fzManifest
		if x.Keyed {
			flags |= fzKeyed
		}
		f[10], f[11], f[12], f[13], f[14], f[15], f[16] = x.KeyFrom, x.StorageKey, x.Policy, x.Inputs, x.Source, x.RunID, x.FlowParameters
		var p []string
		for i, ps := range x.Params {
			p = append(p, ps.Name, ps.Hash)
			if ps.Excluded && i < 64-8 {
				flags |= fzExcluded << i
			}
		}
		l[1], l[2] = strings.Join(p, fuzzSep), strings.Join(x.Units, fuzzSep)
	}
	if e := m.Encryption; e != nil {
		flags |= fzEncryption
		f[17], f[18], f[19] = e.Cipher, e.KeyID, e.Wrap
		blob = append(append([]byte{}, e.WrappedKey...), e.NoncePrefix...)
	}
	return flags, strings.Join(f, fuzzSep), labels, strings.Join(l, fuzzListSep), created, expires, cns, ens, offsets, blob
}

func BenchmarkEncodeHeader(b *testing.B) {
	for _, name := range []string{"task record", "full", "minimal"} {
		m := headerCases()[name]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := encodeHeader(m, framingBinary); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
